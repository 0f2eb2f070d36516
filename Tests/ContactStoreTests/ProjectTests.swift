import ContactCore
import ContactStore
import Synchronization
import Testing

/// A change log whose appends fail once told to, like a journal whose disk has failed.
private final class BreakableLog: ChangeLog {
    private let broken = Mutex<StoreError?>(nil)
    private let sequence = Mutex<UInt64>(0)

    func breakNow() {
        self.broken.withLock { $0 = StoreError(.notDurable, "disk gone") }
    }

    func append(_ changes: ChangeSet) throws(StoreError) -> UInt64 {
        if let failure = self.failure { throw failure }
        return self.sequence.withLock { $0 += 1; return $0 }
    }

    func waitUntilDurable(_ sequence: UInt64) async throws(StoreError) {
        if let failure = self.failure { throw failure }
    }

    var failure: StoreError? { self.broken.withLock { $0 } }
}

struct ProjectTests {
    private func context() -> WriteContext {
        WriteContext(
            now: Timestamp(milliseconds: 1_700_000_000_000),
            ids: ContactIDGenerator(),
            limits: ProtocolLimits(),
            fingerprint: Fingerprint(high: 1, low: 2)
        )
    }

    private func upsert(_ id: String) -> Request {
        .upsert(UpsertRequest(entries: [.valid(id: id, operators: JSONObject(), createdAt: nil)]))
    }

    /// A write is journaled once and answered after its sequence number; a read needs no wait.
    @Test func writesCarryTheirJournalSequence() async throws {
        let project = Project(state: ProjectState(name: "p"), log: BreakableLog())
        let write = try await project.execute(self.upsert("a"), context: self.context())
        #expect(write.durableAfter == 1)
        let read = try await project.execute(.count, context: self.context())
        #expect(read.durableAfter == nil)
        #expect(String(decoding: read.body, as: UTF8.self) == #"{"statusCode":200,"success":true,"count":1"#)
    }

    /// Once the journal has failed, the project refuses reads too, so nobody sees a refused change.
    @Test func failedJournalRefusesReadsAndWrites() async throws {
        let log = BreakableLog()
        let project = Project(state: ProjectState(name: "p"), log: log)
        _ = try await project.execute(self.upsert("a"), context: self.context())
        log.breakNow()
        await #expect(throws: StoreError.self) { try await project.execute(.count, context: self.context()) }
        await #expect(throws: StoreError.self) {
            try await project.execute(self.upsert("b"), context: self.context())
        }
    }
}
