extension Daemon {
    /// Starts the daemon on the PostgreSQL database `url` (`--store`), with `--store-wait 1` so
    /// that an unreachable database answers quickly.
    package static func start(store url: String, _ arguments: [String] = []) async throws -> Daemon {
        try await Daemon.start(["--store", url, "--store-wait", "1", "--store-pool", "4"] + arguments)
    }
}
