public import ContactCore

extension ContactdClient {
    /// `stats`: figures about the key's project.
    public func stats() async throws(ContactClientError) -> ProjectStats {
        let reader = ResponseReader(object: try await self.request("stats"))
        guard let project = try reader.optionalString("project") else {
            throw ContactClientError.invalidResponse("expected a string in \"project\"")
        }
        return ProjectStats(
            project: project,
            contacts: Int(try reader.int("contacts")),
            idempotencyKeys: Int(try reader.int("idempotencyKeys")),
            profileBytes: Self.optionalInt(reader.object["profileBytes"]),
            idempotencyBytes: Self.optionalInt(reader.object["idempotencyBytes"])
        )
    }

    /// `admin.stats` (an admin key only): the daemon-wide figures as the server sends them
    /// (PROTOCOL.md section 12), without `statusCode`, `success` and `requestId`.
    public func adminStats() async throws(ContactClientError) -> JSONObject {
        Self.figures(try await self.request("admin.stats"))
    }

    /// `admin.snapshot` (an admin key only): snapshots every shard now; returns the server's
    /// figures (per shard: written, bytes). Not retried.
    public func adminSnapshot() async throws(ContactClientError) -> JSONObject {
        Self.figures(try await self.request("admin.snapshot", retry: false))
    }

    /// `admin.backup` (an admin key only): a consistent copy of the data into the daemon's backup
    /// folder under `name`; returns the server's figures (path, files, bytes). Not retried (a
    /// retry of a backup that was written would be a 409).
    public func adminBackup(to name: String) async throws(ContactClientError) -> JSONObject {
        Self.figures(try await self.request("admin.backup", fields: JSONObject(["to": .string(name)]), retry: false))
    }

    private static func optionalInt(_ value: JSON?) -> Int? {
        guard case .int(let number)? = value else { return nil }
        return Int(number)
    }

    private static func figures(_ response: JSONObject) -> JSONObject {
        JSONObject(
            uniqueMembers: response.members.filter { !["statusCode", "success", "requestId"].contains($0.key) }
        )
    }
}
