import PostgresNIO
import Synchronization

extension PostgresStore {
    /// What one child of ``withConnection(_:)`` ended with.
    private enum LeaseEvent<Result: Sendable>: Sendable {
        case finished(Result)
        case failed(any Error)
        /// The wait for a connection ran out; `leased` tells whether one had been leased by then.
        case waitOver(leased: Bool)
        case timerCancelled
    }

    /// Runs `body` on a pooled connection; throws ``LeaseTimeout`` when none is leased within
    /// ``connectionWait`` (the database is down: the pool keeps the request waiting otherwise).
    ///
    /// Once `body` has started it is never abandoned: its own outcome is returned, so a reply
    /// never says 503 for a transaction that committed.
    func withConnection<Result: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        let leased = LeaseFlag()
        let client = self.client
        let wait = self.connectionWait
        return try await withThrowingTaskGroup(of: LeaseEvent<Result>.self) { group in
            group.addTask {
                do {
                    let result = try await client.withConnection { connection in
                        leased.value.store(true, ordering: .releasing)
                        return try await body(connection)
                    }
                    return .finished(result)
                } catch {
                    return .failed(error)
                }
            }
            group.addTask {
                do {
                    try await Task.sleep(for: wait)
                } catch {
                    return .timerCancelled
                }
                return .waitOver(leased: leased.value.load(ordering: .acquiring))
            }
            var timedOut = false
            while let event = try await group.next() {
                switch event {
                case .finished(let result):
                    group.cancelAll()
                    return result
                case .failed(let error):
                    group.cancelAll()
                    throw timedOut ? LeaseTimeout() : error
                case .waitOver(let isLeased):
                    if !isLeased {
                        timedOut = true
                        group.cancelAll()
                    }
                case .timerCancelled:
                    continue
                }
            }
            throw LeaseTimeout()
        }
    }
}

/// Whether a connection was leased, shared by the two children of ``PostgresStore/withConnection(_:)``.
private final class LeaseFlag: Sendable {
    let value = Atomic<Bool>(false)
}
