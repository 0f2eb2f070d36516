import SeededRandom
import Testing

@testable import ContactCore

/// `UpsertLine.decode`, the upsert decoder that builds no JSON tree: whenever it takes a line,
/// the general way (`RequestEnvelope` + `Request.decode`) takes it too and gives the same
/// request; it declines every line the general way refuses.
struct UpsertLineTests {
    private static let limits = ProtocolLimits()

    /// What the general way makes of `line`.
    private static func general(_ line: [UInt8]) -> (envelope: RequestEnvelope, request: Request)? {
        guard let envelope = try? RequestEnvelope.decode(line),
            let request = try? Request.decode(envelope, limits: Self.limits)
        else { return nil }
        return (envelope, request)
    }

    private static func fast(_ line: [UInt8]) -> UpsertLine? {
        line.withUnsafeBytes { UpsertLine.decode($0, limits: Self.limits) }
    }

    /// Checks that `fast` is what the general way made of the same line.
    private static func expectSame(_ fast: UpsertLine, _ line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        guard let (envelope, request) = Self.general(line) else {
            Issue.record("taken, but the general way refuses it: \(text)")
            return
        }
        #expect(envelope.method == .upsert, "\(text)")
        #expect(envelope.apiKey == fast.apiKey, "\(text)")
        #expect(envelope.requestId == fast.requestId, "\(text)")
        guard case .upsert(let upsert) = request else {
            Issue.record("not an upsert: \(text)")
            return
        }
        #expect(upsert.idempotencyKey == fast.request.idempotencyKey, "\(text)")
        // A retry taken either way is the same request (PROTOCOL.md section 11).
        #expect(Fingerprint(of: envelope.object) == Fingerprint(of: fast.fingerprinted), "\(text)")
        #expect(upsert.entries.count == fast.request.entries.count, "\(text)")
        for (general, taken) in zip(upsert.entries, fast.request.entries) {
            guard case .valid(let id, let operators, let createdAt) = general,
                case .valid(let takenID, .flat(let update), nil) = taken
            else {
                Issue.record("entries differ: \(general) / \(taken) in \(text)")
                continue
            }
            #expect(id == takenID && createdAt == nil)
            #expect(operators.object == update.object, "\(text)")
        }
    }

    private static func pick<T>(_ random: inout SplitMix64, _ choices: [T]) -> T {
        choices[random.next(below: choices.count)]
    }

