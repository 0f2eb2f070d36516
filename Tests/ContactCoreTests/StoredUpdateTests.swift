import ContactCore
import SeededRandom
import Testing

/// `UpdateEngine.apply(_:toStored:context:)` must give exactly what parsing the stored profile,
/// `UpdateEngine.apply(_:to:context:)` and its `serialized` give: the same bytes, the same errors.
struct StoredUpdateTests {
    private static let names = ["id", "a", "b", "c", "tags", "n", "s", "long member name over 15 bytes"]

    private static func value(_ random: inout SplitMix64, depth: Int = 0) -> JSON {
        switch random.next(below: depth > 1 ? 7 : 9) {
        case 0: return .null
        case 1: return .bool(random.next(below: 2) == 0)
        case 2:
            let choices: [Int64] = [0, 1, -1, 7, 1_000_000, .max, .min, .max - 1]
            return .int(choices[random.next(below: choices.count)])
        case 3:
            let choices: [Double] = [0.5, -0.0, 1e300, 2.0, -3.25, 1e21]
            return .double(choices[random.next(below: choices.count)])
        case 4, 5:
            let choices = ["x", "customer", "", "with \"quote\" and \\", "line\nbreak", "ü€😀", "a.b"]
            return .string(choices[random.next(below: choices.count)])
        case 6: return .string(String(repeating: "z", count: random.next(below: 40)))
        case 7:
            return .array((0..<random.next(below: 4)).map { _ in self.value(&random, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<random.next(below: 4) {
                object[self.names[random.next(below: self.names.count)]] = self.value(&random, depth: depth + 1)
            }
            return .object(object)
        }
    }

    private static func path(_ random: inout SplitMix64) -> String {
        let name = self.names[random.next(below: self.names.count)]
        switch random.next(below: 6) {
        case 0: return name + ".0"
        case 1: return name + ".a"
        case 2: return name + "." + String(random.next(below: 4))
        default: return name
        }
    }

    private static func update(_ random: inout SplitMix64) -> JSONObject {
        let operators = [
            "$set", "$set", "$unset", "$inc", "$mul", "$min", "$max", "$push", "$push", "$addToSet", "$pop",
            "$pull", "$pullAll", "$rename", "$currentDate", "$setOnInsert",
        ]
        var update = JSONObject()
        for _ in 0..<(1 + random.next(below: 3)) {
            let name = operators[random.next(below: operators.count)]
            var fields = update[name]?.objectValue ?? JSONObject()
            for _ in 0..<(1 + random.next(below: 3)) {
                let argument: JSON
                switch name {
                case "$inc", "$mul":
                    argument = random.next(below: 4) == 0 ? self.value(&random) : .int(Int64(random.next(below: 5)))
                case "$pop": argument = .int(random.next(below: 2) == 0 ? 1 : -1)
                case "$pullAll": argument = .array([self.value(&random), self.value(&random)])
                case "$rename": argument = .string(self.path(&random))
                case "$currentDate": argument = .bool(true)
                case "$unset": argument = .string("")
                case "$push" where random.next(below: 4) == 0:
                    argument = .object(
                        JSONObject(["$each": .array([self.value(&random), .int(3)]), "$slice": .int(-2)])
                    )
                default: argument = self.value(&random)
                }
                fields[self.path(&random)] = argument
            }
            update[name] = .object(fields)
        }
        return update
    }

    private static func outcome(_ body: () throws(UpdateError) -> [UInt8]?) -> Result<[UInt8]?, UpdateError> {
        Result { () throws(UpdateError) -> [UInt8]? in try body() }
    }

    @Test func matchesParsingApplyingAndWritingOnRandomProfilesAndUpdates() throws {
        var random = SplitMix64(seed: 0x5EED_C0DE)
        var compared = 0
        var failures = 0
        for _ in 0..<20_000 {
            var profile = JSONObject()
            profile["id"] = .string("123")
            for _ in 0..<random.next(below: 6) {
                profile[Self.names[random.next(below: Self.names.count)]] = Self.value(&random)
            }
            let stored = JSONWriter.serialize(.object(profile))
            let operators = Self.update(&random)
            let context = UpdateContext(
                isInsert: random.next(below: 8) == 0,
                externalId: "123",
                now: Timestamp(milliseconds: 1_704_164_645_678),
                maxProfileBytes: random.next(below: 3) == 0 ? 40 + random.next(below: 200) : 65_536
            )
            let expected = Self.outcome { () throws(UpdateError) -> [UInt8]? in
                try UpdateEngine.apply(operators, to: profile, context: context).serialized
            }
            let actual = Self.outcome { () throws(UpdateError) -> [UInt8]? in
                try UpdateEngine.apply(operators, toStored: stored, context: context, parsingBelow: 0)
            }
            if case .success(nil) = actual { continue }
            compared += 1
            switch (expected, actual) {
            case (.success(let lhs), .success(let rhs)):
                #expect(
                    lhs == rhs,
                    "\(String(decoding: stored, as: UTF8.self)) \(JSONWriter.string(.object(operators)))"
                )
            case (.failure(let lhs), .failure(let rhs)):
                failures += 1
                #expect(lhs.message == rhs.message, "\(JSONWriter.string(.object(operators)))")
            default:
                Issue.record(
                    "\(String(decoding: stored, as: UTF8.self)) \(JSONWriter.string(.object(operators))): \(expected) vs \(actual)"
                )
            }
        }
        #expect(compared > 15_000)
        #expect(failures > 1_000 && failures < compared - 1_000)
    }

    @Test func seedContactAndAGrowingArray() throws {
        let operators = try #require(
            try JSONParser.parse(
                #"{"$set":{"firstName":"Justin"},"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}"#
            )
            .objectValue
        )
        let context = UpdateContext(isInsert: false, externalId: "123", now: Timestamp(milliseconds: 0))
        var stored = Array(#"{"id":"123","firstName":"J","tags":[],"totalOrders":1}"#.utf8)
        for _ in 0..<3 {
            stored = try #require(
                try UpdateEngine.apply(operators, toStored: stored, context: context, parsingBelow: 0)
            )
        }
        #expect(
            String(decoding: stored, as: UTF8.self)
                == #"{"id":"123","firstName":"Justin","tags":["customer","customer","customer"],"totalOrders":4}"#
        )
    }

    @Test func smallProfilesAreParsedWhole() throws {
        let operators = try #require(try JSONParser.parse(#"{"$set":{"a":1}}"#).objectValue)
        let context = UpdateContext(isInsert: false, externalId: "123", now: Timestamp(milliseconds: 0))
        // Not the scan's shape, but small: parsed whole, so it succeeds.
        let stored = Array(#"{"id":"123", "a":2}"#.utf8)
        let updated = try UpdateEngine.apply(operators, toStored: stored, context: context)
        #expect(updated.map { String(decoding: $0, as: UTF8.self) } == #"{"id":"123","a":1}"#)
    }

    @Test func notTheEnginesShapeIsLeftToTheParser() throws {
        let operators = try #require(try JSONParser.parse(#"{"$set":{"a":1}}"#).objectValue)
        let context = UpdateContext(isInsert: false, externalId: "123", now: Timestamp(milliseconds: 0))
        for text in [#"{"id":"123", "a":2}"#, #"{"i\"d":"123"}"#, #"{"id":"123"} "#, "[]", "{", #"{"a":[1}"#] {
            #expect(
                try UpdateEngine.apply(operators, toStored: Array(text.utf8), context: context, parsingBelow: 0) == nil
            )
        }
    }
}
