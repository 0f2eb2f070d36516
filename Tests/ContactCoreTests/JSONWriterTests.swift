import ContactCore
import Testing

extension JSONWriterTests {
    /// A control character and the escape the writer must produce for it.
    struct ControlCharacterCase: Sendable, CustomTestStringConvertible {
        let byte: UInt8
        let escape: String

        var testDescription: String {
            "U+00" + (self.byte < 0x10 ? "0" : "") + String(self.byte, radix: 16, uppercase: true)
        }

        static let all: [ControlCharacterCase] = (0..<0x20).map { byte in
            let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
            let hex = String(byte, radix: 16)
            return ControlCharacterCase(
                byte: UInt8(byte),
                escape: short[UInt8(byte)] ?? #"\u00"# + (hex.count == 1 ? "0" + hex : hex)
            )
        }
    }
}

struct JSONWriterTests {
    // MARK: - Scalars

    @Test func literals() {
        #expect(JSONWriter.string(.null) == "null")
        #expect(JSONWriter.string(.bool(true)) == "true")
        #expect(JSONWriter.string(.bool(false)) == "false")
    }

    static let integerCases: [(Int64, String)] = [
        (0, "0"), (9, "9"), (10, "10"), (-1, "-1"), (-10, "-10"), (1_000_000, "1000000"),
        (Int64.max, "9223372036854775807"), (Int64.min, "-9223372036854775808"),
        (Int64.min + 1, "-9223372036854775807"),
    ]

    @Test(arguments: integerCases)
    func integers(_ number: Int64, _ text: String) {
        #expect(JSONWriter.string(.int(number)) == text)
        var bytes: [UInt8] = []
        JSONWriter.writeInteger(number, into: &bytes)
        #expect(bytes == Array(text.utf8))
    }

    static let doubleCases: [(Double, String)] = [
        (2.0, "2.0"), (1e21, "1e+21"), (-0.0, "-0.0"), (0.0, "0.0"), (0.1, "0.1"), (-1.5, "-1.5"),
        (100.0, "100.0"), (1e15, "1000000000000000.0"), (1e16, "1e+16"), (123_456_789.0, "123456789.0"),
        (Double.leastNonzeroMagnitude, "5e-324"), (Double.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        (-Double.greatestFiniteMagnitude, "-1.7976931348623157e+308"), (0.0001, "0.0001"), (1e-5, "1e-05"),
        (1.0 / 3.0, "0.3333333333333333"), (9_007_199_254_740_992.0, "9007199254740992.0"), (1e23, "1e+23"),
        (9.223372036854775807e18, "9.223372036854776e+18"), (2.5e-7, "2.5e-07"),
    ]

    /// Doubles print in shortest round-trip form (Swift's `description`: at least two exponent
    /// digits, as in `1e-05`) and always carry a '.' or an exponent, so they read back as doubles.
    @Test(arguments: doubleCases)
    func doubles(_ number: Double, _ text: String) throws {
        #expect(JSONWriter.string(.double(number)) == text)
        var bytes: [UInt8] = []
        JSONWriter.writeDouble(number, into: &bytes)
        #expect(bytes == Array(text.utf8))
        guard case .double(let back) = try JSONParser.parse(text) else {
            Issue.record("\(text) does not read back as a double")
            return
        }
        #expect(back.bitPattern == number.bitPattern)
    }

    // MARK: - Strings

    @Test(arguments: ControlCharacterCase.all)
    func escapesEveryControlCharacter(_ testCase: ControlCharacterCase) throws {
        let content = "a" + String(UnicodeScalar(testCase.byte)) + "b"
        let expected = "\"a" + testCase.escape + "b\""
        #expect(JSONWriter.string(.string(content)) == expected)
        let object = JSON.object(JSONObject(uniqueMembers: [.init(key: content, value: .string(content))]))
        let written = JSONWriter.serialize(object)
        #expect(written == Array("{\(expected):\(expected)}".utf8))
        #expect(!written.contains { $0 < 0x20 })
        if testCase.byte != 0 {  // \u0000 is not allowed in member names
            #expect(JSON.identical(try JSONParser.parse(written), object))
        } else {
            #expect(JSON.identical(try JSONParser.parse(expected), .string(content)))
        }
    }

    @Test func escapesQuoteAndBackslashOnly() {
        #expect(JSONWriter.string(.string("\"")) == #""\"""#)
        #expect(JSONWriter.string(.string("\\")) == #""\\""#)
        #expect(JSONWriter.string(.string("/")) == #""/""#)
        #expect(JSONWriter.string(.string("a\"b\\c\nd\u{7F}")) == "\"a\\\"b\\\\c\\nd\u{7F}\"")
        #expect(JSONWriter.string(.string("")) == #""""#)
    }

    /// Non-ASCII text (including U+2028, U+2029, BOM, noncharacters and astral scalars) is written as
    /// raw UTF-8, unescaped.
    @Test func passesNonASCIIThrough() {
        let content = "\u{E9}e\u{301}\u{20AC}\u{1F600}\u{2028}\u{2029}\u{FEFF}\u{FFFF}\u{10FFFF}\u{540D}\u{80}"
        #expect(JSONWriter.serialize(.string(content)) == [0x22] + Array(content.utf8) + [0x22])
        let object = JSON.object(JSONObject([content: .string(content)]))
        #expect(JSONWriter.string(object) == "{\"\(content)\":\"\(content)\"}")
    }

    /// Whatever the content, the output never holds a raw line break (PROTOCOL.md section 1).
    @Test func neverWritesARawNewline() {
        let nasty = String((0..<0x20).map { Character(UnicodeScalar(UInt8($0))) }) + "\r\n\u{2028}\u{85}"
        let value = JSON.array([
            .string(nasty),
            .object(JSONObject([String(nasty.unicodeScalars.filter { $0 != "\u{0}" }): .string(nasty)])),
        ])
        let bytes = JSONWriter.serialize(value)
        #expect(!bytes.contains(0x0A))
        #expect(!bytes.contains(0x0D))
        #expect(!bytes.contains { $0 < 0x20 })
    }

    // MARK: - Containers

    @Test func compactContainersKeepMemberOrder() {
        let value = JSON.object(
            JSONObject([
                "b": .int(1), "a": .array([.bool(true), .null, .double(2.5), .string("x")]), "c": .object(JSONObject()),
                "d": .array([]), "e": .array([.array([.object(JSONObject(["z": .int(-1), "y": .double(-0.0)]))])]),
            ])
        )
        #expect(
            JSONWriter.string(value)
                == #"{"b":1,"a":[true,null,2.5,"x"],"c":{},"d":[],"e":[[{"z":-1,"y":-0.0}]]}"#
        )
    }