    /// An argument, now and then nested deep.
    private static func argument(_ random: inout SplitMix64) -> String {
        switch random.next(below: 10) {
        case 0: return Self.pick(&random, [#"[1,"a"]"#, #"[ 1 , "a" ]"#])
        case 1: return Self.pick(&random, [#"{"x":1,"y":[true,null]}"#, #"{ "x" : 1.50 , "y" : [ true ] }"#])
        case 2: return #"{"$bad":1}"#
        case 3:
            return Self.pick(
                &random,
                [
                    "1.5", "-0", "1e400", "9223372036854775807", "2", "007", "-", "-12", "123456789012345678",
                    "1234567890123456789", "-9223372036854775809", "0", "1E2",
                ]
            )
        case 4:
            let depth = 57 + random.next(below: 5)
            return String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        case 5: return #""ü€""#
        case 6: return #""with \"quote\"""#
        default: return Self.pick(&random, [#""customer""#, "1", "true", "null", #""""#])
        }
    }

    private static func field(_ random: inout SplitMix64) -> String {
        let key =
            random.next(below: 5) == 0
            ? Self.pick(&random, ["id", "a.b", "$x", "", "é", #"q\"k"#]) : Self.pick(&random, ["a", "b", "tags", "n"])
        return "\"\(key)\":\(Self.argument(&random))"
    }

    private static func profile(_ random: inout SplitMix64) -> String {
        let names = ["$set", "$set", "$inc", "$push", "$unset", "$setOnInsert", "$currentDate", "$mul", "$set"]
        var operators: [String] = []
        for _ in 0..<random.next(below: 4) {
            let name = Self.pick(&random, names)
            let count = random.next(below: 10) == 0 ? 0 : 1 + random.next(below: 2)
            let fields = (0..<count).map { _ in Self.field(&random) }
            operators.append("\"\(name)\":{\(fields.joined(separator: ","))}")
        }
        return "{" + operators.joined(separator: random.next(below: 8) == 0 ? " , " : ",") + "}"
    }

    private static func entry(_ random: inout SplitMix64) -> String {
        var members: [String] = []
        let id = Self.pick(&random, ["u1", "u2", "ü", "", #"u\"3"#, "u1", String(repeating: "x", count: 300)])
        if random.next(below: 20) != 0 { members.append("\"id\":\"\(id)\"") }
        if random.next(below: 10) != 0 { members.append("\"profile\":\(Self.profile(&random))") }
        if random.next(below: 20) == 0 { members.append(#""createdAt":"2024-01-01T00:00:00Z""#) }
        if random.next(below: 30) == 0 { members.append(#""id":"dup""#) }
        members.shuffle(using: &random)
        return "{" + members.joined(separator: ",") + "}"
    }

    private static func line(_ random: inout SplitMix64) -> [UInt8] {
        var members: [String] = []
        if random.next(below: 30) != 0 {
            members.append(
                #""method":"\#(Self.pick(&random, ["contacts.upsert", "contacts.upsert", "contacts.get"]))""#
            )
        }
        if random.next(below: 30) != 0 { members.append(#""apiKey":"key-1""#) }
        switch random.next(below: 8) {
        case 0: members.append(#""requestId":"r-1""#)
        case 1: members.append(#""requestId":7"#)
        case 2:
            members.append(
                #""requestId":\#(Self.pick(&random, ["-9223372036854775808", "1.5", "1e2", "null", "[1]"]))"#
            )
        default: break
        }
        let count = random.next(below: 12) == 0 ? Self.pick(&random, [0, 50, 51]) : 1 + random.next(below: 2)
        let entries = (0..<count).map { _ in Self.entry(&random) }
        if random.next(below: 40) != 0 { members.append("\"contacts\":[\(entries.joined(separator: ","))]") }
        if random.next(below: 4) == 0 {
            let key = Self.pick(&random, ["k", "retry-7", "", String(repeating: "k", count: 200), #"k\"q"#])
            members.append(#""idempotencyKey":"\#(key)""#)
        }
        if random.next(below: 25) == 0 { members.append(#""extra":1"#) }
        members.shuffle(using: &random)
        var text = "{" + members.joined(separator: random.next(below: 6) == 0 ? ", " : ",") + "}"
        switch random.next(below: 20) {
        case 0: text = " " + text + " "
        case 1: text.removeLast()
        case 2: text += "x"
        default: break
        }
        return Array(text.utf8)
    }

    @Test func takesOnlyWhatTheGeneralWayTakesAndGivesTheSameRequest() {
        var random = SplitMix64(seed: 0x0051_4E11)
        var taken = 0
        var takenWithKey = 0
        var declinedFailures = 0
        for _ in 0..<30_000 {
            let line = Self.line(&random)
            if let fast = Self.fast(line) {
                taken += 1
                if fast.request.idempotencyKey != nil { takenWithKey += 1 }
                Self.expectSame(fast, line)
            } else if Self.general(line) == nil {
                declinedFailures += 1
            }
        }
        #expect(taken > 500)
        #expect(takenWithKey > 50)
        #expect(declinedFailures > 1_500)
    }

    /// Each update taken applies to a stored profile as the same update decoded the general
    /// way does, byte for byte: names and arguments are copied from the line as compact text.
    @Test func takenUpdatesWriteTheGeneralWaysBytes() {
        let profiles = [
            #"{"id":"u1"}"#,
            #"{"id":"u1","a":1,"tags":["x"],"n":2.5,"b":"s"}"#,
            #"{"id":"u1","b":[],"a":"text","n":-7,"tags":7}"#,
        ].map { Array($0.utf8) }
        let context = UpdateContext(isInsert: false, externalId: "u1", now: Timestamp(milliseconds: 1_704_164_645_678))
        var random = SplitMix64(seed: 0x0051_4E12)
        var compared = 0
        for _ in 0..<30_000 {
            let line = Self.line(&random)
            guard let fast = Self.fast(line), case .upsert(let upsert)? = Self.general(line)?.request else { continue }
            for (general, taken) in zip(upsert.entries, fast.request.entries) {
                guard case .valid(_, let operators, _) = general, case .valid(_, let update, _) = taken else {
                    continue
                }
                for stored in profiles {
                    var scratch: [UInt8] = []
                    let expected = try? UpdateEngine.apply(
                        operators,
                        toStored: stored,
                        context: context,
                        scratch: &scratch
                    )
                    let bytes = try? UpdateEngine.apply(update, toStored: stored, context: context, scratch: &scratch)
                    #expect(bytes == expected, "\(String(decoding: line, as: UTF8.self))")
                    if expected != nil { compared += 1 }
                }
            }
        }
        #expect(compared > 1_000)
    }

    @Test func theClientsSeedLineIsTaken() throws {
        let entry =
            #"{"id":"u1","profile":{"$set":{"firstName":"Justin","email":"justin.bieber@yopmail.com"},"#
            + #""$push":{"tags":"customer"},"$inc":{"totalOrders":1}}}"#
        let line = Array(
            (#"{"method":"contacts.upsert","apiKey":"key-1","requestId":17,"contacts":["#
                + Array(repeating: entry, count: 50).joined(separator: ",") + "]}").utf8
        )
        let fast = try #require(Self.fast(line))
        #expect(fast.request.entries.count == 50)
        Self.expectSame(fast, line)
    }

    @Test func argumentsDeeperThanTheDocumentAllowsAreLeftToTheGeneralWay() {
        var refused = 0
        for depth in 55...62 {
            let value = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            for operation in ["$set", "$push", "$unset"] {
                let line = Array(
                    (#"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"u","profile":{""#
                        + operation + #"":{"a":"# + value + "}}}]}").utf8
                )
                if Self.general(line) == nil {
                    refused += 1
                    #expect(Self.fast(line) == nil, "depth \(depth) \(operation)")
                } else if let fast = Self.fast(line) {
                    Self.expectSame(fast, line)
                }
            }
        }
        #expect(refused > 0)
    }
}
