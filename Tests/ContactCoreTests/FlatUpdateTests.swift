import SeededRandom
import Testing

@testable import ContactCore

/// `UpdateEngine.applyFlat`, the one-pass update of top-level members: whenever it answers, its
/// bytes are those of parsing the stored profile, `UpdateEngine.apply(_:to:context:)` and its
/// `serialized`; whenever that path fails, it does not answer.
struct FlatUpdateTests {
    private static let names = ["id", "a", "b", "tags", "n", "long member name over 15 bytes", "é", "q\"uote"]

    private static func value(_ random: inout SplitMix64, depth: Int = 0) -> JSON {
        switch random.next(below: depth > 1 ? 6 : 8) {
        case 0: return .null
        case 1: return .bool(random.next(below: 2) == 0)
        case 2:
            let choices: [Int64] = [0, 1, -1, 7, .max, .min, .max - 1]
            return .int(choices[random.next(below: choices.count)])
        case 3:
            let choices: [Double] = [0.5, -0.0, 1e300, 1.7976931348623157e308, -3.25, 1e21]
            return .double(choices[random.next(below: choices.count)])
        case 4:
            let choices = ["x", "customer", "", "with \"quote\" and \\", "line\nbreak", "ü€😀", "a.b"]
            return .string(choices[random.next(below: choices.count)])
        case 5: return .string(String(repeating: "z", count: random.next(below: 40)))
        case 6: return .array((0..<random.next(below: 4)).map { _ in self.value(&random, depth: depth + 1) })
        default:
            var object = JSONObject()
            for name in ["a", "$bad", "b.c", "c"] where random.next(below: 3) == 0 {
                object[name] = self.value(&random, depth: depth + 1)
            }
            return .object(object)
        }
    }

    /// Mostly updates the flat path takes, with the cases it must refuse mixed in: dotted paths,
    /// `$`-names, `id`, modifiers, other operators, the same name twice.
    private static func update(_ random: inout SplitMix64) -> JSONObject {
        let operators = [
            "$set", "$set", "$unset", "$inc", "$inc", "$push", "$push", "$setOnInsert", "$currentDate", "$mul",
        ]
        var update = JSONObject()
        for _ in 0..<(1 + random.next(below: 3)) {
            let name = operators[random.next(below: operators.count)]
            var fields = update[name]?.objectValue ?? JSONObject()
            for _ in 0..<(1 + random.next(below: 3)) {
                var path = self.names[random.next(below: self.names.count)]
                switch random.next(below: 16) {
                case 0: path += ".a"
                case 1: path = "$" + path
                case 2: path = ""
                default: break
                }
                let argument: JSON
                switch name {
                case "$inc", "$mul":
                    argument = random.next(below: 5) == 0 ? self.value(&random) : .int(Int64(random.next(below: 5)))
                case "$currentDate": argument = random.next(below: 6) == 0 ? .bool(false) : .bool(true)
                case "$unset": argument = .string("")
                case "$push" where random.next(below: 6) == 0:
                    argument = .object(JSONObject(["$each": .array([.int(1), .int(2)])]))
                default: argument = self.value(&random)
                }
                fields[path] = argument
            }
            update[name] = .object(fields)
        }
        return update
    }

    /// A stored profile of `id` and up to five random members.
    private static func profile(_ random: inout SplitMix64) -> JSONObject {
        var profile = JSONObject()
        profile["id"] = .string("123")
        for _ in 0..<random.next(below: 6) {
            profile[Self.names[random.next(below: Self.names.count)]] = Self.value(&random)
        }
        return profile
    }

    private static func expected(
        _ operators: JSONObject,
        _ profile: JSONObject,
        _ context: UpdateContext
    ) -> [UInt8]? {
        try? UpdateEngine.apply(operators, to: profile, context: context).serialized
    }