    @Test func memberNamesAreEscaped() {
        let value = JSON.object(JSONObject(["a\"b": .int(1), "c\\d": .int(2), "e\tf": .int(3), "": .int(4)]))
        #expect(JSONWriter.string(value) == #"{"a\"b":1,"c\\d":2,"e\tf":3,"":4}"#)
    }

    /// The appending entry points add to what is already there, and all agree with `serialize`.
    @Test func entryPointsAgree() {
        let object = JSONObject(["k": .array([.int(1), .string("\u{1F600}\n")])])
        let expected = Array(#"{"k":[1,"😀\n"]}"#.utf8)
        #expect(JSONWriter.serialize(.object(object)) == expected)
        #expect(JSONWriter.string(.object(object)) == String(decoding: expected, as: UTF8.self))
        var bytes: [UInt8] = Array("prefix ".utf8)
        JSONWriter.write(.object(object), into: &bytes)
        #expect(bytes == Array("prefix ".utf8) + expected)
        var objectBytes: [UInt8] = [0x5B]
        JSONWriter.writeObject(object, into: &objectBytes)
        #expect(objectBytes == [0x5B] + expected)
        var stringBytes: [UInt8] = [0x3A]
        JSONWriter.writeString("q\"", into: &stringBytes)
        #expect(stringBytes == Array(#":"q\"""#.utf8))
        var numberBytes: [UInt8] = [0x2C]
        JSONWriter.writeInteger(-42, into: &numberBytes)
        JSONWriter.writeDouble(0.5, into: &numberBytes)
        #expect(numberBytes == Array(",-420.5".utf8))
    }

    /// Non-finite doubles have no JSON form; writing one is a programming error that stops the process.
    @Test func nonFiniteDoubleTraps() async {
        await #expect(processExitsWith: .failure) {
            _ = JSONWriter.serialize(.double(.nan))
        }
        await #expect(processExitsWith: .failure) {
            _ = JSONWriter.serialize(.array([.double(-.infinity)]))
        }
    }
}
