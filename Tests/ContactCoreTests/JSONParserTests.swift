import ContactCore
import Foundation
import Testing

/// The UTF-8 bytes of `text`.
private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

extension JSONParserTests {
    /// A text the parser must accept, and the exact value it must produce.
    struct ValidCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let expected: JSON
        /// Whether Foundation's parser can serve as an oracle (it merges canonically equal names, has
        /// its own ideas about underflow and rounds some long decimals wrongly).
        var useOracle = true

        var testDescription: String { self.name }
    }

    /// A text the parser must reject, and the byte offset the error must carry.
    struct InvalidCase: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let offset: Int

        var testDescription: String { self.name }
    }
}

struct JSONParserTests {
    // MARK: - Tables

    static let rfcImage = """
        {
          "Image": {
              "Width":  800,
              "Height": 600,
              "Title":  "View from 15th Floor",
              "Thumbnail": {
                  "Url":    "http://www.example.com/image/481989943",
                  "Height": 125,
                  "Width":  100
              },
              "Animated" : false,
              "IDs": [116, 943, 234, 38793]
            }
        }
        """

    static let rfcAddresses = """
        [
          {
             "precision": "zip",
             "Latitude":  37.7668,
             "Longitude": -122.3959,
             "Address":   "",
             "City":      "SAN FRANCISCO",
             "State":     "CA",
             "Zip":       "94107",
             "Country":   "US"
          },
          {
             "precision": "zip",
             "Latitude":  37.371991,
             "Longitude": -122.026020,
             "Address":   "",
             "City":      "SUNNYVALE",
             "State":     "CA",
             "Zip":       "94085",
             "Country":   "US"
          }
        ]
        """

    static func address(_ latitude: Double, _ longitude: Double, _ city: String, _ zip: String) -> JSON {
        .object(
            JSONObject([
                "precision": .string("zip"), "Latitude": .double(latitude), "Longitude": .double(longitude),
                "Address": .string(""), "City": .string(city), "State": .string("CA"), "Zip": .string(zip),
                "Country": .string("US"),
            ])
        )
    }

