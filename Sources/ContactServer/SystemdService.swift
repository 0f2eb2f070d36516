public import ContactStore
public import ServiceLifecycle

/// Keeps systemd informed while the daemon runs: `STATUS=` lines with counts and, when
/// `WATCHDOG_USEC` asks for it, `WATCHDOG=1` pings.
public struct SystemdService: Service {
    private let status: @Sendable () async -> String
    private let statusInterval: Duration

    /// A service reporting on `store` and the open connections.
    public init(store: ContactStore, statusInterval: Duration = .seconds(5), connections: @escaping @Sendable () -> Int)
    {
        self.status = {
            let (projects, contacts) = await store.statistics()
            let degraded = store.shards.filter(\.isDegraded).map { String($0.index) }
            let note = degraded.isEmpty ? "" : ", degraded shards \(degraded.joined(separator: " "))"
            return "serving \(projects) projects, \(contacts) contacts, \(connections()) connections\(note)"
        }
        self.statusInterval = statusInterval
    }

    /// A service reporting the line `status` gives (a store without counts of its own).
    public init(statusInterval: Duration = .seconds(5), status: @escaping @Sendable () async -> String) {
        self.status = status
        self.statusInterval = statusInterval
    }

    /// Sends status and watchdog pings until graceful shutdown.
    public func run() async throws {
        let watchdog = Systemd.watchdogInterval()
        let status = self.status
        let statusInterval = self.statusInterval
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let watchdog {
                    group.addTask {
                        while !Task.isCancelled {
                            Systemd.notify("WATCHDOG=1")
                            try? await Task.sleep(for: watchdog)
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        Systemd.notify("STATUS=\(await status())")
                        try? await Task.sleep(for: statusInterval)
                    }
                }
            }
        }
    }
}
