import ContactCore
import Testing

private func json(_ text: String) -> JSON {
    try! JSONParser.parse(text)
}

/// Two JSON texts and the expected answer of a comparison between them.
struct JSONComparisonCase: Sendable, CustomTestStringConvertible {
    let left: String
    let right: String
    let expected: Int

    init(_ left: String, _ right: String, _ expected: Int) {
        self.left = left
        self.right = right
        self.expected = expected
    }

    var testDescription: String { "\(self.left) vs \(self.right)" }
}

struct JSONComparisonTests {
    // MARK: - Deep equality

    /// 1 for equal, 0 for different.
    static let equalityCases: [JSONComparisonCase] = [
        .init("null", "null", 1),
        .init("true", "true", 1),
        .init("true", "false", 0),
        .init("1", "1", 1),
        .init("1", "1.0", 1),
        .init("1.0", "1", 1),
        .init("0", "-0.0", 1),
        .init("1", "2", 0),
        .init("1", "1.5", 0),
        .init("true", "1", 0),
        .init("false", "0", 0),
        .init("null", "0", 0),
        .init(#""1""#, "1", 0),
        .init(#""a""#, #""a""#, 1),
        .init(#""a""#, #""A""#, 0),
        .init(#""\u00e9""#, #""e\u0301""#, 0),
        .init("9007199254740993", "9007199254740992.0", 0),
        .init("9007199254740992", "9007199254740992.0", 1),
        .init("9223372036854775807", "9223372036854775808.0", 0),
        .init("[]", "[]", 1),
        .init("[]", "{}", 0),
        .init("[1,2]", "[1,2]", 1),
        .init("[1,2]", "[2,1]", 0),
        .init("[1,2]", "[1,2,3]", 0),
        .init("[1,[2.0]]", "[1.0,[2]]", 1),
        .init(#"{"a":1,"b":2}"#, #"{"b":2,"a":1}"#, 1),
        .init(#"{"a":1,"b":2}"#, #"{"a":1}"#, 0),
        .init(#"{"a":1}"#, #"{"b":1}"#, 0),
        .init(#"{"a":{"x":[1,{"y":2,"z":3}]}}"#, #"{"a":{"x":[1,{"z":3,"y":2.0}]}}"#, 1),
        .init(#"{"a":null}"#, "{}", 0),
    ]

    /// `isDeeplyEqual(to:)` ignores member order and number kind, and nothing else; it is symmetric.
    @Test(arguments: equalityCases)
    func deepEquality(_ test: JSONComparisonCase) {
        let left = json(test.left)
        let right = json(test.right)
        #expect(left.isDeeplyEqual(to: right) == (test.expected == 1))
        #expect(right.isDeeplyEqual(to: left) == (test.expected == 1))
        #expect(left.isDeeplyEqual(to: left))
    }

    /// Objects with many members (the sorted comparison) compare equal in any order.
    @Test func deepEqualityOfLargeObjects() {
        let names = (0..<40).map { "k\($0)" }
        let forward = "{" + names.map { #""\#($0)":"\#($0)""# }.joined(separator: ",") + "}"
        let backward = "{" + names.reversed().map { #""\#($0)":"\#($0)""# }.joined(separator: ",") + "}"
        let other = "{" + names.map { #""\#($0)":"\#($0 == "k7" ? "x" : $0)""# }.joined(separator: ",") + "}"
        #expect(json(forward).isDeeplyEqual(to: json(backward)))
        #expect(!json(forward).isDeeplyEqual(to: json(other)))
        guard case .object(let a) = json(forward), case .object(let b) = json(backward) else {
            Issue.record("not objects")
            return
        }
        #expect(a.isDeeplyEqual(to: b))
        #expect(a != b)
    }

    // MARK: - BSON order

    /// The expected sign of `bsonCompare(left, right)`.
    static let orderCases: [JSONComparisonCase] = [
        // types: null < numbers < strings < objects < arrays < booleans
        .init("null", "0", -1),
        .init("-1e300", #""""#, -1),
        .init(#""zzz""#, "{}", -1),
        .init(#"{"z":[1]}"#, "[]", -1),
        .init("[[]]", "false", -1),
        .init("false", "true", -1),
        .init("true", "true", 0),
        .init("null", "null", 0),
        .init("true", "null", 1),
        // numbers, exactly
        .init("1", "2", -1),
        .init("1", "1.0", 0),
        .init("1.5", "1", 1),
        .init("-0.0", "0", 0),
        .init("-1.5", "-1", -1),
        .init("9007199254740993", "9007199254740992.0", 1),
        .init("9007199254740992.0", "9007199254740993", -1),
        .init("9223372036854775807", "9223372036854775808.0", -1),
        .init("-9223372036854775808", "-9223372036854775808.0", 0),
        .init("-9223372036854775808", "-1e19", 1),
        .init("1e19", "9223372036854775807", 1),
        // strings, bytewise UTF-8
        .init(#""a""#, #""b""#, -1),
        .init(#""Z""#, #""a""#, -1),
        .init(#""a""#, #""ab""#, -1),
        .init(#""""#, #""a""#, -1),
        .init(#""\u00e9""#, #""f""#, 1),
        .init(#""e\u0301""#, #""\u00e9""#, -1),
        .init(#""10""#, #""9""#, -1),
        // arrays, element by element
        .init("[1,2]", "[1,3]", -1),
        .init("[1]", "[1,2]", -1),
        .init("[2]", "[1,5]", 1),
        .init("[1,2]", "[1.0,2.0]", 0),
        .init(#"[null]"#, "[0]", -1),
        // objects, member by member after sorting by name
        .init(#"{"a":1}"#, #"{"a":2}"#, -1),
        .init(#"{"b":1,"a":1}"#, #"{"a":1,"b":1}"#, 0),
        .init(#"{"a":1}"#, #"{"a":1,"b":1}"#, -1),
        .init("{}", #"{"a":null}"#, -1),
        .init(#"{"a":1}"#, #"{"b":1}"#, -1),
        .init(#"{"b":1,"c":0}"#, #"{"a":5,"z":0}"#, 1),
        .init(#"{"a":"x"}"#, #"{"a":5}"#, 1),
        .init(#"{"b":null}"#, #"{"a":1}"#, -1),
        .init(#"{"a":{"y":1,"x":2}}"#, #"{"a":{"x":2,"y":1}}"#, 0),
    ]

    /// `bsonCompare` follows MongoDB's order, and reversing the operands flips the sign.
    @Test(arguments: orderCases)
    func bsonOrder(_ test: JSONComparisonCase) {
        let left = json(test.left)
        let right = json(test.right)
        #expect(JSON.bsonCompare(left, right) == test.expected)
        #expect(JSON.bsonCompare(right, left) == -test.expected)
    }

    /// Across a mix of values, order is antisymmetric and transitive, and zero exactly when deeply equal.
    @Test func orderIsConsistent() {
        let texts = [
            "null", "0", "-0.0", "1", "1.0", "1.5", "-3", "9223372036854775807", "1e300", #""""#, #""a""#,
            #""b""#, #""\u00e9""#, "{}", #"{"a":1}"#, #"{"a":1.0}"#, #"{"b":0}"#, #"{"a":1,"b":2}"#,
            #"{"b":2,"a":1}"#, "[]", "[1]", "[1,2]", "[[1]]", "false", "true",
        ]
        let values = texts.map(json)
        for a in values {
            for b in values {
                let ab = JSON.bsonCompare(a, b)
                #expect(ab == -JSON.bsonCompare(b, a))
                #expect((ab == 0) == a.isDeeplyEqual(to: b), "\(JSONWriter.string(a)) vs \(JSONWriter.string(b))")
                for c in values where ab <= 0 && JSON.bsonCompare(b, c) <= 0 {
                    #expect(JSON.bsonCompare(a, c) <= 0)
                }
            }
        }
    }

    /// The type order ranks null, numbers, strings, objects, arrays and booleans in that order.
    @Test func typeOrder() {
        let ranks = ["null", "1", "2.5", #""s""#, "{}", "[]", "true"].map { json($0).bsonTypeOrder }
        #expect(ranks == [0, 1, 1, 2, 3, 4, 5])
    }
}
