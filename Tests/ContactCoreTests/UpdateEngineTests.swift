import ContactCore
import Testing

// MARK: - Helpers

/// 2016-10-22T04:31:13.589Z.
private let updateTestNow = Timestamp(milliseconds: 1_477_110_673_589)

private func parseObject(_ text: String) -> JSONObject {
    guard case .object(let object) = try! JSONParser.parse(text) else {
        fatalError("not an object: \(text)")
    }
    return object
}

private func context(insert: Bool = false, externalId: String = "123", maxBytes: Int = 65_536) -> UpdateContext {
    UpdateContext(isInsert: insert, externalId: externalId, now: updateTestNow, maxProfileBytes: maxBytes)
}

/// Applies `operators` to `profile` (both JSON text) and returns the new profile's compact text.
private func updated(
    _ operators: String,
    _ profile: String = #"{"id":"123"}"#,
    insert: Bool = false,
    maxBytes: Int = 65_536
) throws(UpdateError) -> String {
    let result = try UpdateEngine.apply(
        parseObject(operators),
        to: parseObject(profile),
        context: context(insert: insert, maxBytes: maxBytes)
    )
    let text = String(decoding: result.serialized, as: UTF8.self)
    #expect(text == JSONWriter.string(.object(result.profile)))
    return text
}

/// The message of the failure of `operators` on `profile`, or nil when it succeeds; also checks
/// that the input profile is left as it was.
private func failure(
    _ operators: String,
    _ profile: String = #"{"id":"123"}"#,
    insert: Bool = false,
    maxBytes: Int = 65_536
) -> String? {
    let input = parseObject(profile)
    let copy = input
    do {
        _ = try UpdateEngine.apply(
            parseObject(operators),
            to: input,
            context: context(insert: insert, maxBytes: maxBytes)
        )
        return nil
    } catch {
        #expect(input == copy)
        return error.message
    }
}

/// One update that succeeds: operators, profile before, profile after (compact JSON text).
struct UpdateSuccessCase: Sendable, CustomTestStringConvertible {
    let operators: String
    let profile: String
    let expected: String

    init(_ operators: String, _ profile: String, _ expected: String) {
        self.operators = operators
        self.profile = profile
        self.expected = expected
    }

    /// An update of the profile `{"id":"123"}`.
    init(_ operators: String, _ expected: String) {
        self.init(operators, #"{"id":"123"}"#, expected)
    }

    var testDescription: String { "\(self.operators) on \(self.profile)" }
}

/// One update that fails: operators, profile, and words the message must contain.
struct UpdateFailureCase: Sendable, CustomTestStringConvertible {
    let operators: String
    let profile: String
    let fragments: [String]

    init(_ operators: String, _ profile: String, _ fragments: String...) {
        self.operators = operators
        self.profile = profile
        self.fragments = fragments
    }

    var testDescription: String { "\(self.operators) on \(self.profile)" }
}

struct UpdateEngineTests {
    // MARK: - Field operators

