import ContactCore
import Synchronization
import Testing

@testable import ContactStore

/// A change log driven by the test: records stay pending until ``confirm()``, ``lose()`` drops
/// the pending ones like a failed fsync, and appends over `limit` bytes throw like the journal's
/// record limit.
private final class ScriptedLog: ChangeLog {
    private struct State {
        var next: UInt64 = 1
        var durable: UInt64 = 0
        var lost: [ClosedRange<UInt64>] = []
        var failure: StoreError?
        var appended: [ChangeSet] = []
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int = .max) {
        self.limit = limit
    }

    /// Every pending record becomes durable.
    func confirm() {
        self.state.withLock { $0.durable = $0.next - 1 }
    }

    /// Every pending record is lost and the log degrades.
    func lose() {
        self.state.withLock { state in
            if state.next - 1 > state.durable { state.lost.append((state.durable + 1)...(state.next - 1)) }
            state.durable = state.next - 1
            state.failure = StoreError(.notDurable, "disk gone")
        }
    }

    /// The log works again.
    func heal() {
        self.state.withLock { $0.failure = nil }
    }

    var appended: [ChangeSet] { self.state.withLock { $0.appended } }

    func append(_ changes: ChangeSet, expectedLosses: Int?) throws(StoreError) -> UInt64 {
        if Journal.encodeBody(changes).count > self.limit {
            throw StoreError(.io, "a request's changes are over the record limit")
        }
        return try self.state.withLock { state throws(StoreError) -> UInt64 in
            if let failure = state.failure { throw failure }
            if let expectedLosses, expectedLosses != state.lost.count { throw StoreError(.notDurable, "lost") }
            state.appended.append(changes)
            defer { state.next += 1 }
            return state.next
        }
    }

    func waitUntilDurable(_ ticket: UInt64) async throws(StoreError) {
        if self.status(of: ticket) != .durable { throw StoreError(.notDurable, "not durable") }
    }

    func status(of ticket: UInt64) -> RecordStatus {
        self.state.withLock { state in
            if state.lost.contains(where: { $0.contains(ticket) }) { return .lost }
            return ticket <= state.durable ? .durable : .pending
        }
    }

    var losses: Int { self.state.withLock { $0.lost.count } }

    var failure: StoreError? { self.state.withLock { $0.failure } }
}

struct ProjectTests {
    private func context(_ milliseconds: Int64 = 1_700_000_000_000, fingerprint: UInt64 = 1) -> WriteContext {
        WriteContext(
            now: Timestamp(milliseconds: milliseconds),
            ids: ContactIDGenerator(),
            limits: ProtocolLimits(),
            fingerprint: Fingerprint(high: fingerprint, low: 2)
        )
    }

    private func request(_ line: String) throws -> Request {
        try Request.decode(try RequestEnvelope.decode(Array(line.utf8)), limits: ProtocolLimits())
    }

