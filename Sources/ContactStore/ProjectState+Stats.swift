import ContactCore

extension ProjectState {
    /// The reply to `stats` (PROTOCOL.md section 5): the project's name, its contacts, its
    /// remembered idempotency keys and the bytes they hold.
    func statsReply() -> Outcome {
        var profileBytes = 0
        self.contacts.forEach { profileBytes += $0.profile.count }
        var writer = ResponseWriter(status: .ok, success: true)
        writer.field("project", .string(self.name))
        writer.field("contacts", .int(Int64(self.contacts.count)))
        writer.field("idempotencyKeys", .int(Int64(self.idempotency.count)))
        writer.field("profileBytes", .int(Int64(profileBytes)))
        writer.field("idempotencyBytes", .int(Int64(self.idempotency.bytes)))
        return Outcome(body: writer.body, status: .ok, changes: [])
    }
}