    static let validCases: [ValidCase] = [
        // RFC 8259 section 13.
        ValidCase(
            name: "RFC 8259 image object",
            bytes: utf8(rfcImage),
            expected: .object(
                JSONObject([
                    "Image": .object(
                        JSONObject([
                            "Width": .int(800), "Height": .int(600), "Title": .string("View from 15th Floor"),
                            "Thumbnail": .object(
                                JSONObject([
                                    "Url": .string("http://www.example.com/image/481989943"), "Height": .int(125),
                                    "Width": .int(100),
                                ])
                            ),
                            "Animated": .bool(false),
                            "IDs": .array([.int(116), .int(943), .int(234), .int(38793)]),
                        ])
                    )
                ])
            )
        ),
        ValidCase(
            name: "RFC 8259 array of two addresses",
            bytes: utf8(rfcAddresses),
            expected: .array([
                address(37.7668, -122.3959, "SAN FRANCISCO", "94107"),
                address(37.371991, -122.02602, "SUNNYVALE", "94085"),
            ])
        ),
        ValidCase(name: "RFC 8259 string text", bytes: utf8(#""Hello world!""#), expected: .string("Hello world!")),
        ValidCase(name: "RFC 8259 number text", bytes: utf8("42"), expected: .int(42)),
        ValidCase(name: "RFC 8259 true text", bytes: utf8("true"), expected: .bool(true)),
        ValidCase(name: "false", bytes: utf8("false"), expected: .bool(false)),
        ValidCase(name: "null", bytes: utf8("null"), expected: .null),
        // Structure and whitespace.
        ValidCase(name: "empty object", bytes: utf8("{}"), expected: .object(JSONObject())),
        ValidCase(name: "empty array", bytes: utf8("[]"), expected: .array([])),
        ValidCase(
            name: "all four whitespace characters everywhere",
            bytes: utf8(" \t\n\r[ \t\n\r1 \t\n\r, \t\n\r{ \r\n\"a\" \t: \n2\r} ]\r\n\t "),
            expected: .array([.int(1), .object(JSONObject(["a": .int(2)]))])
        ),
        ValidCase(
            name: "nested empties",
            bytes: utf8("[[],{},[{}],{\"a\":[]}]"),
            expected: .array([
                .array([]), .object(JSONObject()), .array([.object(JSONObject())]),
                .object(JSONObject(["a": .array([])])),
            ])
        ),
        ValidCase(
            name: "member order is kept",
            bytes: utf8(#"{"b":1,"a":2,"c":3}"#),
            expected: .object(JSONObject(["b": .int(1), "a": .int(2), "c": .int(3)]))
        ),
        ValidCase(
            name: "names differing in case",
            bytes: utf8(#"{"a":1,"A":2}"#),
            expected: .object(JSONObject(["a": .int(1), "A": .int(2)]))
        ),
        ValidCase(
            name: "names equal only after Unicode normalisation are distinct",
            bytes: utf8("{\"\u{E9}\":1,\"e\u{301}\":2}"),
            expected: .object(JSONObject(["\u{E9}": .int(1), "e\u{301}": .int(2)])),
            useOracle: false
        ),
        // Strings and escapes.
        ValidCase(
            name: "short escapes",
            bytes: utf8(#""\"\\\/\b\f\n\r\t""#),
            expected: .string("\"\\/\u{08}\u{0C}\n\r\t")
        ),
        ValidCase(
            name: "\\u escapes in either case",
            bytes: utf8(#""\u0041\u00e9\u00E9\u20ac\u20AC""#),
            expected: .string("A\u{E9}\u{E9}\u{20AC}\u{20AC}")
        ),
        ValidCase(name: "surrogate pair", bytes: utf8(#""\ud83d\ude00""#), expected: .string("\u{1F600}")),
        ValidCase(name: "surrogate pair uppercase", bytes: utf8(#""\uD83D\uDE00""#), expected: .string("\u{1F600}")),
        ValidCase(name: "lowest surrogate pair", bytes: utf8(#""\ud800\udc00""#), expected: .string("\u{10000}")),
        ValidCase(name: "highest surrogate pair", bytes: utf8(#""\udbff\udfff""#), expected: .string("\u{10FFFF}")),
        ValidCase(
            name: "surrogate pair between text",
            bytes: utf8(#""a\ud83d\ude00b\u00e9""#),
            expected: .string("a\u{1F600}b\u{E9}")
        ),
        ValidCase(name: "\\u0000 in a string value", bytes: utf8(#""a\u0000b""#), expected: .string("a\u{0}b")),
        ValidCase(
            name: "\\u0000 in a nested value, other controls in a name",
            bytes: utf8(#"{"k\u0001\u001f":["\u0000"]}"#),
            expected: .object(JSONObject(["k\u{1}\u{1F}": .array([.string("\u{0}")])]))
        ),
        ValidCase(
            name: "raw non-ASCII of 2, 3 and 4 bytes",
            bytes: utf8("\"\u{E9}\u{20AC}\u{1F600}\""),
            expected: .string("\u{E9}\u{20AC}\u{1F600}")
        ),
        ValidCase(
            name: "raw U+FFFF and U+10FFFF",
            bytes: [0x22, 0xEF, 0xBF, 0xBF, 0xF4, 0x8F, 0xBF, 0xBF, 0x22],
            expected: .string("\u{FFFF}\u{10FFFF}")
        ),
        ValidCase(
            name: "raw U+0080, U+07FF, U+0800, U+D7FF, U+E000",
            bytes: [0x22, 0xC2, 0x80, 0xDF, 0xBF, 0xE0, 0xA0, 0x80, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80, 0x22],
            expected: .string("\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}")
        ),
        ValidCase(name: "raw DEL", bytes: [0x22, 0x7F, 0x22], expected: .string("\u{7F}")),
        ValidCase(
            name: "BOM character inside a string",
            bytes: [0x22, 0xEF, 0xBB, 0xBF, 0x78, 0x22],
            expected: .string("\u{FEFF}x")
        ),
        ValidCase(name: "raw U+2028", bytes: utf8("\"\u{2028}\""), expected: .string("\u{2028}")),
        ValidCase(
            name: "non-ASCII member name",
            bytes: utf8("{\"\u{540D}\u{524D}\":\"\u{1F600}\"}"),
            expected: .object(JSONObject(["\u{540D}\u{524D}": .string("\u{1F600}")]))
        ),
        // Numbers.
        ValidCase(name: "zero", bytes: utf8("0"), expected: .int(0)),
        ValidCase(name: "minus zero integer", bytes: utf8("-0"), expected: .int(0)),
        ValidCase(name: "negative integer", bytes: utf8("-17"), expected: .int(-17)),
        ValidCase(name: "Int64.max", bytes: utf8("9223372036854775807"), expected: .int(.max)),
        ValidCase(name: "Int64.min", bytes: utf8("-9223372036854775808"), expected: .int(.min)),
        ValidCase(
            name: "Int64.max + 1 is a double",
            bytes: utf8("9223372036854775808"),
            expected: .double(9_223_372_036_854_775_808.0)
        ),
        ValidCase(
            name: "Int64.min - 1 is a double",
            bytes: utf8("-9223372036854775809"),
            expected: .double(-9_223_372_036_854_775_808.0)
        ),
        ValidCase(
            name: "2^64 is a double",
            bytes: utf8("18446744073709551616"),
            expected: .double(18_446_744_073_709_551_616.0)
        ),
        ValidCase(
            name: "30 digits",
            bytes: utf8("123456789012345678901234567890"),
            expected: .double(1.2345678901234568e29)
        ),
        ValidCase(
            name: "2^53 + 1 integer stays exact",
            bytes: utf8("9007199254740993"),
            expected: .int(9_007_199_254_740_993)
        ),
        ValidCase(
            name: "2^53 + 1 with fraction rounds",
            bytes: utf8("9007199254740993.0"),
            expected: .double(9_007_199_254_740_992.0)
        ),
        ValidCase(name: "1.0 is a double", bytes: utf8("1.0"), expected: .double(1.0)),
        ValidCase(name: "exponent makes a double", bytes: utf8("1e2"), expected: .double(100.0)),
        ValidCase(name: "E+", bytes: utf8("1E+2"), expected: .double(100.0)),
        ValidCase(name: "e-", bytes: utf8("1e-2"), expected: .double(0.01)),
        ValidCase(name: "fraction and exponent", bytes: utf8("-1.5e-3"), expected: .double(-0.0015)),
        ValidCase(name: "fraction times exponent", bytes: utf8("10.5e-1"), expected: .double(1.05)),
        ValidCase(name: "0.0", bytes: utf8("0.0"), expected: .double(0.0)),
        ValidCase(name: "-0.0 keeps its sign", bytes: utf8("-0.0"), expected: .double(-0.0)),
        ValidCase(name: "0e0", bytes: utf8("0e0"), expected: .double(0.0)),
        ValidCase(name: "-0e0", bytes: utf8("-0e0"), expected: .double(-0.0)),
        ValidCase(name: "0.1", bytes: utf8("0.1"), expected: .double(0.1)),
        ValidCase(name: "pi", bytes: utf8("3.141592653589793"), expected: .double(3.141592653589793)),
        ValidCase(name: "1e22 (exact power)", bytes: utf8("1e22"), expected: .double(1e22)),
        ValidCase(name: "1e23 (inexact power)", bytes: utf8("1e23"), expected: .double(1e23)),
        ValidCase(name: "15 digits at 10^22", bytes: utf8("123456789012345e22"), expected: .double(123456789012345e22)),
        ValidCase(name: "small fraction", bytes: utf8("0.000001"), expected: .double(1e-6)),
        ValidCase(name: "1e-7", bytes: utf8("1e-7"), expected: .double(1e-7)),
        ValidCase(
            name: "exponent with leading zeros",
            bytes: utf8("1e0000000000000000000000000000005"),
            expected: .double(100_000.0)
        ),
        ValidCase(
            name: "greatest finite double",
            bytes: utf8("1.7976931348623157e308"),
            expected: .double(.greatestFiniteMagnitude)
        ),
        ValidCase(
            name: "least nonzero double",
            bytes: utf8("4.9406564584124654e-324"),
            expected: .double(.leastNonzeroMagnitude)
        ),
        ValidCase(
            name: "least nonzero double, short",
            bytes: utf8("5e-324"),
            expected: .double(.leastNonzeroMagnitude)
        ),
        ValidCase(
            name: "least normal double",
            bytes: utf8("2.2250738585072014e-308"),
            expected: .double(.leastNormalMagnitude)
        ),
        ValidCase(
            name: "exactly halfway rounds to even",
            bytes: utf8("1.00000000000000011102230246251565404236316680908203125"),
            expected: .double(1.0),
            useOracle: false
        ),
        ValidCase(
            name: "just above halfway rounds up",
            bytes: utf8("1.00000000000000011102230246251565404236316680908203126"),
            expected: .double(1.0000000000000002),
            useOracle: false
        ),
        ValidCase(name: "underflow becomes 0.0", bytes: utf8("1e-400"), expected: .double(0.0), useOracle: false),
        ValidCase(
            name: "negative underflow becomes -0.0",
            bytes: utf8("-1e-400"),
            expected: .double(-0.0),
            useOracle: false
        ),
        ValidCase(
            name: "underflow with a huge exponent",
            bytes: utf8("-1e-99999999999999999999"),
            expected: .double(-0.0),
            useOracle: false
        ),
        ValidCase(
            name: "zero with a huge exponent",
            bytes: utf8("0e99999999999999999999"),
            expected: .double(0.0),
            useOracle: false
        ),
        ValidCase(
            name: "numbers in an array",
            bytes: utf8("[1,-1,1.5,-0.0,1e3]"),
            expected: .array([.int(1), .int(-1), .double(1.5), .double(-0.0), .double(1000.0)])
        ),
    ]

    static let invalidCases: [InvalidCase] = {
        var cases: [InvalidCase] = [
            // Empty input and byte-order marks.
            InvalidCase(name: "empty input", bytes: [], offset: 0),
            InvalidCase(name: "whitespace only", bytes: utf8(" \t\n"), offset: 3),
            InvalidCase(name: "BOM before an object", bytes: [0xEF, 0xBB, 0xBF] + utf8("{}"), offset: 0),
            InvalidCase(name: "BOM before a string", bytes: [0xEF, 0xBB, 0xBF] + utf8(#""x""#), offset: 0),
            InvalidCase(name: "BOM after whitespace", bytes: [0x20, 0xEF, 0xBB, 0xBF] + utf8("1"), offset: 1),
            InvalidCase(name: "BOM after the value", bytes: utf8("1") + [0xEF, 0xBB, 0xBF], offset: 1),
            // Structure.
            InvalidCase(name: "lone ]", bytes: utf8("]"), offset: 0),
            InvalidCase(name: "lone }", bytes: utf8("}"), offset: 0),
            InvalidCase(name: "unclosed [", bytes: utf8("["), offset: 1),
            InvalidCase(name: "unclosed {", bytes: utf8("{"), offset: 1),
            InvalidCase(name: "unclosed array after value", bytes: utf8("[1"), offset: 2),
            InvalidCase(name: "unclosed object after value", bytes: utf8(#"{"a":1"#), offset: 6),
            InvalidCase(name: "name without colon at end", bytes: utf8(#"{"a""#), offset: 4),
            InvalidCase(name: "name and colon at end", bytes: utf8(#"{"a":"#), offset: 5),
            InvalidCase(name: "trailing comma in array", bytes: utf8("[1,]"), offset: 3),
            InvalidCase(name: "leading comma in array", bytes: utf8("[,1]"), offset: 1),
            InvalidCase(name: "missing comma in array", bytes: utf8("[1 2]"), offset: 3),
            InvalidCase(name: "trailing comma in object", bytes: utf8(#"{"a":1,}"#), offset: 7),
            InvalidCase(name: "missing colon", bytes: utf8(#"{"a" 1}"#), offset: 5),
            InvalidCase(name: "missing value", bytes: utf8(#"{"a":}"#), offset: 5),
            InvalidCase(name: "name without value", bytes: utf8(#"{"a"}"#), offset: 4),
            InvalidCase(name: "number as name", bytes: utf8("{1:2}"), offset: 1),
            InvalidCase(name: "unquoted name", bytes: utf8("{a:1}"), offset: 1),
            InvalidCase(name: "single-quoted name", bytes: utf8("{'a':1}"), offset: 1),
            InvalidCase(name: "single-quoted string", bytes: utf8("'a'"), offset: 0),
            InvalidCase(name: "mismatched brackets", bytes: utf8("[1}"), offset: 2),
            // Trailing garbage.
            InvalidCase(name: "garbage after array", bytes: utf8("[1]x"), offset: 3),
            InvalidCase(name: "second value", bytes: utf8("[1] [2]"), offset: 4),
            InvalidCase(name: "two numbers", bytes: utf8("1 2"), offset: 2),
            InvalidCase(name: "NUL after value", bytes: utf8("{}") + [0x00], offset: 2),
            InvalidCase(name: "comment after value", bytes: utf8("[1]//"), offset: 3),
            InvalidCase(name: "comment before value", bytes: utf8("/*x*/1"), offset: 0),
            // Whitespace RFC 8259 does not allow.
            InvalidCase(name: "form feed as whitespace", bytes: utf8("[\u{0C}1]"), offset: 1),
            InvalidCase(name: "vertical tab as whitespace", bytes: utf8("[\u{0B}1]"), offset: 1),
            InvalidCase(name: "no-break space as whitespace", bytes: [0xC2, 0xA0, 0x31], offset: 0),
            // Literals.
            InvalidCase(name: "truncated true", bytes: utf8("tru"), offset: 3),
            InvalidCase(name: "misspelt true", bytes: utf8("trux"), offset: 3),
            InvalidCase(name: "truncated false", bytes: utf8("fals"), offset: 4),
            InvalidCase(name: "truncated null", bytes: utf8("nul"), offset: 3),
            InvalidCase(name: "capitalised True", bytes: utf8("True"), offset: 0),
            InvalidCase(name: "nulll", bytes: utf8("nulll"), offset: 4),
            InvalidCase(name: "NaN", bytes: utf8("NaN"), offset: 0),
            InvalidCase(name: "Infinity", bytes: utf8("Infinity"), offset: 0),
            InvalidCase(name: "-Infinity", bytes: utf8("-Infinity"), offset: 1),
            // Number grammar.
            InvalidCase(name: "leading zero", bytes: utf8("01"), offset: 1),
            InvalidCase(name: "double zero", bytes: utf8("00"), offset: 1),
            InvalidCase(name: "negative leading zero", bytes: utf8("-01"), offset: 2),
            InvalidCase(name: "lone minus", bytes: utf8("-"), offset: 1),
            InvalidCase(name: "minus letter", bytes: utf8("-a"), offset: 1),
            InvalidCase(name: "plus sign", bytes: utf8("+1"), offset: 0),
            InvalidCase(name: "leading point", bytes: utf8(".5"), offset: 0),
            InvalidCase(name: "trailing point", bytes: utf8("1."), offset: 2),
            InvalidCase(name: "point then exponent", bytes: utf8("1.e5"), offset: 2),
            InvalidCase(name: "empty exponent", bytes: utf8("1e"), offset: 2),
            InvalidCase(name: "signed empty exponent", bytes: utf8("1e+"), offset: 3),
            InvalidCase(name: "hex", bytes: utf8("0x10"), offset: 1),
            InvalidCase(name: "letter after digits", bytes: utf8("1a"), offset: 1),
            // Numbers that overflow a double: the offset is the number's first byte.
            InvalidCase(name: "1e400", bytes: utf8("1e400"), offset: 0),
            InvalidCase(name: "-1e400 in an array", bytes: utf8("[ -1e400]"), offset: 2),
            InvalidCase(name: "1.8e308", bytes: utf8("1.8e308"), offset: 0),
            InvalidCase(name: "1e309 after a number", bytes: utf8("[1,1e309]"), offset: 3),
            InvalidCase(name: "huge exponent", bytes: utf8("1e99999999999999999999"), offset: 0),
            InvalidCase(name: "long mantissa overflow", bytes: utf8("-123456789012345678901234567890e300"), offset: 0),
            InvalidCase(name: "overflow in a member value", bytes: utf8(#"{"n":2e308}"#), offset: 5),
            // Strings.
            InvalidCase(name: "unterminated string", bytes: utf8(#""abc"#), offset: 4),
            InvalidCase(name: "unterminated after non-ASCII", bytes: utf8("\"\u{E9}"), offset: 3),
            InvalidCase(name: "backslash at end", bytes: utf8(#""\"#), offset: 1),
            InvalidCase(name: "unknown escape", bytes: utf8(#""\x""#), offset: 1),
            InvalidCase(name: "escaped single quote", bytes: utf8(#""\'""#), offset: 1),
            InvalidCase(name: "uppercase \\U", bytes: utf8(#""\U0041""#), offset: 1),
            InvalidCase(name: "short \\u", bytes: utf8(#""\u12""#), offset: 1),
            InvalidCase(name: "non-hex \\u", bytes: utf8(#""ab\u12G4""#), offset: 3),
            InvalidCase(name: "raw newline", bytes: utf8("\"a\nb\""), offset: 2),
            InvalidCase(name: "raw tab", bytes: utf8("\"a\t\""), offset: 2),
            InvalidCase(name: "raw NUL", bytes: [0x22, 0x00, 0x22], offset: 1),
            InvalidCase(name: "raw 0x1F", bytes: [0x22, 0x1F, 0x22], offset: 1),
            InvalidCase(name: "raw CR after non-ASCII", bytes: utf8("\"\u{E9}\r\""), offset: 3),
            InvalidCase(name: "raw control character in a name", bytes: utf8("{\"a\u{01}\":1}"), offset: 3),
            // Unpaired surrogate escapes: the offset is the first escape's backslash.
            InvalidCase(name: "lone high surrogate at end", bytes: utf8(#""\ud83d""#), offset: 1),
            InvalidCase(name: "high surrogate then text", bytes: utf8(#""\ud83dx""#), offset: 1),
            InvalidCase(name: "high surrogate then \\n", bytes: utf8(#""\ud83d\n""#), offset: 1),
            InvalidCase(name: "lone low surrogate", bytes: utf8(#""\ude00""#), offset: 1),
            InvalidCase(name: "low surrogate after text", bytes: utf8(#""ab\ude00""#), offset: 3),
            InvalidCase(name: "reversed pair", bytes: utf8(#""\ude00\ud83d""#), offset: 1),
            InvalidCase(name: "high then non-surrogate", bytes: utf8(#""\ud83d\u0041""#), offset: 1),
            InvalidCase(name: "two highs", bytes: utf8(#""\ud83d\ud83d""#), offset: 1),
            InvalidCase(name: "high then bad hex", bytes: utf8(#""\ud83d\uZZZZ""#), offset: 7),
            InvalidCase(name: "lone low surrogate in second element", bytes: utf8(#"["ok","\udfff"]"#), offset: 7),
            InvalidCase(name: "lone surrogate in a name", bytes: utf8(#"{"\ud800":1}"#), offset: 2),
            // \u0000 in member names.
            InvalidCase(name: "\\u0000 as a name", bytes: utf8(#"{"\u0000":1}"#), offset: 2),
            InvalidCase(name: "\\u0000 inside a name", bytes: utf8(#"{"a\u0000b":1}"#), offset: 3),
            InvalidCase(name: "\\u0000 in a nested name", bytes: utf8(#"[{"x":{"\u0000":1}}]"#), offset: 8),
            // Duplicate member names: the offset is the second name's opening quote.
            InvalidCase(name: "duplicate name", bytes: utf8(#"{"a":1,"a":2}"#), offset: 7),
            InvalidCase(name: "duplicate name, one escaped", bytes: utf8(#"{"a":1,"\u0061":2}"#), offset: 7),
            InvalidCase(name: "duplicate empty name", bytes: utf8(#"{"":1,"":2}"#), offset: 6),
            InvalidCase(name: "duplicate name in a nested object", bytes: utf8(#"{"a":{"b":1,"b":2}}"#), offset: 12),
            InvalidCase(name: "duplicate non-ASCII name", bytes: utf8("{\"\u{E9}\":1,\"\u{E9}\":2}"), offset: 8),
            InvalidCase(
                name: "duplicate name, one as surrogate pair",
                bytes: utf8(#"{"😀":1,"\ud83d\ude00":2}"#),
                offset: 10
            ),
            // Invalid UTF-8 (the offset is the first byte of the bad sequence).
            InvalidCase(name: "truncated 2-byte at end of input", bytes: [0x22, 0xC3], offset: 1),
            InvalidCase(name: "truncated 2-byte before quote", bytes: [0x22, 0xC3, 0x22], offset: 1),
            InvalidCase(name: "truncated 3-byte", bytes: [0x22, 0xE2, 0x82, 0x22], offset: 1),
            InvalidCase(name: "truncated 3-byte at end of input", bytes: [0x22, 0xE2, 0x82], offset: 1),
            InvalidCase(name: "truncated 4-byte", bytes: [0x22, 0xF0, 0x9F, 0x98, 0x22], offset: 1),
            InvalidCase(name: "overlong 2-byte C0", bytes: [0x22, 0xC0, 0xAF, 0x22], offset: 1),
            InvalidCase(name: "overlong 2-byte C1", bytes: [0x22, 0xC1, 0xBF, 0x22], offset: 1),
            InvalidCase(name: "overlong 3-byte /", bytes: [0x22, 0xE0, 0x80, 0xAF, 0x22], offset: 1),
            InvalidCase(name: "overlong 3-byte U+07FF", bytes: [0x22, 0xE0, 0x9F, 0xBF, 0x22], offset: 1),
            InvalidCase(name: "overlong 4-byte /", bytes: [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], offset: 1),
            InvalidCase(name: "overlong 4-byte U+FFFF", bytes: [0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22], offset: 1),
            InvalidCase(name: "encoded surrogate U+D800", bytes: [0x22, 0xED, 0xA0, 0x80, 0x22], offset: 1),
            InvalidCase(name: "encoded surrogate U+DFFF", bytes: [0x22, 0xED, 0xBF, 0xBF, 0x22], offset: 1),
            InvalidCase(
                name: "CESU-8 surrogate pair",
                bytes: [0x22, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0x22],
                offset: 1
            ),
            InvalidCase(name: "above U+10FFFF", bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], offset: 1),
            InvalidCase(name: "lead byte F5", bytes: [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], offset: 1),
            InvalidCase(name: "5-byte form", bytes: [0x22, 0xF8, 0x88, 0x80, 0x80, 0x80, 0x22], offset: 1),
            InvalidCase(name: "byte FE", bytes: [0x22, 0xFE, 0x22], offset: 1),
            InvalidCase(name: "byte FF", bytes: [0x22, 0xFF, 0x22], offset: 1),
            InvalidCase(name: "lone continuation 80", bytes: [0x22, 0x80, 0x22], offset: 1),
            InvalidCase(name: "lone continuation BF", bytes: [0x22, 0xBF, 0x22], offset: 1),
            InvalidCase(name: "continuation byte is ASCII", bytes: [0x22, 0xE2, 0x41, 0x82, 0x22], offset: 1),
            InvalidCase(name: "third byte not continuation", bytes: [0x22, 0xE2, 0x82, 0xC0, 0x22], offset: 1),
            InvalidCase(name: "fourth byte not continuation", bytes: [0x22, 0xF0, 0x9F, 0x98, 0x41, 0x22], offset: 1),
            InvalidCase(name: "bad byte after ASCII", bytes: utf8(#""ab"#) + [0xFF, 0x22], offset: 3),
            InvalidCase(name: "truncated after valid 2-byte", bytes: [0x22, 0xC3, 0xA9, 0xE2, 0x82, 0x22], offset: 3),
            InvalidCase(name: "bad byte after escape", bytes: utf8(#""\n"#) + [0xFF, 0x22], offset: 3),
            InvalidCase(
                name: "invalid UTF-8 in a name",
                bytes: utf8(#"{""#) + [0xC0, 0x80] + utf8(#"":1}"#),
                offset: 2
            ),
            InvalidCase(name: "invalid byte outside a string", bytes: [0x5B, 0xFF, 0x5D], offset: 1),
            // Depth (the offset is the opening bracket of depth 65).
            InvalidCase(name: "65 nested arrays", bytes: nestedArrays(65), offset: 64),
            InvalidCase(name: "65 nested objects", bytes: nestedObjects(65), offset: 320),
            InvalidCase(
                name: "array at depth 65 inside 64 objects",
                bytes: utf8(String(repeating: #"{"a":"#, count: 64) + "[]" + String(repeating: "}", count: 64)),
                offset: 320
            ),
        ]
        // Duplicates in objects wide enough for the parser's set-based check.
        for (count, duplicateOf) in [(16, 0), (16, 15), (17, 3), (20, 19), (40, 7)] {
            var text = "{"
            for index in 0..<count { text += "\"k\(index)\":\(index)," }
            let offset = text.utf8.count
            text += "\"k\(duplicateOf)\":0}"
            cases.append(
                InvalidCase(
                    name: "duplicate of member \(duplicateOf) after \(count) members",
                    bytes: utf8(text),
                    offset: offset
                )
            )
        }
        return cases
    }()

    /// `depth` arrays nested in each other: `[[...]]`.
    static func nestedArrays(_ depth: Int) -> [UInt8] {
        utf8(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
    }

    /// `depth` objects nested in each other: `{"a":{"a":...1}}`.
    static func nestedObjects(_ depth: Int) -> [UInt8] {
        utf8(String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth))
    }

    // MARK: - Table tests

    @Test(arguments: validCases)
    func acceptsValidText(_ testCase: ValidCase) throws {
        let parsed = try JSONParser.parse(testCase.bytes)
        #expect(
            JSON.identical(parsed, testCase.expected),
            "got \(parsed), expected \(testCase.expected)"
        )
    }

    /// Foundation's JSONSerialization, as an oracle, reads the valid texts the same way.
    @Test(arguments: validCases.filter(\.useOracle))
    func agreesWithFoundation(_ testCase: ValidCase) throws {
        let oracle = try #require(CoreTestKit.foundationParse(testCase.bytes))
        #expect(CoreTestKit.oracleMatches(try JSONParser.parse(testCase.bytes), oracle))
    }

    @Test(arguments: invalidCases)
    func rejectsInvalidText(_ testCase: InvalidCase) {
        switch CoreTestKit.parse(testCase.bytes) {
        case .success(let value):
            Issue.record("accepted as \(value)")
        case .failure(let error):
            #expect(error.offset == testCase.offset, "\(error)")
            #expect(!error.reason.isEmpty)
        }
    }

    /// Foundation's JSONSerialization rejects the texts that are invalid by RFC 8259's grammar alone
    /// (duplicates, depth, overflow and `\u0000` names are this protocol's rules, not the grammar's).
    @Test func foundationAlsoRejectsSyntaxErrors() {
        // (Foundation accepts trailing commas, so those are not in this list.)
        let grammarErrors = ["[1 2]", #"{"a" 1}"#, "01", "1.", ".5", "+1", "1e", "tru", "[1]x", "\"\\x\""]
        for text in grammarErrors {
            #expect(CoreTestKit.foundationParse(utf8(text)) == nil, "\(text)")
            #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        }
    }

    // MARK: - Errors and entry points

    @Test func errorDescribesReasonAndOffset() {
        switch CoreTestKit.parse(utf8(#"{"a":1,"a":2}"#)) {
        case .success: Issue.record("accepted a duplicate name")
        case .failure(let error):
            #expect(error.offset == 7)
            #expect(error.reason.contains("duplicate"))
            #expect(error.description == "\(error.reason) at byte 7")
        }
    }

    /// A byte-order mark is refused as such, not as some unexpected byte.
    @Test func byteOrderMarkIsNamed() {
        for bytes in [[0xEF, 0xBB, 0xBF] + utf8("{}"), [0xEF, 0xBB, 0xBF]] {
            switch CoreTestKit.parse(bytes) {
            case .success(let value): Issue.record("accepted as \(value)")
            case .failure(let error):
                #expect(error == JSONParseError(offset: 0, reason: "a byte-order mark is not allowed"))
            }
        }
    }

    @Test func entryPointsAgree() throws {
        let text = #"{"a":[1,2.5,"\u00e9\ud83d\ude00",null,true],"b":{}}"#
        let fromString = try JSONParser.parse(text)
        let fromBytes = try JSONParser.parse(utf8(text))
        let fromRaw = try utf8(text).withUnsafeBytes { raw throws(JSONParseError) -> JSON in try JSONParser.parse(raw) }
        #expect(JSON.identical(fromString, fromBytes))
        #expect(JSON.identical(fromString, fromRaw))
        let bad = "[1,]"
        #expect(throws: JSONParseError(offset: 3, reason: "unexpected ']', expected a value")) {
            try JSONParser.parse(bad)
        }
        let rawError = utf8(bad).withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(raw) }
        }
        #expect(throws: JSONParseError.self) { try rawError.get() }
    }

    /// Non-ASCII text passes through unchanged: the string's UTF-8 is exactly the bytes between the
    /// quotes.
    @Test func nonASCIIPassesThroughBytewise() throws {
        let content = "\u{E9}e\u{301}\u{20AC}\u{1F600}\u{10FFFF}\u{FEFF}\u{2028}\u{7F}\u{540D}"
        let parsed = try JSONParser.parse(utf8("\"" + content + "\""))
        let string = try #require(parsed.stringValue)
        #expect(Array(string.utf8) == utf8(content))
    }

    // MARK: - Depth

    @Test func maximumDepthIs64() {
        #expect(JSONParser.maximumDepth == 64)
    }

    @Test func accepts64NestedArrays() throws {
        var value = try JSONParser.parse(Self.nestedArrays(64))
        var depth = 0
        while case .array(let elements) = value {
            depth += 1
            guard let first = elements.first else { break }
            value = first
        }
        #expect(depth == 64)
    }

    @Test func accepts64NestedObjects() throws {
        var value = try JSONParser.parse(Self.nestedObjects(64))
        var depth = 0
        while case .object(let object) = value, let inner = object["a"] {
            depth += 1
            value = inner
        }
        #expect(depth == 64)
        #expect(value == .int(1))
    }

    @Test func mixedNestingCountsEveryContainer() throws {
        // 32 objects and 32 arrays alternating: depth 64 is fine, one more array is not.
        let open = String(repeating: #"{"a":["#, count: 32)
        let close = String(repeating: "]}", count: 32)
        _ = try JSONParser.parse(open + close)
        let deeper = open + "[]" + close
        #expect(throws: JSONParseError(offset: open.utf8.count, reason: "nesting deeper than 64 levels")) {
            try JSONParser.parse(deeper)
        }
    }

    /// Closing a container lowers the depth again: many siblings of depth 64 are fine.
    @Test func depthDropsAfterClosingContainers() throws {
        let deepArray = String(decoding: Self.nestedArrays(63), as: UTF8.self)
        let deepObject = String(decoding: Self.nestedObjects(63), as: UTF8.self)
        let siblings = "[" + Array(repeating: deepArray, count: 10).joined(separator: ",") + "]"
        _ = try JSONParser.parse(siblings)
        let members = "{" + (0..<10).map { "\"m\($0)\":\(deepObject)" }.joined(separator: ",") + "}"
        _ = try JSONParser.parse(members)
        let mixed =
            "[" + Array(repeating: "[" + deepObject + "," + deepArray + "]", count: 2).joined(separator: ",") + "]"
        #expect(throws: JSONParseError.self) { try JSONParser.parse(mixed) }  // that one is depth 65
    }

    /// Very deep input is rejected at depth 65 without exhausting the stack.
    @Test func rejectsVeryDeepInputQuickly() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 200_000)
        switch CoreTestKit.parse(bytes) {
        case .success: Issue.record("accepted 200000 nested arrays")
        case .failure(let error): #expect(error.offset == 64)
        }
    }

    // MARK: - Member names

    @Test func wideObjectsKeepOrderAndAcceptUniqueNames() throws {
        let names = (0..<100).map { "n\(($0 * 37) % 100)" }
        let text = "{" + names.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + "}"
        let object = try #require(try JSONParser.parse(text).objectValue)
        #expect(object.members.map(\.key) == names)
        #expect(object.members.map(\.value) == (0..<100).map { JSON.int(Int64($0)) })
    }

    /// Names that Swift's `String ==` considers equal (canonical equivalence) are still distinct
    /// member names, in small and wide objects alike.
    @Test func namesAreComparedBytewiseInWideObjects() throws {
        var text = "{"
        for index in 0..<20 { text += "\"k\(index)\":\(index)," }
        text += "\"\u{E9}\":1,\"e\u{301}\":2,\"\u{212B}\":3,\"\u{C5}\":4}"
        let object = try #require(try JSONParser.parse(text).objectValue)
        #expect(object.count == 24)
        #expect(object.index(of: "e\u{301}") == 21)
        #expect(object.index(of: "\u{C5}") == 23)
    }
}
