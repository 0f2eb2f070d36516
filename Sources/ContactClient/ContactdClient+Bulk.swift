import ContactCore

extension ContactdClient {
    /// Upserts any number of `entries`: splits them into batches of
    /// ``ClientConfiguration/maxBatch``, sends the batches pipelined over the pool (at most
    /// ``ClientConfiguration/pipelineDepth`` in flight per connection), each with its own
    /// idempotency key, and merges the results in entry order, with ``EntryFailure/index``
    /// counted in `entries`.
    ///
    /// A batch the server refuses as a whole (400, 413, …), or that cannot be delivered even after
    /// the retries, does not stop the others: its entries are listed in ``UpsertResult/failed``
    /// with the reason. Only a bad API key (``ContactClientError/unauthorized(_:)``), a closed
    /// client or cancellation throw, since no batch can succeed then; batches already sent may
    /// have been applied.
    public func bulkUpsert(_ entries: [UpsertEntry]) async throws(ContactClientError) -> UpsertResult {
        if entries.isEmpty { return UpsertResult() }
        let size = self.configuration.maxBatch
        let starts = Array(stride(from: 0, to: entries.count, by: size))
        let window = self.configuration.connections * self.configuration.pipelineDepth
        typealias Outcome = (batch: Int, result: Result<UpsertResult, ContactClientError>)

        let results = await withTaskGroup(of: Outcome.self) { group -> Result<[UpsertResult], ContactClientError> in
            var results: [UpsertResult] = Array(repeating: UpsertResult(), count: starts.count)
            var next = 0
            func submit(_ batch: Int) {
                let range = starts[batch]..<Swift.min(starts[batch] + size, entries.count)
                let slice = Array(entries[range])
                group.addTask {
                    do throws(ContactClientError) {
                        return (batch, .success(try await self.upsert(slice)))
                    } catch {
                        return (batch, .failure(error))
                    }
                }
            }
            while next < Swift.min(window, starts.count) {
                submit(next)
                next += 1
            }
            while let outcome = await group.next() {
                switch outcome.result {
                case .success(let result):
                    results[outcome.batch] = result
                case .failure(let error):
                    switch error.code {
                    case .unauthorized, .clientClosed, .cancelled:
                        group.cancelAll()
                        return .failure(error)
                    default:
                        let range = starts[outcome.batch]..<Swift.min(starts[outcome.batch] + size, entries.count)
                        let ids = entries[range].map(\.id)
                        results[outcome.batch] = UpsertResult(
                            failed: ids,
                            errors: ids.enumerated().map {
                                EntryFailure(index: $0.offset, id: $0.element, message: "\(error)")
                            }
                        )
                    }
                }
                if next < starts.count {
                    submit(next)
                    next += 1
                }
            }
            return .success(results)
        }

        var merged = UpsertResult()
        for (batch, result) in try results.get().enumerated() {
            merged.inserted += result.inserted
            merged.updated += result.updated
            merged.failed += result.failed
            merged.errors += result.errors.map {
                EntryFailure(index: $0.index + starts[batch], id: $0.id, message: $0.message)
            }
            merged.replayed = merged.replayed || result.replayed
        }
        return merged
    }
}
