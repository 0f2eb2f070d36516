/// The methods of PROTOCOL.md section 5.
public enum Method: String, Sendable, CaseIterable {
    /// `ping`: liveness, no key needed.
    case ping = "ping"
    /// `contacts.upsert`: insert or update a batch of contacts.
    case upsert = "contacts.upsert"
    /// `contacts.get`: one contact by external id.
    case get = "contacts.get"
    /// `contacts.list`: a page of contacts ordered by external id.
    case list = "contacts.list"
    /// `contacts.count`: how many contacts the project has.
    case count = "contacts.count"
    /// `contacts.delete`: remove contacts by external id.
    case delete = "contacts.delete"
    /// `contacts.recordMessages`: count received messages for `stats`.
    case recordMessages = "contacts.recordMessages"
    /// `stats`: figures about the key's project.
    case stats = "stats"
    /// `admin.stats`: daemon-wide figures (admin keys only).
    case adminStats = "admin.stats"
    /// `admin.snapshot`: snapshot every shard now (admin keys only).
    case adminSnapshot = "admin.snapshot"
    /// `admin.backup`: a consistent copy of the data into the backup folder (admin keys only).
    case adminBackup = "admin.backup"

    /// True for the methods that change stored data.
    public var isWrite: Bool {
        switch self {
        case .upsert, .delete, .recordMessages: return true
        case .ping, .get, .list, .count, .stats, .adminStats, .adminSnapshot, .adminBackup: return false
        }
    }

    /// True for the `admin.*` methods, which only admin keys may call (PROTOCOL.md section 12).
    public var isAdmin: Bool {
        switch self {
        case .adminStats, .adminSnapshot, .adminBackup: return true
        default: return false
        }
    }
}