    static let fieldCases: [UpdateSuccessCase] = [
        // $set
        .init(#"{"$set":{"a":1}}"#, #"{"id":"123","a":1}"#),
        .init(#"{"$set":{"a":2}}"#, #"{"id":"123","a":1,"b":2}"#, #"{"id":"123","a":2,"b":2}"#),
        .init(#"{"$set":{"a.b.c":1}}"#, #"{"id":"123","a":{"b":{"c":1}}}"#),
        .init(#"{"$set":{"a.c":2}}"#, #"{"id":"123","a":{"b":1}}"#, #"{"id":"123","a":{"b":1,"c":2}}"#),
        .init(#"{"$set":{"a":{"x":[1,{"y":null}]}}}"#, #"{"id":"123","a":{"x":[1,{"y":null}]}}"#),
        .init(#"{"$set":{"a":null}}"#, #"{"id":"123","a":1}"#, #"{"id":"123","a":null}"#),
        .init(#"{"$set":{"b":1,"a":2}}"#, #"{"id":"123","b":1,"a":2}"#),
        .init(#"{"$set":{"t.1":"x"}}"#, #"{"id":"123","t":["a","b"]}"#, #"{"id":"123","t":["a","x"]}"#),
        .init(#"{"$set":{"t.1":"x"}}"#, #"{"id":"123","t":["a"]}"#, #"{"id":"123","t":["a","x"]}"#),
        .init(#"{"$set":{"t.3":"x"}}"#, #"{"id":"123","t":["a"]}"#, #"{"id":"123","t":["a",null,null,"x"]}"#),
        .init(#"{"$set":{"t.2.x":1}}"#, #"{"id":"123","t":[]}"#, #"{"id":"123","t":[null,null,{"x":1}]}"#),
        .init(#"{"$set":{"t.0.n":1}}"#, #"{"id":"123","t":[{}]}"#, #"{"id":"123","t":[{"n":1}]}"#),
        .init(#"{"$set":{"t.0.1":1}}"#, #"{"id":"123","t":[[0]]}"#, #"{"id":"123","t":[[0,1]]}"#),
        .init(#"{"$set":{"a.0":1}}"#, #"{"id":"123","a":{}}"#, #"{"id":"123","a":{"0":1}}"#),
        .init(#"{"$set":{"a.0":1}}"#, #"{"id":"123","a":{"0":1}}"#),
        .init(#"{"$set":{"a.01":1}}"#, #"{"id":"123","a":{}}"#, #"{"id":"123","a":{"01":1}}"#),
        .init(#"{"$set":{"a.-1":1}}"#, #"{"id":"123","a":{"-1":1}}"#),
        .init(#"{"$set":{"id":"123"}}"#, #"{"id":"123"}"#),
        .init(#"{"$set":{"é.ü":"ß"}}"#, #"{"id":"123","é":{"ü":"ß"}}"#),
        .init(#"{"$set":{}}"#, #"{"id":"123","a":1}"#, #"{"id":"123","a":1}"#),
        .init(#"{}"#, #"{"id":"123","a":1}"#, #"{"id":"123","a":1}"#),
        // $unset
        .init(#"{"$unset":{"a":""}}"#, #"{"id":"123","a":1,"b":2}"#, #"{"id":"123","b":2}"#),
        .init(#"{"$unset":{"a":1}}"#, #"{"id":"123"}"#, #"{"id":"123"}"#),
        .init(#"{"$unset":{"a.b":1}}"#, #"{"id":"123","a":1}"#, #"{"id":"123","a":1}"#),
        .init(#"{"$unset":{"a.b.c":1}}"#, #"{"id":"123","a":null}"#, #"{"id":"123","a":null}"#),
        .init(#"{"$unset":{"a.b":1}}"#, #"{"id":"123","a":{"b":1,"c":2}}"#, #"{"id":"123","a":{"c":2}}"#),
        .init(#"{"$unset":{"t.0":1}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[null,2]}"#),
        .init(#"{"$unset":{"t.5":1}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1,2]}"#),
        .init(#"{"$unset":{"t.x":1}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1,2]}"#),
        .init(#"{"$unset":{"t.0.x":1}}"#, #"{"id":"123","t":[{"x":1,"y":2}]}"#, #"{"id":"123","t":[{"y":2}]}"#),
        // $inc
        .init(#"{"$inc":{"n":1}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":4}"#),
        .init(#"{"$inc":{"n":-5}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":-2}"#),
        .init(#"{"$inc":{"n":5}}"#, #"{"id":"123","n":5}"#),
        .init(#"{"$inc":{"n":2.5}}"#, #"{"id":"123","n":2.5}"#),
        .init(#"{"$inc":{"n":0.5}}"#, #"{"id":"123","n":1}"#, #"{"id":"123","n":1.5}"#),
        .init(#"{"$inc":{"n":0.0}}"#, #"{"id":"123","n":1}"#, #"{"id":"123","n":1.0}"#),
        .init(#"{"$inc":{"n":1}}"#, #"{"id":"123","n":1.5}"#, #"{"id":"123","n":2.5}"#),
        .init(#"{"$inc":{"n":0.25}}"#, #"{"id":"123","n":0.5}"#, #"{"id":"123","n":0.75}"#),
        .init(#"{"$inc":{"a.b":1}}"#, #"{"id":"123","a":{"b":1}}"#),
        .init(#"{"$inc":{"t.1":10}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1,12]}"#),
        .init(
            #"{"$inc":{"n":-1}}"#,
            #"{"id":"123","n":-9223372036854775807}"#,
            #"{"id":"123","n":-9223372036854775808}"#
        ),
        // $mul
        .init(#"{"$mul":{"n":2}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":6}"#),
        .init(#"{"$mul":{"n":2}}"#, #"{"id":"123","n":0}"#),
        .init(#"{"$mul":{"n":2.5}}"#, #"{"id":"123","n":0.0}"#),
        .init(#"{"$mul":{"n":2.5}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":7.5}"#),
        .init(#"{"$mul":{"n":3}}"#, #"{"id":"123","n":0.5}"#, #"{"id":"123","n":1.5}"#),
        .init(#"{"$mul":{"n":1.0}}"#, #"{"id":"123","n":4}"#, #"{"id":"123","n":4.0}"#),
        .init(#"{"$mul":{"n":-1}}"#, #"{"id":"123","n":0.0}"#, #"{"id":"123","n":-0.0}"#),
        // $min and $max (BSON order)
        .init(#"{"$min":{"n":1}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":1}"#),
        .init(#"{"$min":{"n":5}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":3}"#),
        .init(#"{"$min":{"n":5}}"#, #"{"id":"123","n":5}"#),
        .init(#"{"$min":{"n":1.0}}"#, #"{"id":"123","n":1}"#, #"{"id":"123","n":1}"#),
        .init(#"{"$min":{"n":0.5}}"#, #"{"id":"123","n":1}"#, #"{"id":"123","n":0.5}"#),
        .init(#"{"$min":{"n":"x"}}"#, #"{"id":"123","n":5}"#, #"{"id":"123","n":5}"#),
        .init(#"{"$min":{"n":null}}"#, #"{"id":"123","n":5}"#, #"{"id":"123","n":null}"#),
        .init(#"{"$max":{"n":9}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":9}"#),
        .init(#"{"$max":{"n":1}}"#, #"{"id":"123","n":3}"#, #"{"id":"123","n":3}"#),
        .init(#"{"$max":{"n":"x"}}"#, #"{"id":"123","n":5}"#, #"{"id":"123","n":"x"}"#),
        .init(#"{"$max":{"n":true}}"#, #"{"id":"123","n":[1]}"#, #"{"id":"123","n":true}"#),
        .init(#"{"$max":{"n":{"a":1}}}"#, #"{"id":"123","n":"zzz"}"#, #"{"id":"123","n":{"a":1}}"#),
        .init(#"{"$max":{"d":"2017-01-01"}}"#, #"{"id":"123","d":"2016-12-31"}"#, #"{"id":"123","d":"2017-01-01"}"#),
        .init(#"{"$max":{"a.b":2}}"#, #"{"id":"123","a":{"b":2}}"#),
        // $currentDate
        .init(#"{"$currentDate":{"seen":true}}"#, #"{"id":"123","seen":"2016-10-22T04:31:13.589Z"}"#),
        .init(
            #"{"$currentDate":{"a.seen":{"$type":"date"},"b":true}}"#,
            #"{"id":"123","a":{"seen":"2016-10-22T04:31:13.589Z"},"b":"2016-10-22T04:31:13.589Z"}"#
        ),
        .init(
            #"{"$currentDate":{"seen":true}}"#,
            #"{"id":"123","seen":1}"#,
            #"{"id":"123","seen":"2016-10-22T04:31:13.589Z"}"#
        ),
        // $rename
        .init(#"{"$rename":{"a":"b"}}"#, #"{"id":"123","a":1,"c":2}"#, #"{"id":"123","c":2,"b":1}"#),
        .init(#"{"$rename":{"a":"b"}}"#, #"{"id":"123","a":1,"b":2}"#, #"{"id":"123","b":1}"#),
        .init(#"{"$rename":{"a":"b"}}"#, #"{"id":"123","c":2}"#, #"{"id":"123","c":2}"#),
        .init(#"{"$rename":{"a.b":"c.d"}}"#, #"{"id":"123","a":{"b":[1]}}"#, #"{"id":"123","a":{},"c":{"d":[1]}}"#),
        .init(#"{"$rename":{"a.b":"a.c"}}"#, #"{"id":"123","a":{"b":1}}"#, #"{"id":"123","a":{"c":1}}"#),
        .init(#"{"$rename":{"a.b":"c"}}"#, #"{"id":"123","a":1}"#, #"{"id":"123","a":1}"#),
        .init(#"{"$rename":{"t":"u"}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","u":[1,2]}"#),
        .init(#"{"$rename":{"x":"id"}}"#, #"{"id":"123","x":"123"}"#, #"{"id":"123"}"#),
        .init(#"{"$rename":{"x":"id"}}"#, #"{"id":"123"}"#, #"{"id":"123"}"#),
    ]

    /// Each field operator changes the profile as MongoDB would.
    @Test(arguments: fieldCases)
    func fieldOperators(_ test: UpdateSuccessCase) throws {
        #expect(try updated(test.operators, test.profile) == test.expected)
    }

    // MARK: - Array operators

    static let arrayCases: [UpdateSuccessCase] = [
        // $push
        .init(#"{"$push":{"t":"b"}}"#, #"{"id":"123","t":["a"]}"#, #"{"id":"123","t":["a","b"]}"#),
        .init(#"{"$push":{"t":"a"}}"#, #"{"id":"123","t":["a"]}"#, #"{"id":"123","t":["a","a"]}"#),
        .init(#"{"$push":{"t":"a"}}"#, #"{"id":"123","t":["a"]}"#),
        .init(#"{"$push":{"t":[1,2]}}"#, #"{"id":"123","t":[]}"#, #"{"id":"123","t":[[1,2]]}"#),
        .init(#"{"$push":{"a.t":{"x":1}}}"#, #"{"id":"123","a":{"t":[{"x":1}]}}"#),
        .init(#"{"$push":{"t.1":1}}"#, #"{"id":"123","t":[[0]]}"#, #"{"id":"123","t":[[0],[1]]}"#),
        .init(#"{"$push":{"t.0":1}}"#, #"{"id":"123","t":[[0]]}"#, #"{"id":"123","t":[[0,1]]}"#),
        .init(#"{"$push":{"t":{"$each":[1,2]}}}"#, #"{"id":"123","t":[0]}"#, #"{"id":"123","t":[0,1,2]}"#),
        .init(#"{"$push":{"t":{"$each":[]}}}"#, #"{"id":"123","t":[]}"#),
        .init(
            #"{"$push":{"t":{"$each":[1,2],"$position":0}}}"#,
            #"{"id":"123","t":[0]}"#,
            #"{"id":"123","t":[1,2,0]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[9],"$position":1}}}"#,
            #"{"id":"123","t":[0,1,2]}"#,
            #"{"id":"123","t":[0,9,1,2]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[9],"$position":-1}}}"#,
            #"{"id":"123","t":[0,1,2]}"#,
            #"{"id":"123","t":[0,1,9,2]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[9],"$position":-10}}}"#,
            #"{"id":"123","t":[0,1,2]}"#,
            #"{"id":"123","t":[9,0,1,2]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[9],"$position":100}}}"#,
            #"{"id":"123","t":[0,1,2]}"#,
            #"{"id":"123","t":[0,1,2,9]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[9],"$position":1.0}}}"#,
            #"{"id":"123","t":[0,1]}"#,
            #"{"id":"123","t":[0,9,1]}"#
        ),
        .init(#"{"$push":{"t":{"$each":[3,4],"$slice":3}}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1,2,3]}"#),
        .init(
            #"{"$push":{"t":{"$each":[3,4],"$slice":-3}}}"#,
            #"{"id":"123","t":[1,2]}"#,
            #"{"id":"123","t":[2,3,4]}"#
        ),
        .init(#"{"$push":{"t":{"$each":[3],"$slice":0}}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[]}"#),
        .init(#"{"$push":{"t":{"$each":[3],"$slice":10}}}"#, #"{"id":"123","t":[1]}"#, #"{"id":"123","t":[1,3]}"#),
        .init(#"{"$push":{"t":{"$each":[3],"$slice":-10}}}"#, #"{"id":"123","t":[1]}"#, #"{"id":"123","t":[1,3]}"#),
        .init(#"{"$push":{"t":{"$each":[],"$slice":1}}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1]}"#),
        .init(#"{"$push":{"t":{"$each":[3],"$slice":2.0}}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1,2]}"#),
        .init(
            #"{"$push":{"t":{"$each":[2,"a",null,[1],{"x":1},true,1.5],"$sort":1}}}"#,
            #"{"id":"123","t":[]}"#,
            #"{"id":"123","t":[null,1.5,2,"a",{"x":1},[1],true]}"#
        ),
        .init(#"{"$push":{"t":{"$each":[3],"$sort":-1}}}"#, #"{"id":"123","t":[1,5]}"#, #"{"id":"123","t":[5,3,1]}"#),
        .init(
            #"{"$push":{"t":{"$each":[{"s":2,"n":"b"}],"$sort":{"s":1}}}}"#,
            #"{"id":"123","t":[{"s":3,"n":"c"},{"s":1,"n":"a"}]}"#,
            #"{"id":"123","t":[{"s":1,"n":"a"},{"s":2,"n":"b"},{"s":3,"n":"c"}]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[{"s":2}],"$sort":{"s":-1},"$slice":2}}}"#,
            #"{"id":"123","t":[{"s":3},{"s":1}]}"#,
            #"{"id":"123","t":[{"s":3},{"s":2}]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[{"k":1,"n":"x"}],"$sort":{"k":1}}}}"#,
            #"{"id":"123","t":[{"k":1,"n":"a"},{"k":0,"n":"b"},{"k":1,"n":"c"}]}"#,
            #"{"id":"123","t":[{"k":0,"n":"b"},{"k":1,"n":"a"},{"k":1,"n":"c"},{"k":1,"n":"x"}]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[],"$sort":{"k":1}}}}"#,
            #"{"id":"123","t":[{"k":1},{"n":1},{"k":null},{"k":0}]}"#,
            #"{"id":"123","t":[{"n":1},{"k":null},{"k":0},{"k":1}]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[],"$sort":{"a.b":1,"c":-1}}}}"#,
            #"{"id":"123","t":[{"a":{"b":2},"c":1},{"a":{"b":1},"c":1},{"a":{"b":2},"c":2}]}"#,
            #"{"id":"123","t":[{"a":{"b":1},"c":1},{"a":{"b":2},"c":2},{"a":{"b":2},"c":1}]}"#
        ),
        .init(
            #"{"$push":{"t":{"$each":[5],"$sort":1,"$position":0,"$slice":-2}}}"#,
            #"{"id":"123","t":[4,1,3]}"#,
            #"{"id":"123","t":[4,5]}"#
        ),
        // $addToSet
        .init(#"{"$addToSet":{"t":"b"}}"#, #"{"id":"123","t":["a"]}"#, #"{"id":"123","t":["a","b"]}"#),
        .init(#"{"$addToSet":{"t":"a"}}"#, #"{"id":"123","t":["a"]}"#, #"{"id":"123","t":["a"]}"#),
        .init(#"{"$addToSet":{"t":"a"}}"#, #"{"id":"123","t":["a"]}"#),
        .init(#"{"$addToSet":{"t":1.0}}"#, #"{"id":"123","t":[1]}"#, #"{"id":"123","t":[1]}"#),
        .init(#"{"$addToSet":{"t":true}}"#, #"{"id":"123","t":[1]}"#, #"{"id":"123","t":[1,true]}"#),
        .init(
            #"{"$addToSet":{"t":{"b":2,"a":1}}}"#,
            #"{"id":"123","t":[{"a":1,"b":2}]}"#,
            #"{"id":"123","t":[{"a":1,"b":2}]}"#
        ),
        .init(#"{"$addToSet":{"t":[1,2]}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1,2,[1,2]]}"#),
        .init(
            #"{"$addToSet":{"t":{"$each":["a","b","b","c"]}}}"#,
            #"{"id":"123","t":["c"]}"#,
            #"{"id":"123","t":["c","a","b"]}"#
        ),
        .init(#"{"$addToSet":{"t":{"$each":[]}}}"#, #"{"id":"123","t":[]}"#),
        // $pop
        .init(#"{"$pop":{"t":1}}"#, #"{"id":"123","t":[1,2,3]}"#, #"{"id":"123","t":[1,2]}"#),
        .init(#"{"$pop":{"t":-1}}"#, #"{"id":"123","t":[1,2,3]}"#, #"{"id":"123","t":[2,3]}"#),
        .init(#"{"$pop":{"t":1.0}}"#, #"{"id":"123","t":[1,2]}"#, #"{"id":"123","t":[1]}"#),
        .init(#"{"$pop":{"t":1}}"#, #"{"id":"123","t":[]}"#, #"{"id":"123","t":[]}"#),
        .init(#"{"$pop":{"t":1}}"#, #"{"id":"123"}"#, #"{"id":"123"}"#),
        .init(#"{"$pop":{"a.t":1}}"#, #"{"id":"123","a":5}"#, #"{"id":"123","a":5}"#),
        .init(#"{"$pop":{"t.0":1}}"#, #"{"id":"123","t":[[1,2]]}"#, #"{"id":"123","t":[[1]]}"#),
        // $pullAll
        .init(#"{"$pullAll":{"t":[1,"a"]}}"#, #"{"id":"123","t":[1,2,"a",1,3]}"#, #"{"id":"123","t":[2,3]}"#),
        .init(#"{"$pullAll":{"t":[1.0]}}"#, #"{"id":"123","t":[1,true,"1"]}"#, #"{"id":"123","t":[true,"1"]}"#),
        .init(
            #"{"$pullAll":{"t":[{"b":1,"a":2}]}}"#,
            #"{"id":"123","t":[{"a":2,"b":1},{"a":2}]}"#,
            #"{"id":"123","t":[{"a":2}]}"#
        ),
        .init(#"{"$pullAll":{"t":[]}}"#, #"{"id":"123","t":[1]}"#, #"{"id":"123","t":[1]}"#),
        .init(#"{"$pullAll":{"t":[1]}}"#, #"{"id":"123"}"#, #"{"id":"123"}"#),
        .init(#"{"$pullAll":{"a.t":[1]}}"#, #"{"id":"123","a":"s"}"#, #"{"id":"123","a":"s"}"#),
        // $pull: values
        .init(#"{"$pull":{"t":"a"}}"#, #"{"id":"123","t":["a","b","a"]}"#, #"{"id":"123","t":["b"]}"#),
        .init(#"{"$pull":{"t":1}}"#, #"{"id":"123","t":[1,1.0,true,[1]]}"#, #"{"id":"123","t":[true,[1]]}"#),
        .init(#"{"$pull":{"t":[1,2]}}"#, #"{"id":"123","t":[[1,2],[2,1],1]}"#, #"{"id":"123","t":[[2,1],1]}"#),
        .init(#"{"$pull":{"t":1}}"#, #"{"id":"123"}"#, #"{"id":"123"}"#),
        .init(#"{"$pull":{"a.t":1}}"#, #"{"id":"123","a":null}"#, #"{"id":"123","a":null}"#),
        // $pull: conditions on the element
        .init(#"{"$pull":{"t":{"$gte":6}}}"#, #"{"id":"123","t":[3,6,7,"9",null]}"#, #"{"id":"123","t":[3,"9",null]}"#),
        .init(#"{"$pull":{"t":{"$gt":2,"$lt":5}}}"#, #"{"id":"123","t":[1,2,3,4,5]}"#, #"{"id":"123","t":[1,2,5]}"#),
        .init(#"{"$pull":{"t":{"$lte":"b"}}}"#, #"{"id":"123","t":["a","b","c",1]}"#, #"{"id":"123","t":["c",1]}"#),
        .init(#"{"$pull":{"t":{"$in":[1,"x"]}}}"#, #"{"id":"123","t":[1,2,"x",1.0]}"#, #"{"id":"123","t":[2]}"#),
        .init(#"{"$pull":{"t":{"$nin":[1,"x"]}}}"#, #"{"id":"123","t":[1,2,"x",null]}"#, #"{"id":"123","t":[1,"x"]}"#),
        .init(
            #"{"$pull":{"t":{"$eq":{"b":1,"a":1}}}}"#,
            #"{"id":"123","t":[{"a":1,"b":1},{"a":1}]}"#,
            #"{"id":"123","t":[{"a":1}]}"#
        ),
        .init(#"{"$pull":{"t":{"$ne":1}}}"#, #"{"id":"123","t":[1,2,"1"]}"#, #"{"id":"123","t":[1]}"#),
        .init(#"{"$pull":{"t":{"$gt":5}}}"#, #"{"id":"123","t":[[1,7],[1,2],9]}"#, #"{"id":"123","t":[[1,2]]}"#),
        .init(#"{"$pull":{"t":{"$gte":null}}}"#, #"{"id":"123","t":[null,0]}"#, #"{"id":"123","t":[0]}"#),
        // $pull: queries on object elements
        .init(
            #"{"$pull":{"t":{"score":8,"item":"B"}}}"#,
            #"{"id":"123","t":[{"item":"A","score":5},{"item":"B","score":8,"comment":"x"},{"item":"B","score":4}]}"#,
            #"{"id":"123","t":[{"item":"A","score":5},{"item":"B","score":4}]}"#
        ),
        .init(
            #"{"$pull":{"t":{"score":{"$gte":5}}}}"#,
            #"{"id":"123","t":[{"score":5},{"score":4},{"score":"9"},7,{"other":6}]}"#,
            #"{"id":"123","t":[{"score":4},{"score":"9"},7,{"other":6}]}"#
        ),
        .init(
            #"{"$pull":{"t":{"a.b":1}}}"#,
            #"{"id":"123","t":[{"a":{"b":1,"c":2}},{"a":{"b":2}},{"a":1}]}"#,
            #"{"id":"123","t":[{"a":{"b":2}},{"a":1}]}"#
        ),
        .init(
            #"{"$pull":{"t":{"tags":"x"}}}"#,
            #"{"id":"123","t":[{"tags":["x","y"]},{"tags":["y"]},{"tags":"x"}]}"#,
            #"{"id":"123","t":[{"tags":["y"]}]}"#
        ),
        .init(
            #"{"$pull":{"t":{"a":null}}}"#,
            #"{"id":"123","t":[{"a":null},{"b":1},{"a":0}]}"#,
            #"{"id":"123","t":[{"a":0}]}"#
        ),
        .init(
            #"{"$pull":{"t":{"a":{"$ne":1}}}}"#,
            #"{"id":"123","t":[{"a":1},{"a":2},{"b":1}]}"#,
            #"{"id":"123","t":[{"a":1}]}"#
        ),
        .init(
            #"{"$pull":{"t":{"a":{"b":1}}}}"#,
            #"{"id":"123","t":[{"a":{"b":1}},{"a":{"b":1,"c":1}}]}"#,
            #"{"id":"123","t":[{"a":{"b":1,"c":1}}]}"#
        ),
        .init(
            #"{"$pull":{"t":{"a.b":{"$in":[1,2]}}}}"#,
            #"{"id":"123","t":[{"a":[{"b":5},{"b":2}]},{"a":[{"b":5}]}]}"#,
            #"{"id":"123","t":[{"a":[{"b":5}]}]}"#
        ),
        .init(#"{"$pull":{"t":{}}}"#, #"{"id":"123","t":[{"a":1},1,{}]}"#, #"{"id":"123","t":[1]}"#),
    ]

    /// Each array operator and modifier changes the profile as MongoDB would.
    @Test(arguments: arrayCases)
    func arrayOperators(_ test: UpdateSuccessCase) throws {
        #expect(try updated(test.operators, test.profile) == test.expected)
    }

    /// The seed-shaped update of the README gives the expected profile and its compact text.
    @Test func seedUpdate() throws {
        let text = try updated(
            #"{"$set":{"firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com"},"#
                + #""$push":{"tags":"customer"},"$inc":{"totalOrders":1}}"#,
            #"{"id":"123","firstName":"Justin","email":"justin.bieber@yopmail.com","#
                + #""tags":["customer"],"totalOrders":3}"#
        )
        #expect(
            text
                == #"{"id":"123","firstName":"Justin","email":"justin.bieber@yopmail.com","#
                + #""tags":["customer","customer"],"totalOrders":4,"lastName":"Bieber"}"#
        )
    }

    /// Operators apply in the order written, fields in order.
    @Test func operatorsApplyInOrder() throws {
        #expect(
            try updated(#"{"$inc":{"b":1},"$set":{"a":1},"$push":{"c":0}}"#) == #"{"id":"123","b":1,"a":1,"c":[0]}"#
        )
    }

    /// `$addToSet` with many values (the hashed path) keeps one of each, in order, equal by deep equality.
    @Test func addToSetManyValues() throws {
        let existing = (0..<100).map { String($0) }.joined(separator: ",")
        let added = (50..<150).map { $0 % 2 == 0 ? "\($0).0" : String($0) }.joined(separator: ",")
        let text = try updated(
            #"{"$addToSet":{"t":{"$each":["# + added + "," + added + #",{"a":1,"b":2},{"b":2,"a":1}]}}}"#,
            #"{"id":"123","t":["# + existing + "]}"
        )
        let expected = (0..<100).map { String($0) } + (100..<150).map { $0 % 2 == 0 ? "\($0).0" : String($0) }
        #expect(text == #"{"id":"123","t":["# + expected.joined(separator: ",") + #",{"a":1,"b":2}]}"#)
    }

    /// `$pullAll` and `$in` with many values (the hashed path) remove exactly the equal elements.
    @Test func pullManyValues() throws {
        let elements = (0..<40).map { String($0) }.joined(separator: ",")
        let removed = (0..<40).filter { $0 % 2 == 0 }.map { "\($0).0" }.joined(separator: ",")
        let kept = (0..<40).filter { $0 % 2 == 1 }.map { String($0) }.joined(separator: ",")
        #expect(
            try updated(#"{"$pullAll":{"t":["# + removed + "]}}", #"{"id":"123","t":["# + elements + "]}")
                == #"{"id":"123","t":["# + kept + "]}"
        )
        #expect(
            try updated(#"{"$pull":{"t":{"$in":["# + removed + "]}}}", #"{"id":"123","t":["# + elements + "]}")
                == #"{"id":"123","t":["# + kept + "]}"
        )
        #expect(
            try updated(#"{"$pull":{"t":{"$nin":["# + removed + "]}}}", #"{"id":"123","t":["# + elements + "]}")
                == #"{"id":"123","t":["# + (0..<40).filter { $0 % 2 == 0 }.map(String.init).joined(separator: ",")
                + "]}"
        )
    }

    // MARK: - $setOnInsert

    /// `$setOnInsert` applies when the contact is inserted.
    @Test func setOnInsertOnInsert() throws {
        #expect(
            try updated(#"{"$setOnInsert":{"a":1,"b.c":2},"$set":{"d":3}}"#, insert: true)
                == #"{"id":"123","a":1,"b":{"c":2},"d":3}"#
        )
    }

    /// `$setOnInsert` is ignored when the contact exists.
    @Test func setOnInsertOnUpdate() throws {
        #expect(try updated(#"{"$setOnInsert":{"a":1},"$set":{"d":3}}"#) == #"{"id":"123","d":3}"#)
        #expect(try updated(#"{"$setOnInsert":{"id":"other"}}"#) == #"{"id":"123"}"#)
    }

    /// `$setOnInsert` is validated even when it does not apply: bad paths, names and conflicts fail.
    @Test func setOnInsertValidatedOnUpdate() {
        #expect(failure(#"{"$setOnInsert":{"a..b":1}}"#)?.contains("'a..b'") == true)
        #expect(failure(#"{"$setOnInsert":{"a":{"$x":1}}}"#)?.contains("'$x'") == true)
        #expect(failure(#"{"$setOnInsert":{"a":1},"$set":{"a.b":1}}"#)?.contains("conflict") == true)
    }

    /// `$setOnInsert` may not change `profile.id` on insert.
    @Test func setOnInsertCannotChangeID() {
        #expect(failure(#"{"$setOnInsert":{"id":"other"}}"#, insert: true)?.contains("'id'") == true)
    }

    // MARK: - Failures

    static let failureCases: [UpdateFailureCase] = [
        // operators
        .init(#"{"$foo":{"a":1}}"#, #"{"id":"123"}"#, "'$foo'"),
        .init(#"{"a":1}"#, #"{"id":"123"}"#, "'a'", "Unknown modifier"),
        .init(#"{"$set":{"a":1},"firstName":"x"}"#, #"{"id":"123"}"#, "'firstName'"),
        .init(#"{"$set":1}"#, #"{"id":"123"}"#, "$set", "int"),
        .init(#"{"$unset":["a"]}"#, #"{"id":"123"}"#, "$unset", "array"),
        .init(#"{"$inc":null}"#, #"{"id":"123"}"#, "$inc", "null"),
        // paths
        .init(#"{"$set":{"":1}}"#, #"{"id":"123"}"#, "''", "empty"),
        .init(#"{"$set":{"a..b":1}}"#, #"{"id":"123"}"#, "'a..b'", "empty field name"),
        .init(#"{"$set":{"a.":1}}"#, #"{"id":"123"}"#, "'a.'", "empty field name"),
        .init(#"{"$set":{".a":1}}"#, #"{"id":"123"}"#, "'.a'", "empty field name"),
        .init(#"{"$unset":{"a..b":1}}"#, #"{"id":"123"}"#, "'a..b'"),
        .init(#"{"$pull":{"":1}}"#, #"{"id":"123"}"#, "''"),
        .init(#"{"$set":{"$a":1}}"#, #"{"id":"123"}"#, "'$a'"),
        .init(#"{"$set":{"a.$b":1}}"#, #"{"id":"123"}"#, "'a.$b'", "'$b'"),
        .init(#"{"$set":{"t.$":1}}"#, #"{"id":"123","t":[1]}"#, "'t.$'"),
        .init(#"{"$pop":{"a.$[]":1}}"#, #"{"id":"123"}"#, "'a.$[]'"),
        // conflicts
        .init(#"{"$set":{"a":1,"a.b":2}}"#, #"{"id":"123"}"#, "Updating the path 'a.b' would create a conflict at 'a'"),
        .init(
            #"{"$set":{"a.b":1},"$inc":{"a":2}}"#,
            #"{"id":"123"}"#,
            "Updating the path 'a' would create a conflict at 'a'"
        ),
        .init(
            #"{"$set":{"a":1},"$unset":{"a":1}}"#,
            #"{"id":"123"}"#,
            "Updating the path 'a' would create a conflict at 'a'"
        ),
        .init(#"{"$push":{"t":1},"$pull":{"t":2}}"#, #"{"id":"123"}"#, "'t'", "conflict"),
        .init(#"{"$set":{"a.b.c":1},"$unset":{"a.b":1}}"#, #"{"id":"123"}"#, "'a.b'", "conflict"),
        .init(#"{"$rename":{"a":"b"},"$set":{"b.c":1}}"#, #"{"id":"123"}"#, "'b.c'", "conflict at 'b'"),
        .init(#"{"$rename":{"a":"b"},"$set":{"a":1}}"#, #"{"id":"123"}"#, "'a'", "conflict"),
        .init(#"{"$rename":{"a":"b","c":"b"}}"#, #"{"id":"123"}"#, "'b'", "conflict"),
        .init(#"{"$inc":{"n":1},"$mul":{"n":2}}"#, #"{"id":"123"}"#, "'n'", "conflict"),
        // paths through scalars
        .init(#"{"$set":{"a.b":1}}"#, #"{"id":"123","a":1}"#, "Cannot create field 'b' in element {a: 1}", "'a.b'"),
        .init(#"{"$set":{"a.b":1}}"#, #"{"id":"123","a":null}"#, "Cannot create field 'b' in element {a: null}"),
        .init(#"{"$set":{"x.a.b.c":1}}"#, #"{"id":"123","x":{"a":"s"}}"#, "'b'", "{a: \"s\"}", "'x.a.b.c'"),
        .init(#"{"$set":{"t.x":1}}"#, #"{"id":"123","t":[1,2]}"#, "Cannot create field 'x' in element {t: [1,2]}"),
        .init(#"{"$set":{"t.01":1}}"#, #"{"id":"123","t":[1,2]}"#, "'01'", "'t.01'"),
        .init(
            #"{"$set":{"t.0.b":1}}"#,
            #"{"id":"123","t":[1]}"#,
            "Cannot create field 'b' in element {0: 1}",
            "'t.0.b'"
        ),
        .init(#"{"$inc":{"a.b":1}}"#, #"{"id":"123","a":"s"}"#, "'a.b'"),
        .init(#"{"$min":{"a.b":1}}"#, #"{"id":"123","a":true}"#, "'a.b'"),
        .init(#"{"$currentDate":{"a.b":true}}"#, #"{"id":"123","a":1}"#, "'a.b'"),
        .init(#"{"$push":{"a.b":1}}"#, #"{"id":"123","a":1}"#, "'a.b'"),
        .init(#"{"$addToSet":{"a.b":1}}"#, #"{"id":"123","a":[]}"#, "'a.b'"),
        .init(#"{"$rename":{"x":"a.b"}}"#, #"{"id":"123","x":1,"a":1}"#, "'a.b'"),
        // $inc and $mul
        .init(
            #"{"$inc":{"totalOrders":1}}"#,
            #"{"id":"123","totalOrders":"3"}"#,
            "Cannot apply $inc to a value of non-numeric type at 'totalOrders'"
        ),
        .init(#"{"$inc":{"n":1}}"#, #"{"id":"123","n":null}"#, "non-numeric", "'n'"),
        .init(
            #"{"$mul":{"n":2}}"#,
            #"{"id":"123","n":true}"#,
            "Cannot apply $mul to a value of non-numeric type at 'n'"
        ),
        .init(#"{"$mul":{"n":2}}"#, #"{"id":"123","n":[1]}"#, "$mul", "'n'"),
        .init(#"{"$inc":{"n":"1"}}"#, #"{"id":"123","n":1}"#, "Cannot increment with non-numeric argument at 'n'"),
        .init(#"{"$inc":{"n":null}}"#, #"{"id":"123"}"#, "non-numeric argument", "'n'"),
        .init(#"{"$mul":{"n":true}}"#, #"{"id":"123"}"#, "Cannot multiply with non-numeric argument at 'n'"),
        .init(#"{"$inc":{"n":1}}"#, #"{"id":"123","n":9223372036854775807}"#, "overflow", "'n'"),
        .init(#"{"$inc":{"n":-2}}"#, #"{"id":"123","n":-9223372036854775807}"#, "overflow", "'n'"),
        .init(#"{"$mul":{"n":2}}"#, #"{"id":"123","n":4611686018427387904}"#, "overflow", "'n'"),
        .init(#"{"$mul":{"n":-1}}"#, #"{"id":"123","n":-9223372036854775808}"#, "overflow", "'n'"),
        .init(#"{"$mul":{"n":10.0}}"#, #"{"id":"123","n":1e308}"#, "not a finite number", "'n'"),
        .init(#"{"$inc":{"n":1.7e308}}"#, #"{"id":"123","n":1.7e308}"#, "not a finite number", "'n'"),
        .init(#"{"$mul":{"n":1e300}}"#, #"{"id":"123","n":9223372036854775807}"#, "not a finite number", "'n'"),
        // arrays operators on values that are not arrays
        .init(
            #"{"$push":{"tags":"x"}}"#,
            #"{"id":"123","tags":"customer"}"#,
            "$push",
            "non-array type string",
            "'tags'"
        ),
        .init(#"{"$push":{"tags":"x"}}"#, #"{"id":"123","tags":null}"#, "$push", "null", "'tags'"),
        .init(#"{"$addToSet":{"t":1}}"#, #"{"id":"123","t":5}"#, "$addToSet", "'t'"),
        .init(#"{"$pop":{"t":1}}"#, #"{"id":"123","t":"x"}"#, "$pop", "'t'"),
        .init(#"{"$pop":{"t":1}}"#, #"{"id":"123","t":null}"#, "$pop", "'t'"),
        .init(#"{"$pull":{"t":1}}"#, #"{"id":"123","t":{"a":1}}"#, "$pull", "object", "'t'"),
        .init(#"{"$pullAll":{"t":[1]}}"#, #"{"id":"123","t":1}"#, "$pullAll", "'t'"),
        // $rename
        .init(#"{"$rename":{"t.0":"x"}}"#, #"{"id":"123","t":[1]}"#, "source", "array", "'t.0'"),
        .init(#"{"$rename":{"t.a":"x"}}"#, #"{"id":"123","t":[{"a":1}]}"#, "source", "array", "'t.a'"),
        .init(#"{"$rename":{"x":"t.0"}}"#, #"{"id":"123","x":1,"t":[1]}"#, "destination", "array", "'t.0'"),
        .init(#"{"$rename":{"x":"t.5.a"}}"#, #"{"id":"123","x":1,"t":[]}"#, "destination", "array", "'t.5.a'"),
        .init(#"{"$rename":{"a":"a"}}"#, #"{"id":"123"}"#, "must differ", "'a'"),
        .init(#"{"$rename":{"a":"a.b"}}"#, #"{"id":"123","a":1}"#, "same path", "'a'", "'a.b'"),
        .init(#"{"$rename":{"a.b":"a"}}"#, #"{"id":"123"}"#, "same path", "'a.b'"),
        .init(#"{"$rename":{"a":1}}"#, #"{"id":"123","a":1}"#, "must be a string", "'a'"),
        .init(#"{"$rename":{"a":null}}"#, #"{"id":"123"}"#, "must be a string", "'a'"),
        .init(#"{"$rename":{"a":""}}"#, #"{"id":"123","a":1}"#, "''"),
        .init(#"{"$rename":{"a":"b..c"}}"#, #"{"id":"123","a":1}"#, "'b..c'"),
        .init(#"{"$rename":{"a":"$b"}}"#, #"{"id":"123","a":1}"#, "'$b'"),
        // profile.id
        .init(#"{"$set":{"id":"other"}}"#, #"{"id":"123"}"#, "immutable field 'id'"),
        .init(#"{"$set":{"id":123}}"#, #"{"id":"123"}"#, "'id'"),
        .init(#"{"$unset":{"id":1}}"#, #"{"id":"123"}"#, "'id'"),
        .init(#"{"$rename":{"id":"x"}}"#, #"{"id":"123"}"#, "'id'"),
        .init(#"{"$rename":{"x":"id"}}"#, #"{"id":"123","x":"456"}"#, "'id'"),
        .init(#"{"$inc":{"id":1}}"#, #"{"id":"123"}"#, "'id'"),
        .init(#"{"$set":{"id.x":1}}"#, #"{"id":"123"}"#, "'id.x'"),
        .init(#"{"$max":{"id":"999"}}"#, #"{"id":"123"}"#, "'id'"),
        .init(#"{"$currentDate":{"id":true}}"#, #"{"id":"123"}"#, "'id'"),
        .init(#"{"$push":{"id":1}}"#, #"{"id":"123"}"#, "'id'"),
        // stored member names
        .init(#"{"$set":{"a":{"$x":1}}}"#, #"{"id":"123"}"#, "'$x'", "'a'", "not valid for storage"),
        .init(#"{"$set":{"a":{"x.y":1}}}"#, #"{"id":"123"}"#, "'x.y'", "'a'"),
        .init(#"{"$set":{"a":{"":1}}}"#, #"{"id":"123"}"#, "empty field name", "'a'"),
        .init(#"{"$set":{"a":[{"b":{"$x":1}}]}}"#, #"{"id":"123"}"#, "'$x'", "'a'"),
        .init(#"{"$min":{"a":{"$x":1}}}"#, #"{"id":"123"}"#, "'$x'"),
        .init(#"{"$max":{"a":{"b.c":1}}}"#, #"{"id":"123"}"#, "'b.c'"),
        .init(#"{"$push":{"t":{"$x":1}}}"#, #"{"id":"123"}"#, "'$x'", "'t'"),
        .init(#"{"$push":{"t":{"$each":[{"a.b":1}]}}}"#, #"{"id":"123"}"#, "'a.b'", "'t'"),
        .init(#"{"$addToSet":{"t":{"":1}}}"#, #"{"id":"123"}"#, "empty field name", "'t'"),
        .init(#"{"$addToSet":{"t":{"$each":[{"$a":1}]}}}"#, #"{"id":"123"}"#, "'$a'", "'t'"),
        // $currentDate
        .init(#"{"$currentDate":{"d":false}}"#, #"{"id":"123"}"#, "$currentDate", "'d'"),
        .init(#"{"$currentDate":{"d":{"$type":"timestamp"}}}"#, #"{"id":"123"}"#, "$currentDate", "'d'"),
        .init(#"{"$currentDate":{"d":1}}"#, #"{"id":"123"}"#, "'d'"),
        .init(#"{"$currentDate":{"d":"date"}}"#, #"{"id":"123"}"#, "'d'"),
        .init(#"{"$currentDate":{"d":{}}}"#, #"{"id":"123"}"#, "'d'"),
        .init(#"{"$currentDate":{"d":{"$type":"date","x":1}}}"#, #"{"id":"123"}"#, "'d'"),
        // $push modifiers
        .init(#"{"$push":{"t":{"$slice":1}}}"#, #"{"id":"123"}"#, "$slice", "requires $each", "'t'"),
        .init(#"{"$push":{"t":{"$sort":1,"$position":0}}}"#, #"{"id":"123"}"#, "requires $each", "'t'"),
        .init(#"{"$push":{"t":{"$each":1}}}"#, #"{"id":"123"}"#, "$each", "array", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$slice":"2"}}}"#, #"{"id":"123"}"#, "$slice", "integer", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$slice":1.5}}}"#, #"{"id":"123"}"#, "$slice", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$position":"0"}}}"#, #"{"id":"123"}"#, "$position", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$position":0.5}}}"#, #"{"id":"123"}"#, "$position", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$sort":2}}}"#, #"{"id":"123"}"#, "$sort", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$sort":"1"}}}"#, #"{"id":"123"}"#, "$sort", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$sort":{}}}}"#, #"{"id":"123"}"#, "$sort", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$sort":{"a":0}}}}"#, #"{"id":"123"}"#, "$sort", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"$sort":{"a..b":1}}}}"#, #"{"id":"123"}"#, "$sort", "'a..b'"),
        .init(#"{"$push":{"t":{"$each":[1],"$foo":1}}}"#, #"{"id":"123"}"#, "Unrecognized clause", "'$foo'", "'t'"),
        .init(#"{"$push":{"t":{"$each":[1],"x":1}}}"#, #"{"id":"123"}"#, "Unrecognized clause", "'x'"),
        // $addToSet
        .init(#"{"$addToSet":{"t":{"$each":"a"}}}"#, #"{"id":"123"}"#, "$each", "array", "'t'"),
        .init(#"{"$addToSet":{"t":{"$each":[1],"$slice":1}}}"#, #"{"id":"123"}"#, "after $each", "'t'"),
        // $pop
        .init(#"{"$pop":{"t":2}}"#, #"{"id":"123","t":[1]}"#, "$pop", "1 or -1", "'t'"),
        .init(#"{"$pop":{"t":0}}"#, #"{"id":"123","t":[1]}"#, "$pop", "'t'"),
        .init(#"{"$pop":{"t":"1"}}"#, #"{"id":"123","t":[1]}"#, "$pop", "'t'"),
        .init(#"{"$pop":{"t":-1.5}}"#, #"{"id":"123"}"#, "$pop", "'t'"),
        // $pullAll
        .init(#"{"$pullAll":{"t":1}}"#, #"{"id":"123","t":[1]}"#, "$pullAll", "array", "'t'"),
        .init(#"{"$pullAll":{"t":{"$in":[1]}}}"#, #"{"id":"123"}"#, "$pullAll", "'t'"),
        // $pull
        .init(#"{"$pull":{"t":{"$regex":"a"}}}"#, #"{"id":"123","t":["a"]}"#, "'$regex'", "'t'"),
        .init(#"{"$pull":{"t":{"$exists":true}}}"#, #"{"id":"123"}"#, "'$exists'", "'t'"),
        .init(#"{"$pull":{"t":{"$gt":1,"x":1}}}"#, #"{"id":"123"}"#, "'x'", "'t'"),
        .init(#"{"$pull":{"t":{"$or":[{"a":1}]}}}"#, #"{"id":"123"}"#, "'$or'", "'t'"),
        .init(#"{"$pull":{"t":{"a":1,"$and":[]}}}"#, #"{"id":"123"}"#, "'$and'", "'t'"),
        .init(#"{"$pull":{"t":{"a":{"$elemMatch":{"b":1}}}}}"#, #"{"id":"123"}"#, "'$elemMatch'", "'t'"),
        .init(#"{"$pull":{"t":{"a":{"$gt":1,"$size":2}}}}"#, #"{"id":"123"}"#, "'$size'", "'t'"),
        .init(#"{"$pull":{"t":{"$in":1}}}"#, #"{"id":"123"}"#, "$in", "array", "'t'"),
        .init(#"{"$pull":{"t":{"a":{"$nin":"x"}}}}"#, #"{"id":"123"}"#, "$nin", "array", "'t'"),
        .init(#"{"$pull":{"t":{"a..b":1}}}"#, #"{"id":"123"}"#, "'a..b'", "'t'"),
    ]

    /// Each invalid update fails, names the path (or the culprit), and leaves the profile as it was.
    @Test(arguments: failureCases)
    func failures(_ test: UpdateFailureCase) {
        let message = failure(test.operators, test.profile)
        #expect(message != nil, "expected a failure")
        for fragment in test.fragments {
            #expect(message?.contains(fragment) == true, "\(message ?? "nil") should contain \(fragment)")
        }
    }

    // MARK: - Conflicts

    /// Conflicts are found among many paths too (the sorting path), naming both paths.
    @Test func conflictAmongManyPaths() {
        let fields = (0..<40).map { #""f\#($0)":1"# }.joined(separator: ",")
        let message = failure(#"{"$set":{"# + fields + #"},"$unset":{"g":1,"f17.x":1}}"#)
        #expect(message == "Updating the path 'f17.x' would create a conflict at 'f17'")
        let same = failure(#"{"$set":{"# + fields + #"},"$inc":{"f3":1}}"#)
        #expect(same == "Updating the path 'f3' would create a conflict at 'f3'")
    }

    /// Paths that only share a prefix of characters (`a` and `ab`, `a.b` and `a.bc`) do not conflict.
    @Test func prefixesOfCharactersDoNotConflict() throws {
        #expect(
            try updated(#"{"$set":{"a":1,"ab":2,"a-b":3},"$inc":{"c.b":1,"c.bc":1}}"#)
                == #"{"id":"123","a":1,"ab":2,"a-b":3,"c":{"b":1,"bc":1}}"#
        )
        let fields = (0..<40).map { #""f.\#($0)":1"# }.joined(separator: ",")
        #expect(try updated(#"{"$set":{"# + fields + "}}").hasPrefix(#"{"id":"123","f":{"0":1,"1":1"#))
    }

    // MARK: - Limits

    /// An index far past the end of an array fails at once, without building the padding.
    @Test func hugePaddingFailsFast() {
        let clock = ContinuousClock()
        let start = clock.now
        let message = failure(#"{"$set":{"a.99999999999":1}}"#, #"{"id":"123","a":[]}"#)
        #expect(message?.contains("'a.99999999999'") == true)
        #expect(message?.contains("over the limit of 65536") == true)
        let overflow = failure(#"{"$set":{"a.99999999999999999999999999":1}}"#, #"{"id":"123","a":[1]}"#)
        #expect(overflow?.contains("'a.99999999999999999999999999'") == true)
        #expect(clock.now - start < .seconds(1))
    }

    /// Padding within the budget works, padding over it fails, and many paddings share one budget.
    @Test func paddingBudget() throws {
        #expect(try updated(#"{"$set":{"a.5":1}}"#, #"{"id":"123","a":[]}"#, maxBytes: 100).contains("null,null"))
        #expect(failure(#"{"$set":{"a.25":1}}"#, #"{"id":"123","a":[]}"#, maxBytes: 100)?.contains("'a.25'") == true)
        let message = failure(#"{"$set":{"a.15":1,"b.15":1}}"#, #"{"id":"123","a":[],"b":[]}"#, maxBytes: 100)
        #expect(message?.contains("'b.15'") == true)
    }

    /// A profile over the size limit fails with its size and the limit.
    @Test func profileSizeLimit() throws {
        let big = String(repeating: "x", count: 100)
        #expect(try updated(#"{"$set":{"a":"\#(big)"}}"#, maxBytes: 200).count <= 200)
        let message = failure(#"{"$set":{"a":"\#(big)","b":"\#(big)"}}"#, maxBytes: 200)
        #expect(message == "The profile would be 226 bytes, over the limit of 200")
        #expect(
            failure(#"{"$push":{"t":{"$each":["\#(big)","\#(big)"]}}}"#, maxBytes: 200)?.contains(
                "over the limit of 200"
            ) == true
        )
    }

    /// Paths and values may nest the profile up to 60 levels and no deeper.
    @Test func nestingLimit() throws {
        let depth = UpdateEngine.maximumProfileDepth
        #expect(depth == 60)
        let deepest = (1..<depth).map { "p\($0)" }.joined(separator: ".")
        #expect(try updated(#"{"$set":{"\#(deepest)":{}}}"#).hasPrefix(#"{"id":"123","p1":{"p2":"#))
        #expect(failure(#"{"$set":{"\#(deepest).x":{}}}"#)?.contains("60") == true)
        let tooLong = (0..<200).map { _ in "a" }.joined(separator: ".")
        #expect(failure(#"{"$unset":{"\#(tooLong)":1}}"#)?.contains("more than the 60 levels") == true)
        let value = String(repeating: "[", count: 59) + String(repeating: "]", count: 59)
        #expect(try updated(#"{"$set":{"a":\#(value)}}"#).hasPrefix(#"{"id":"123","a":[[["#))
        #expect(failure(#"{"$set":{"a.b":\#(value)}}"#)?.contains("'a.b'") == true)
        #expect(failure(#"{"$push":{"a":\#(value)}}"#)?.contains("'a'") == true)
        let nested = String(repeating: #"{"x":"#, count: 50) + "1" + String(repeating: "}", count: 50)
        let renamed = failure(#"{"$rename":{"a":"\#(deepest)"}}"#, #"{"id":"123","a":\#(nested)}"#)
        #expect(renamed?.contains("deeper than 60") == true)
    }

    /// Many fields on large objects (where names are looked up through a set) find, add and
    /// remove exactly the members bytewise equal to their names.
    @Test func manyFieldsOnLargeObjects() throws {
        let names = (0..<40).map { "m\($0)" }
        let members = names.map { #""\#($0)":0"# }.joined(separator: ",")
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        let profile = #"{"id":"123",\#(members),"\#(composed)":0,"a":{\#(members)}}"#
        let increments = names.map { #""\#($0)":1"# }.joined(separator: ",")
        let nested = names.dropFirst().map { #""a.\#($0)":2"# }.joined(separator: ",")
        let text = try updated(
            #"{"$inc":{\#(increments),"\#(composed)":1},"$set":{\#(nested),"\#(decomposed)":5,"x":1},"#
                + #""$unset":{"a.m0":1,"absent":1,"a.absent":1}}"#,
            profile
        )
        guard case .object(let result) = try JSONParser.parse(text) else {
            Issue.record("not an object")
            return
        }
        #expect(result.count == 1 + 40 + 1 + 1 + 2)
        #expect(result[composed] == .int(1))
        #expect(result[decomposed] == .int(5))
        #expect(result["m39"] == .int(1))
        #expect(result["x"] == .int(1))
        guard case .object(let inner)? = result["a"] else {
            Issue.record("no a")
            return
        }
        #expect(inner.count == 39)
        #expect(inner["m0"] == nil)
        #expect(inner["m1"] == .int(2))
    }

    /// An update of many new fields fails on the profile limit without slowing down quadratically.
    @Test func manyNewFieldsFailQuickly() {
        let fields = (0..<20_000).map { #""k\#($0)":1"# }.joined(separator: ",")
        let clock = ContinuousClock()
        let start = clock.now
        #expect(failure(#"{"$set":{\#(fields)}}"#)?.contains("over the limit of 65536") == true)
        #expect(clock.now - start < .seconds(10))
    }

    // MARK: - Atomicity and sharing

    /// A failure after earlier operators succeeded leaves the caller's profile unchanged.
    @Test func failureLeavesProfileUnchanged() {
        let profile = parseObject(#"{"id":"123","a":{"b":[1,2]},"n":"x"}"#)
        let before = profile
        #expect(throws: UpdateError.self) {
            try UpdateEngine.apply(
                parseObject(#"{"$set":{"a.b.0":9,"z":1},"$push":{"a.b":3},"$inc":{"n":1}}"#),
                to: profile,
                context: context()
            )
        }
        #expect(profile == before)
        #expect(JSONWriter.string(.object(profile)) == #"{"id":"123","a":{"b":[1,2]},"n":"x"}"#)
    }

    /// A successful update returns a new profile and leaves the caller's (shared storage) unchanged.
    @Test func successLeavesInputUnchanged() throws {
        let profile = parseObject(#"{"id":"123","a":{"b":[1,2]}}"#)
        let result = try UpdateEngine.apply(parseObject(#"{"$push":{"a.b":3}}"#), to: profile, context: context())
        #expect(JSONWriter.string(.object(profile)) == #"{"id":"123","a":{"b":[1,2]}}"#)
        #expect(JSONWriter.string(.object(result.profile)) == #"{"id":"123","a":{"b":[1,2,3]}}"#)
    }

    /// Fuzz fail case `FuzzUpdate/rename-target-with-nul`: a `$rename` target is a string value,
    /// where `\u0000` may be written, but a member name may not hold U+0000 (the parser refuses
    /// it), so renaming to such a name fails the entry instead of storing a profile that no
    /// longer parses.
    @Test func renameTargetWithNULFails() {
        let message = failure(#"{"$rename":{"a.b":"c.d\u0000e"}}"#, #"{"id":"123","a":{"b":[1]}}"#)
        #expect(message?.contains("U+0000") == true, "\(message ?? "nil")")
        #expect(failure(#"{"$rename":{"a":"\u0000"}}"#, #"{"id":"123","a":1}"#) != nil)
    }

    /// A malformed field wins over a failure that depends on the profile, wherever it is written.
    @Test func checksWinOverProfileFailures() {
        let message = failure(#"{"$inc":{"a":1},"$set":{"b..c":1}}"#, #"{"id":"123","a":"x"}"#)
        #expect(message?.contains("'b..c'") == true)
        let conflict = failure(#"{"$push":{"t":1},"$set":{"t.0":1}}"#, #"{"id":"123","t":"x"}"#)
        #expect(conflict == "Updating the path 't.0' would create a conflict at 't'")
        let applied = failure(#"{"$inc":{"a":1},"$set":{"b":1}}"#, #"{"id":"123","a":"x"}"#)
        #expect(applied == "Cannot apply $inc to a value of non-numeric type at 'a'")
    }

    /// A `$rename` whose source is missing does nothing, even toward a path that could not be created.
    @Test func renameOfMissingSourceDoesNothing() throws {
        #expect(try updated(#"{"$rename":{"x":"a.b"}}"#, #"{"id":"123","a":1}"#) == #"{"id":"123","a":1}"#)
        #expect(try updated(#"{"$rename":{"x":"t.0"}}"#, #"{"id":"123","t":[1]}"#) == #"{"id":"123","t":[1]}"#)
    }

    /// Every `$currentDate` of one update writes the same instant, the context's.
    @Test func currentDateIsTheContextInstant() throws {
        let result = try UpdateEngine.apply(
            parseObject(#"{"$currentDate":{"a":true,"b":{"$type":"date"}},"$set":{"c":1}}"#),
            to: parseObject(#"{"id":"123"}"#),
            context: UpdateContext(isInsert: false, externalId: "123", now: Timestamp(milliseconds: 0))
        )
        #expect(result.profile["a"] == .string("1970-01-01T00:00:00.000Z"))
        #expect(result.profile["b"] == result.profile["a"])
    }

    static let pathOrderCases: [UpdateSuccessCase] = [
        .init(#"{"$set":{"a.2":1},"$inc":{"a.1":1}}"#, #"{"id":"123","a":[]}"#, #"{"id":"123","a":[null,1,1]}"#),
        .init(
            #"{"$set":{"a.5":1},"$pop":{"a.3":1}}"#,
            #"{"id":"123","a":[]}"#,
            #"{"id":"123","a":[null,null,null,null,null,1]}"#
        ),
        .init(
            #"{"$push":{"a.3":"x"},"$set":{"a.1":0}}"#,
            #"{"id":"123","a":[]}"#,
            #"{"id":"123","a":[null,0,null,["x"]]}"#
        ),
        .init(
            #"{"$set":{"a.10":1,"a.9":2}}"#,
            #"{"id":"123","a":[]}"#,
            #"{"id":"123","a":[null,null,null,null,null,null,null,null,null,2,1]}"#
        ),
        .init(#"{"$set":{"b":1,"t.0":2,"a":3}}"#, #"{"id":"123","t":[]}"#, #"{"id":"123","t":[2],"a":3,"b":1}"#),
    ]

    /// When a path may index an array, fields apply in MongoDB's order (by path, indexes
    /// numerically), so a field never sees the padding of another.
    @Test(arguments: pathOrderCases)
    func pathOrder(_ test: UpdateSuccessCase) throws {
        #expect(try updated(test.operators, test.profile) == test.expected)
    }

    /// The error of a failed update is a value: equal updates fail with equal errors.
    @Test func errorsAreDeterministic() {
        let first = failure(#"{"$inc":{"a":1}}"#, #"{"id":"123","a":"x"}"#)
        let second = failure(#"{"$inc":{"a":1}}"#, #"{"id":"123","a":"x"}"#)
        #expect(first != nil && first == second)
    }

    /// `profile.id` is compared with the external id bytewise (no Unicode normalisation).
    @Test func idComparedBytewise() throws {
        let composed = "\u{E9}"
        let decomposed = "e\u{301}"
        let operators = parseObject(#"{"$set":{"id":"\#(decomposed)"}}"#)
        let profile = parseObject(#"{"id":"\#(composed)"}"#)
        let ctx = UpdateContext(isInsert: false, externalId: composed, now: updateTestNow)
        #expect(throws: UpdateError.self) { try UpdateEngine.apply(operators, to: profile, context: ctx) }
        let same = parseObject(#"{"$set":{"id":"\#(composed)"}}"#)
        #expect(try UpdateEngine.apply(same, to: profile, context: ctx).profile == profile)
    }

    // MARK: - Field limits of $sort and $pull (PROTOCOL.md section 6)

    /// `{"f0":1,…}` naming `count` fields.
    private func sortSpecification(_ count: Int) -> String {
        "{" + (0..<count).map { "\"f\($0)\":1" }.joined(separator: ",") + "}"
    }

    /// A `$sort` of 32 fields sorts; one of 33 fails the entry, saying so.
    @Test func sortNamesAtMost32Fields() throws {
        let at = #"{"$push":{"a":{"$each":[{"f0":2},{"f0":1}],"$sort":\#(sortSpecification(32))}}}"#
        #expect(try updated(at) == #"{"id":"123","a":[{"f0":1},{"f0":2}]}"#)
        let past = #"{"$push":{"a":{"$each":[{"f0":2},{"f0":1}],"$sort":\#(sortSpecification(33))}}}"#
        #expect(failure(past) == "The $sort of $push at 'a' names 33 fields; at most 32 are allowed")
    }

    /// A `$pull` condition of 32 fields (nested levels counted) pulls; one of 33 fails the entry.
    @Test func pullConditionNamesAtMost32Fields() throws {
        // 32 flat fields; then 30 fields and one holding an object of one more: 32 in all.
        let flat = (0..<31).map { "\"f\($0)\":\($0)" }.joined(separator: ",")
        let element = "{" + flat + "}"
        let at = #"{"$pull":{"a":{\#(flat)}}}"#
        #expect(try updated(at, #"{"id":"123","a":[\#(element),1]}"#) == #"{"id":"123","a":[1]}"#)
        let nestedAt = #"{"$pull":{"a":{\#((0..<30).map { "\"f\($0)\":\($0)" }.joined(separator: ",")),"g":{"x":1}}}}"#
        #expect(try updated(nestedAt, #"{"id":"123","a":[1]}"#) == #"{"id":"123","a":[1]}"#)
        let message =
            "The $pull condition at 'a' names more than 32 fields (counting every nested level); at most 32 are allowed"
        let past = #"{"$pull":{"a":{\#(flat),"f31":{"$gte":0},"f32":0}}}"#
        #expect(failure(past, #"{"id":"123","a":[1]}"#) == message)
        let nestedPast =
            #"{"$pull":{"a":{\#((0..<30).map { "\"f\($0)\":\($0)" }.joined(separator: ",")),"g":{"x":1,"y":{"z":1}}}}}"#
        #expect(failure(nestedPast, #"{"id":"123","a":[1]}"#) == message)
        let conditionPast = #"{"$pull":{"a":{"$eq":\#(sortSpecification(33))}}}"#
        #expect(failure(conditionPast, #"{"id":"123","a":[1]}"#) == message)
    }

    /// `$addToSet` and `$pullAll` with a long `$each` against a long array take linear time
    /// (hashing), not one comparison per pair: four times the elements take well under sixteen
    /// times as long. (Compared with itself, not with a wall-clock bound: a debug build on a busy
    /// machine took 8 s for the large case.)
    @Test func longEachAgainstLongArrayIsLinear() throws {
        func elapsed(elements count: Int) throws -> Duration {
            let stored = (0..<count).map { "{\"n\":\($0)}" }.joined(separator: ",")
            let each = (count / 2..<count / 2 + count).map { "{\"n\":\($0)}" }.joined(separator: ",")
            return try ContinuousClock().measure {
                let added = try updated(
                    #"{"$addToSet":{"a":{"$each":[\#(each)]}}}"#,
                    #"{"id":"123","a":[\#(stored)]}"#,
                    maxBytes: 1 << 24
                )
                #expect(added.utf8.count > count * 3 / 2 * 8)
                let pulled = try updated(
                    #"{"$pullAll":{"a":[\#(each)]}}"#,
                    #"{"id":"123","a":[\#(stored)]}"#,
                    maxBytes: 1 << 24
                )
                #expect(pulled.utf8.count < count / 2 * 12)
            }
        }
        let small = try elapsed(elements: 5_000)
        let large = try elapsed(elements: 20_000)
        #expect(large < small * 10, "20,000 elements took \(large), 5,000 took \(small)")
    }
}