    private func upsert(_ id: String, _ value: String = "1", key: String? = nil) throws -> Request {
        let keyMember = key.map { #","idempotencyKey":"\#($0)""# } ?? ""
        return try self.request(
            #"{"method":"contacts.upsert","apiKey":"k","contacts":[{"id":"\#(id)","profile":{"$set":{"v":\#(value)}}}]\#(keyMember)}"#
        )
    }

    private func text(_ reply: Project.Reply) -> String {
        String(decoding: reply.body, as: UTF8.self)
    }

    /// A write waits for its own record; a read, a no-op write and a replay wait for the last
    /// record that touched the project while it is pending, and for nothing once it is durable.
    @Test func repliesWaitForTheLastRecordThatTouchedTheProject() async throws {
        let log = ScriptedLog()
        let project = Project(state: ProjectState(name: "p"), log: log)
        let write = try await project.execute(try self.upsert("a", key: "k"), context: self.context())
        #expect(write.durableAfter == 1)
        let read = try await project.execute(.count, context: self.context())
        #expect(read.durableAfter == 1)
        #expect(self.text(read) == #"{"statusCode":200,"success":true,"count":1"#)
        let unchanged = try await project.execute(try self.upsert("a"), context: self.context())
        #expect(unchanged.durableAfter == 1)
        let replay = try await project.execute(try self.upsert("a", key: "k"), context: self.context())
        #expect(replay.replayed && replay.durableAfter == 1)
        log.confirm()
        let later = try await project.execute(.get(id: "a"), context: self.context())
        #expect(later.durableAfter == nil)
    }

    /// A request whose record is over the journal's limit throws, and the project is as before:
    /// the contact unchanged and the idempotency key not remembered.
    @Test func refusedAppendLeavesTheProjectUnchanged() async throws {
        let log = ScriptedLog(limit: 2000)
        let project = Project(state: ProjectState(name: "p"), log: log)
        _ = try await project.execute(try self.upsert("a", "1"), context: self.context())
        let big = "\"" + String(repeating: "x", count: 5000) + "\""
        await #expect(throws: StoreError.self) {
            try await project.execute(try self.upsert("a", big, key: "big"), context: self.context())
        }
        await #expect(throws: StoreError.self) {
            try await project.execute(try self.upsert("new", big), context: self.context())
        }
        let state = await project.snapshot()
        #expect(state.contacts["a"].map { String(decoding: $0.profile, as: UTF8.self) } == #"{"id":"a","v":1}"#)
        #expect(state.contacts["new"] == nil)
        #expect(state.idempotency["big"] == nil)
        #expect(state.contacts.count == 1)
    }

    /// Records lost by the log are reverted newest first: the project is back at its last durable
    /// state, reads are served, writes throw while the log is degraded and work once it heals.
    @Test func lostRecordsAreRevertedAndReadsGoOn() async throws {
        let log = ScriptedLog()
        let project = Project(state: ProjectState(name: "p"), log: log)
        _ = try await project.execute(try self.upsert("a", "1"), context: self.context())
        log.confirm()
        _ = try await project.execute(try self.upsert("a", "2", key: "k2"), context: self.context())
        _ = try await project.execute(try self.upsert("b", "3"), context: self.context())
        let delete = try self.request(#"{"method":"contacts.delete","apiKey":"k","ids":["a"]}"#)
        _ = try await project.execute(delete, context: self.context())
        log.lose()
        let get = try await project.execute(.get(id: "a"), context: self.context())
        #expect(self.text(get).contains(#""profile":{"id":"a","v":1}"#))
        #expect(get.durableAfter == nil)
        let state = await project.snapshot()
        #expect(state.contacts.count == 1 && state.contacts["b"] == nil && state.idempotency["k2"] == nil)
        await #expect(throws: StoreError.self) {
            try await project.execute(try self.upsert("c"), context: self.context())
        }
        log.heal()
        let healed = try await project.execute(try self.upsert("c"), context: self.context())
        #expect(healed.durableAfter != nil)
        #expect(await project.count() == 2)
    }

    /// updatedAt never goes backwards, even when a later request carries an earlier instant.
    @Test func updatedAtNeverDecreases() async throws {
        let project = Project(state: ProjectState(name: "p"), log: MemoryChangeLog())
        _ = try await project.execute(try self.upsert("a", "1"), context: self.context(2_000_000))
        _ = try await project.execute(try self.upsert("a", "2"), context: self.context(1_000_000))
        let contact = try #require(await project.snapshot().contacts["a"])
        #expect(contact.updatedAt.milliseconds == 2_000_000)
    }

    /// An upsert naming one contact many times journals it once, in its final state.
    @Test func oneRecordHoldsEachContactOnce() async throws {
        let log = ScriptedLog()
        let project = Project(state: ProjectState(name: "p"), log: log)
        let entries = (1...5).map { #"{"id":"a","profile":{"$inc":{"n":\#($0)}}}"# }.joined(separator: ",")
        _ = try await project.execute(
            try self.request(#"{"method":"contacts.upsert","apiKey":"k","contacts":[\#(entries)]}"#),
            context: self.context()
        )
        let changes = try #require(log.appended.first).changes
        #expect(changes.count == 1)
        guard case .put(let contact) = changes[0] else {
            Issue.record("not a put")
            return
        }
        #expect(String(decoding: contact.profile, as: UTF8.self) == #"{"id":"a","n":15}"#)
    }

    /// A contact's stats hold at most 1,200 months: a message in a new month beyond that fails
    /// with a clear error and changes nothing; messages in months it already has still count.
    @Test func statsAreBoundedTo1200Months() async throws {
        var state = ProjectState(name: "p")
        var buckets: [MessageStats.Bucket] = []
        for index in 0..<(ProjectState.maximumStatsBuckets - 1) {
            buckets.append(MessageStats.Bucket(year: Int32(1000 + index / 12), month: UInt8(index % 12 + 1), count: 1))
        }
        state.apply(
            [
                .put(
                    Contact(
                        id: ContactID(high: 1, low: 1),
                        externalId: "a",
                        profile: Array(#"{"id":"a"}"#.utf8),
                        stats: MessageStats(buckets: buckets),
                        createdAt: Timestamp(milliseconds: 0),
                        updatedAt: Timestamp(milliseconds: 0)
                    )
                )
            ],
            sequence: 0
        )
        let project = Project(state: state, log: MemoryChangeLog())
        func record(_ at: String) async throws -> String {
            self.text(
                try await project.execute(
                    try self.request(
                        #"{"method":"contacts.recordMessages","apiKey":"k","messages":[{"id":"a","at":"\#(at)"}]}"#
                    ),
                    context: self.context()
                )
            )
        }
        #expect(try await record("2020-01-01T00:00:00Z").contains(#""recorded":["a"]"#))  // the 1,200th month
        let refused = try await record("2021-01-01T00:00:00Z")
        #expect(refused.contains(#""failed":["a"]"#) && refused.contains("at most 1200 months"))
        #expect(try await record("2020-01-31T00:00:00Z").contains(#""recorded":["a"]"#))  // an existing month
        let contact = try #require(await project.snapshot().contacts["a"])
        #expect(contact.stats.buckets.count == 1200)
        #expect(contact.stats.buckets.last?.count == 2)
    }
}
