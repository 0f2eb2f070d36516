public import ContactCore

extension ContactStore: RequestStore {
    /// Runs `request` on the project's actor; a write first waits while the shard's journal holds
    /// too many unwritten bytes (back-pressure: the connection stops being read meanwhile).
    public func run(_ request: Request, project: String, context: WriteContext) async throws(StoreError) -> StoreReply {
        let shard = self.shard(ofProject: project)
        if request.isWrite {
            await shard.log.waitForRoom()
        }
        let reply = try await shard.project(named: project).execute(request, context: context)
        guard let ticket = reply.durableAfter else {
            return StoreReply(body: reply.body, replayed: reply.replayed, durability: .durable)
        }
        return StoreReply(
            body: reply.body,
            replayed: reply.replayed,
            durability: .afterRecord(ticket: ticket, log: shard.log)
        )
    }
}
