import Synchronization

/// A share of the projects, with one change log (journal) for all of them.
public final class Shard: Sendable {
    /// The shard's position, 0 ..< shard count.
    public let index: Int
    /// Where the shard's change sets go.
    public let log: any ChangeLog
    private let projects: Mutex<[String: Project]>

    /// A shard holding `states`, journaling to `log`.
    public init(index: Int, log: any ChangeLog, states: [ProjectState] = []) {
        self.index = index
        self.log = log
        var projects: [String: Project] = [:]
        for state in states {
            projects[state.name] = Project(state: state, log: log)
        }
        self.projects = Mutex(projects)
    }

    /// The project named `name`, created empty when it does not exist yet.
    public func project(named name: String) -> Project {
        self.projects.withLock { projects in
            if let project = projects[name] { return project }
            let project = Project(state: ProjectState(name: name), log: self.log)
            projects[name] = project
            return project
        }
    }

    /// True while the shard's journal is degraded: a write or fsync failed, writes get 503 and
    /// reads are answered from the last durable state until a retry finds the journal working.
    public var isDegraded: Bool {
        (self.log as? Journal)?.isDegraded ?? false
    }

    /// Every project of the shard.
    public var allProjects: [Project] {
        self.projects.withLock { Array($0.values) }
    }

    /// Which of `count` shards holds the project `name` (FNV-1a of its UTF-8 bytes).
    public static func index(ofProject name: String, shardCount count: Int) -> Int {
        Int(FNV1a.hash(name) % UInt64(count))
    }
}
