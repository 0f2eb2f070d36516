/// Every project's contacts, spread over shards; each project lives on exactly one shard.
///
/// Kept in memory only (``inMemory(shardCount:)``) or in a data folder with a journal per shard
/// and periodic snapshots (``open(directory:shardCount:fsync:snapshotInterval:journalLimitBytes:)``,
/// in ContactStore+Opening.swift, +Snapshots.swift and +Closing.swift).
public final class ContactStore: Sendable {
    /// The shards.
    public let shards: [Shard]
    /// The data folder, journals and snapshot state of a store made by `open`; nil in memory.
    let persistence: Persistence?

    /// A store of `shards`; shard `i` must have index `i`.
    public init(shards: [Shard]) {
        precondition(!shards.isEmpty)
        self.shards = shards
        self.persistence = nil
    }

    /// A store of `shards` kept in `persistence`'s data folder.
    init(shards: [Shard], persistence: Persistence) {
        precondition(!shards.isEmpty && shards.count == persistence.journals.count)
        self.shards = shards
        self.persistence = persistence
    }

    /// A store kept in memory only, with `shardCount` empty shards.
    public static func inMemory(shardCount: Int) -> ContactStore {
        ContactStore(shards: (0..<shardCount).map { Shard(index: $0, log: MemoryChangeLog()) })
    }

    /// The shard that holds project `name`.
    public func shard(ofProject name: String) -> Shard {
        self.shards[Shard.index(ofProject: name, shardCount: self.shards.count)]
    }

    /// The project named `name`, created empty when it does not exist yet.
    public func project(named name: String) -> Project {
        self.shard(ofProject: name).project(named: name)
    }

    /// How many projects and contacts the store holds.
    public func statistics() async -> (projects: Int, contacts: Int) {
        var projects = 0
        var contacts = 0
        for shard in self.shards {
            for project in shard.allProjects {
                projects += 1
                contacts += await project.count()
            }
        }
        return (projects, contacts)
    }
}
