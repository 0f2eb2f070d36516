import ContactClient
import ContactCore
import ContactdTesting
import Testing

/// The update builder writes exactly the operators of PROTOCOL.md section 6.
struct ProfileUpdateTests {
    static let cases: [(name: String, update: ProfileUpdate, json: String)] = [
        ("$set string", ProfileUpdate().set("firstName", "Justin"), #"{"$set":{"firstName":"Justin"}}"#),
        ("$set int", ProfileUpdate().set("age", 42), #"{"$set":{"age":42}}"#),
        ("$set double", ProfileUpdate().set("score", 2.5), #"{"$set":{"score":2.5}}"#),
        ("$set bool", ProfileUpdate().set("vip", true), #"{"$set":{"vip":true}}"#),
        (
            "$set JSON", ProfileUpdate().set("address", JSON.object(JSONObject(["city": .string("Paris")]))),
            #"{"$set":{"address":{"city":"Paris"}}}"#
        ),
        ("$set null", ProfileUpdate().set("gone", JSON.null), #"{"$set":{"gone":null}}"#),
        ("$set array", ProfileUpdate().set("tags", ["a", "b"]), #"{"$set":{"tags":["a","b"]}}"#),
        ("$set optional", ProfileUpdate().set("nick", String?.none), #"{"$set":{"nick":null}}"#),
        (
            "$set timestamp", ProfileUpdate().set("seen", Timestamp(milliseconds: 1_477_110_673_589)),
            #"{"$set":{"seen":"2016-10-22T04:31:13.589Z"}}"#
        ),
        ("$unset", ProfileUpdate().unset("address.city"), #"{"$unset":{"address.city":""}}"#),
        ("$setOnInsert", ProfileUpdate().setOnInsert("source", "import"), #"{"$setOnInsert":{"source":"import"}}"#),
        ("$inc int", ProfileUpdate().inc("totalOrders", 1), #"{"$inc":{"totalOrders":1}}"#),
        ("$inc double", ProfileUpdate().inc("balance", -0.5), #"{"$inc":{"balance":-0.5}}"#),
        ("$inc JSON", ProfileUpdate().inc("n", JSON.string("x")), #"{"$inc":{"n":"x"}}"#),
        ("$mul int", ProfileUpdate().mul("price", 3), #"{"$mul":{"price":3}}"#),
        ("$mul double", ProfileUpdate().mul("price", 1.25), #"{"$mul":{"price":1.25}}"#),
        ("$mul JSON", ProfileUpdate().mul("price", JSON.int(2)), #"{"$mul":{"price":2}}"#),
        ("$min", ProfileUpdate().min("lowest", 10), #"{"$min":{"lowest":10}}"#),
        ("$max", ProfileUpdate().max("highest", "zeta"), #"{"$max":{"highest":"zeta"}}"#),
        ("$rename", ProfileUpdate().rename("nick", to: "nickname"), #"{"$rename":{"nick":"nickname"}}"#),
        ("$currentDate true", ProfileUpdate().currentDate("lastSeen"), #"{"$currentDate":{"lastSeen":true}}"#),
        (
            "$currentDate $type", ProfileUpdate().currentDate("lastSeen", typeDate: true),
            #"{"$currentDate":{"lastSeen":{"$type":"date"}}}"#
        ),
        ("$push", ProfileUpdate().push("tags", "customer"), #"{"$push":{"tags":"customer"}}"#),
        (
            "$push $each", ProfileUpdate().push("tags", each: ["a", 1, true]),
            #"{"$push":{"tags":{"$each":["a",1,true]}}}"#
        ),
        (
            "$push all modifiers",
            ProfileUpdate().push("scores", each: [7, 3], slice: -5, sort: .descending, position: 0),
            #"{"$push":{"scores":{"$each":[7,3],"$slice":-5,"$sort":-1,"$position":0}}}"#
        ),
        (
            "$push $sort ascending", ProfileUpdate().push("s", each: [1], sort: .ascending),
            #"{"$push":{"s":{"$each":[1],"$sort":1}}}"#
        ),
        (
            "$push $sort by field",
            ProfileUpdate().push(
                "items",
                each: [JSON.object(JSONObject(["q": .int(1)]))],
                sort: .by("q", ascending: false)
            ),
            #"{"$push":{"items":{"$each":[{"q":1}],"$sort":{"q":-1}}}}"#
        ),
        (
            "$push $sort by fields",
            ProfileUpdate().push("items", each: [], sort: .fields(["score": false, "name": true])),
            #"{"$push":{"items":{"$each":[],"$sort":{"score":-1,"name":1}}}}"#
        ),
        ("$addToSet", ProfileUpdate().addToSet("tags", "vip"), #"{"$addToSet":{"tags":"vip"}}"#),
        (
            "$addToSet $each", ProfileUpdate().addToSet("tags", each: ["a", "b"]),
            #"{"$addToSet":{"tags":{"$each":["a","b"]}}}"#
        ),
        ("$pop first", ProfileUpdate().popFirst("queue"), #"{"$pop":{"queue":-1}}"#),
        ("$pop last", ProfileUpdate().popLast("queue"), #"{"$pop":{"queue":1}}"#),
        ("$pullAll", ProfileUpdate().pullAll("scores", [0, 5]), #"{"$pullAll":{"scores":[0,5]}}"#),
        ("$pull value", ProfileUpdate().pull("tags", "old"), #"{"$pull":{"tags":"old"}}"#),
        ("$pull $eq", ProfileUpdate().pull("n", where: .equalTo(1)), #"{"$pull":{"n":{"$eq":1}}}"#),
        ("$pull $ne", ProfileUpdate().pull("n", where: .notEqualTo(1)), #"{"$pull":{"n":{"$ne":1}}}"#),
        ("$pull $gt", ProfileUpdate().pull("n", where: .greaterThan(1)), #"{"$pull":{"n":{"$gt":1}}}"#),
        ("$pull $gte", ProfileUpdate().pull("n", where: .greaterThanOrEqualTo(1)), #"{"$pull":{"n":{"$gte":1}}}"#),
        ("$pull $lt", ProfileUpdate().pull("n", where: .lessThan(1)), #"{"$pull":{"n":{"$lt":1}}}"#),
        ("$pull $lte", ProfileUpdate().pull("n", where: .lessThanOrEqualTo(1.5)), #"{"$pull":{"n":{"$lte":1.5}}}"#),
        ("$pull $in", ProfileUpdate().pull("n", where: .oneOf(["a", 2])), #"{"$pull":{"n":{"$in":["a",2]}}}"#),
        ("$pull $nin", ProfileUpdate().pull("n", where: .noneOf([false])), #"{"$pull":{"n":{"$nin":[false]}}}"#),
        (
            "$pull range", ProfileUpdate().pull("n", where: .greaterThanOrEqualTo(6).and(.lessThan(9))),
            #"{"$pull":{"n":{"$gte":6,"$lt":9}}}"#
        ),
        (
            "$pull query", ProfileUpdate().pull("items", where: .fields(["qty": .lessThan(5), "kind": .value("box")])),
            #"{"$pull":{"items":{"qty":{"$lt":5},"kind":"box"}}}"#
        ),
        (
            "$pull value condition",
            ProfileUpdate().pull("items", where: .value(JSON.object(JSONObject(["a": .int(1)])))),
            #"{"$pull":{"items":{"a":1}}}"#
        ),
        (
            "raw operators",
            ProfileUpdate(operators: JSONObject(["$inc": .object(JSONObject(["n": .int(1)]))])).set("a", 1),
            #"{"$inc":{"n":1},"$set":{"a":1}}"#
        ),
        ("raw adding", ProfileUpdate().adding("$future", "x", .int(1)), #"{"$future":{"x":1}}"#),
        ("empty", ProfileUpdate(), "{}"),
    ]

    /// Every operator and modifier produces exactly the documented JSON.
    @Test(arguments: 0..<Self.cases.count)
    func operatorJSON(_ index: Int) {
        let (name, update, expected) = Self.cases[index]
        #expect(JSONWriter.string(update.json) == expected, "\(name)")
    }

    /// Operators keep the order of first use, merge their paths, and a repeated path keeps its
    /// place and takes the last value.
    @Test func chainingMergesOperators() {
        let update = ProfileUpdate()
            .set("firstName", "Justin")
            .push("tags", "customer")
            .inc("totalOrders", 1)
            .set("lastName", "Bieber")
            .set("firstName", "J.")
        #expect(
            JSONWriter.string(update.json)
                == #"{"$set":{"firstName":"J.","lastName":"Bieber"},"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}"#
        )
        #expect(!update.isEmpty)
        #expect(ProfileUpdate().isEmpty)
    }

    /// An entry writes only the parts it has.
    @Test func entryJSON() {
        #expect(JSONWriter.string(UpsertEntry(id: "a").json) == #"{"id":"a"}"#)
        let full = UpsertEntry(
            id: "b",
            update: ProfileUpdate().set("x", 1),
            createdAt: Timestamp(rfc3339: "2016-10-22T06:31:13+02:00")
        )
        #expect(
            JSONWriter.string(full.json)
                == #"{"id":"b","profile":{"$set":{"x":1}},"createdAt":"2016-10-22T04:31:13.000Z"}"#
        )
        #expect(JSONWriter.string(MessageRecord(id: "c").json) == #"{"id":"c"}"#)
    }

    /// Random keys are 32 hex digits and differ; derived keys are stable and depend on every part.
    @Test func idempotencyKeys() {
        let key = IdempotencyKey.random()
        #expect(key.count == 32 && key.allSatisfy(\.isHexDigit))
        #expect(IdempotencyKey.random() != key)
        let derived = IdempotencyKey.derived(prefix: "p-", from: [Array("ab".utf8), Array("c".utf8)])
        #expect(derived == IdempotencyKey.derived(prefix: "p-", from: [Array("ab".utf8), Array("c".utf8)]))
        #expect(derived != IdempotencyKey.derived(prefix: "p-", from: [Array("a".utf8), Array("bc".utf8)]))
        #expect(derived.count == 66)
        #expect(IdempotencyKey.problem(with: "") != nil)
        #expect(IdempotencyKey.problem(with: String(repeating: "k", count: 129)) != nil)
        #expect(IdempotencyKey.problem(with: String(repeating: "k", count: 128)) == nil)
    }
}