    @Test func givesTheGeneralPathsBytesOrNothing() throws {
        var random = SplitMix64(seed: 0xF1A7_0001)
        var taken = 0
        var scratch: [UInt8] = []
        var refusedFailures = 0
        for _ in 0..<30_000 {
            let profile = Self.profile(&random)
            let stored = JSONWriter.serialize(.object(profile))
            let operators = Self.update(&random)
            let context = UpdateContext(
                isInsert: random.next(below: 4) == 0,
                externalId: "123",
                now: Timestamp(milliseconds: 1_704_164_645_678),
                maxProfileBytes: random.next(below: 4) == 0 ? 40 + random.next(below: 200) : 65_536
            )
            let expected = Self.expected(operators, profile, context)
            let flat = stored.withUnsafeBufferPointer {
                UpdateEngine.applyFlat(operators, toStored: $0, context: context, scratch: &scratch)
            }
            if let flat {
                taken += 1
                #expect(
                    flat == expected,
                    "\(String(decoding: stored, as: UTF8.self)) \(JSONWriter.string(.object(operators)))"
                )
            } else if expected == nil {
                refusedFailures += 1
            }
        }
        // The generator aims at both sides: many updates taken, many failing ones left alone.
        #expect(taken > 2_000)
        #expect(refusedFailures > 1_000)
    }

    /// The runs the one pass reports copying are in the result's order, do not overlap, and hold
    /// the stored bytes they name; a seed update of a profile with a long array copies nearly
    /// all of it.
    @Test func reportsTheRunsItCopies() throws {
        var random = SplitMix64(seed: 0xF1A7_0002)
        var scratch: [UInt8] = []
        var copies: [Int] = []
        var checked = 0
        for _ in 0..<20_000 {
            let profile = Self.profile(&random)
            let stored = JSONWriter.serialize(.object(profile))
            guard let update = FlatUpdate(Self.update(&random)) else { continue }
            let context = UpdateContext(isInsert: false, externalId: "123", now: Timestamp(milliseconds: 0))
            let result = stored.withUnsafeBufferPointer {
                UpdateEngine.applyFlat(update, toStored: $0, context: context, scratch: &scratch, copies: &copies)
            }
            guard let result else {
                #expect(copies.isEmpty)
                continue
            }
            checked += 1
            #expect(copies.count % 3 == 0)
            var resultEnd = 0
            for run in stride(from: 0, to: copies.count, by: 3) {
                let (start, from, count) = (copies[run], copies[run + 1], copies[run + 2])
                #expect(start >= resultEnd && count > 0 && start + count <= result.count)
                #expect(from >= 0 && from + count <= stored.count)
                #expect(Array(result[start..<(start + count)]) == Array(stored[from..<(from + count)]))
                resultEnd = start + count
            }
        }
        #expect(checked > 2_000)

        let tags = (0..<100).map { "\"tag-\($0)\"" }.joined(separator: ",")
        let stored = Array(#"{"id":"1","firstName":"Ann","tags":[\#(tags)],"totalOrders":7}"#.utf8)
        let operators = try #require(
            try JSONParser.parse(#"{"$set":{"firstName":"Bo"},"$push":{"tags":"new"},"$inc":{"totalOrders":1}}"#)
                .objectValue
        )
        let seed = try #require(FlatUpdate(operators))
        let context = UpdateContext(isInsert: false, externalId: "1", now: Timestamp(milliseconds: 0))
        let result = try #require(
            stored.withUnsafeBufferPointer {
                UpdateEngine.applyFlat(seed, toStored: $0, context: context, scratch: &scratch, copies: &copies)
            }
        )
        let copied = stride(from: 2, to: copies.count, by: 3).reduce(0) { $0 + copies[$1] }
        #expect(copies.count / 3 <= 4)
        #expect(copied > stored.count - 40, "\(copied) of \(stored.count) stored bytes copied, \(result.count) written")
    }

    @Test func seedUpdateAndInsertAreTaken() throws {
        let operators = try #require(
            try JSONParser.parse(
                #"{"$set":{"firstName":"Justin","email":"j@example.com"},"$push":{"tags":"customer"},"#
                    + #""$inc":{"totalOrders":1},"$setOnInsert":{"source":"web"},"$currentDate":{"seen":true}}"#
            )
            .objectValue
        )
        let now = Timestamp(milliseconds: 1_704_164_645_678)
        var scratch: [UInt8] = []
        let update = UpdateContext(isInsert: false, externalId: "123", now: now)
        let stored = Array(#"{"id":"123","firstName":"J","tags":["vip"],"totalOrders":1,"email":null}"#.utf8)
        let updated = try #require(
            stored.withUnsafeBufferPointer {
                UpdateEngine.applyFlat(operators, toStored: $0, context: update, scratch: &scratch)
            }
        )
        #expect(
            String(decoding: updated, as: UTF8.self)
                == #"{"id":"123","firstName":"Justin","tags":["vip","customer"],"totalOrders":2,"#
                + #""email":"j@example.com","seen":"2024-01-02T03:04:05.678Z"}"#
        )
        let insert = UpdateContext(isInsert: true, externalId: "9", now: now)
        let initial = Array(#"{"id":"9"}"#.utf8)
        let inserted = try #require(
            initial.withUnsafeBufferPointer {
                UpdateEngine.applyFlat(operators, toStored: $0, context: insert, scratch: &scratch)
            }
        )
        #expect(
            String(decoding: inserted, as: UTF8.self)
                == #"{"id":"9","firstName":"Justin","email":"j@example.com","tags":["customer"],"totalOrders":1,"#
                + #""source":"web","seen":"2024-01-02T03:04:05.678Z"}"#
        )
    }

    @Test func leavesFailuresAndOtherShapesToTheGeneralPath() throws {
        let context = UpdateContext(
            isInsert: false,
            externalId: "123",
            now: Timestamp(milliseconds: 0),
            maxProfileBytes: 60
        )
        let stored = Array(#"{"id":"123","s":"text","n":9223372036854775807,"tags":"x"}"#.utf8)
        var scratch: [UInt8] = []
        for update in [
            #"{"$inc":{"s":1}}"#,  // not a number
            #"{"$inc":{"n":1}}"#,  // overflow
            #"{"$push":{"tags":1}}"#,  // not an array
            #"{"$set":{"big":"0123456789"}}"#,  // over maxProfileBytes
            #"{"$set":{"a.b":1}}"#,  // a dotted path
            #"{"$set":{"id":"123"}}"#,  // reaches id
            #"{"$set":{"a":1},"$unset":{"a":""}}"#,  // a conflict
            #"{"$push":{"tags":{"$each":[1]}}}"#,  // modifiers
            #"{"$max":{"n":1}}"#,  // another operator
        ] {
            let operators = try #require(try JSONParser.parse(update).objectValue)
            #expect(
                stored.withUnsafeBufferPointer {
                    UpdateEngine.applyFlat(operators, toStored: $0, context: context, scratch: &scratch)
                }
                    == nil,
                "\(update)"
            )
        }
        let set = try #require(try JSONParser.parse(#"{"$set":{"a":1}}"#).objectValue)
        for text in [#"{"id":"123", "a":2}"#, #"{"i\"d":"123"}"#, #"{"id":"123"} "#, "[]", "{", #"{"a":[1}"#] {
            #expect(
                Array(text.utf8).withUnsafeBufferPointer {
                    UpdateEngine.applyFlat(set, toStored: $0, context: context, scratch: &scratch)
                }
                    == nil,
                "\(text)"
            )
        }
    }
}
