import ArgumentParser
import ContactCore
import ContactPostgres
import ContactServer
import ContactStore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// The contactd daemon: flags and wiring.
@main
struct Contactd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contactd",
        abstract: "Stores the contacts of many projects and serves the Notifuse Contacts API on a Unix socket.",
        subcommands: [CheckCommand.self]
    )

    @Option(help: "Unix socket to bind when not socket-activated.")
    var socket: String?

    @Option(help: "Data folder (journal, snapshots, default keys file); created when missing.")
    var data: String?

    @Option(help: "Keys file: a JSON object from API key to project (default DATA/keys.json, created on first start).")
    var keys: String?

    @Option(help: "When acknowledged writes are fsynced: always, everysec or no.")
    var fsync: String = "always"

    @Option(help: "Seconds between snapshots.")
    var snapshotInterval: Int = 60

    @Option(help: "Number of store shards (default: the number of cores).")
    var shards: Int?

    @Option(help: "Most entries in contacts, ids or messages.")
    var maxBatch: Int = 50

    @Option(help: "Longest request line in bytes.")
    var maxLineBytes: Int = 1 << 20

    @Option(help: "Largest profile in bytes of compact JSON.")
    var maxProfileBytes: Int = 64 << 10

    @Option(help: "Permission bits of the socket file, octal.")
    var socketMode: String = "0660"

    @Option(help: "Most concurrent connections.")
    var maxConnections: Int = 1024

    @Option(help: "Keep the contacts in PostgreSQL instead of DATA: a postgresql:// URL (libpq rules).")
    var store: String?

    @Option(help: "With --store: most connections to PostgreSQL.")
    var storePool: Int = 10

    @Option(help: "With --store: seconds a request waits for a PostgreSQL connection before it gets 503.")
    var storeWait: Int = 5

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(help: "Folder that admin.backup writes backups into (admin.backup is refused without it).")
    var backupDir: String?

    @Option(help: "Unix socket serving Prometheus metrics to GET /metrics (mode 0660).")
    var metrics: String?

    @Option(help: "HOST:PORT serving Prometheus metrics to GET /metrics over TCP.")
    var metricsListen: String?

    /// Parses the flags and runs; on a bad flag, prints the usage and then the reason as the last
    /// line on standard error (PROTOCOL.md section 10).
    static func main() async {
        do {
            let arguments = Array(CommandLine.arguments.dropFirst())
            // `check` has its own --data: parsed on its own so the daemon's --data does not take it.
            var command: any ParsableCommand =
                arguments.first == CheckCommand.configuration.commandName
                ? try CheckCommand.parseAsRoot(Array(arguments.dropFirst())) : try Self.parseAsRoot(arguments)
            if let daemon = command as? Contactd {
                DaemonSetup.applyAllocatorTunables()
                try await daemon.run()
            } else {
                try command.run()
            }
        } catch {
            let code = Self.exitCode(for: error)
            if code == .success {
                print(Self.fullMessage(for: error))
            } else if !(error is ExitCode) {
                FileDescriptorOutput.standardError.write(
                    "usage: see 'contactd --help'\ncontactd: \(Self.message(for: error))\n"
                )
            }
            Self.exit(withError: code == .success ? nil : ExitCode(code.rawValue))
        }
    }

    func run() async throws {
        do {
            try await self.serve()
        } catch let failure as StartFailure {
            FileDescriptorOutput.standardError.write("contactd: \(failure.message)\n")
            throw ExitCode(1)
        }
    }

    private func serve() async throws {
        guard let data = self.data else { throw StartFailure("--data DIR is required") }
        guard let level = Logger.Level(rawValue: self.logLevel) else {
            throw StartFailure(
                "--log-level \(self.logLevel) is not one of trace, debug, info, notice, warning, error, critical"
            )
        }
        guard let mode = ListeningSocket.parseMode(self.socketMode) else {
            throw StartFailure("--socket-mode \(self.socketMode) is not an octal mode like 0660")
        }
        guard let fsyncMode = FsyncMode(rawValue: self.fsync) else {
            throw StartFailure("--fsync \(self.fsync) is not one of always, everysec, no")
        }
        let shardCount = self.shards ?? System.coreCount
        try Self.require(shardCount >= 1 && shardCount <= 1024, "--shards must be from 1 to 1024")
        try Self.require(self.maxBatch >= 1, "--max-batch must be at least 1")
        try Self.require(self.maxLineBytes >= 64, "--max-line-bytes must be at least 64")
        try Self.require(self.maxProfileBytes >= 16, "--max-profile-bytes must be at least 16")
        try Self.require(self.snapshotInterval >= 1, "--snapshot-interval must be at least 1 second")
        try Self.require(self.maxConnections >= 1, "--max-connections must be at least 1")
        try Self.require(self.storePool >= 1 && self.storePool <= 1000, "--store-pool must be from 1 to 1000")
        try Self.require(self.storeWait >= 1, "--store-wait must be at least 1 second")
        var storeURL: PostgresURL?
        if let store = self.store {
            do {
                storeURL = try PostgresURL(store)
            } catch {
                throw StartFailure("--store: \(error.description)")
            }
        }

        var metricsEndpoints: [MetricsServer.Endpoint] = []
        if let path = self.metrics { metricsEndpoints.append(.unix(path: path, mode: 0o660)) }
        if let listen = self.metricsListen {
            guard let endpoint = MetricsServer.parseListen(listen) else {
                throw StartFailure("--metrics-listen \(listen) is not HOST:PORT (like 127.0.0.1:9464 or [::1]:9464)")
            }
            metricsEndpoints.append(endpoint)
        }
        if let backupDir = self.backupDir {
            do {
                try DataDirectory.createDirectory(backupDir)
            } catch {
                throw StartFailure("--backup-dir: \(error.message)")
            }
        }

        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        let logger = Logger(label: "contactd")
        // Before anything records a metric: the request counters are made below.
        let registry = metricsEndpoints.isEmpty ? nil : MetricsExporter.bootstrap()
        let hangups = await UnixSignalsSequence(trapping: .sighup)

        DaemonSetup.raiseOpenFileLimit()
        DaemonSetup.returnLargeAllocations()
        let (keyRing, keysPath) = try DaemonSetup.loadKeys(explicitPath: self.keys, dataDirectory: data)
        let liveKeys = LiveKeys(keyRing)
        let source: ListeningSocket.Source
        do {
            if let inherited = try Systemd.inheritedSocket() {
                source = .inherited(inherited)
                if self.socket != nil { logger.notice("socket-activated: ignoring --socket") }
            } else {
                guard let path = self.socket else {
                    throw StartFailure("--socket PATH is required when not socket-activated")
                }
                source = .path(path, mode: mode)
            }
        } catch let error as Systemd.ActivationError {
            throw StartFailure(error.description)
        }
        let backend: StoreBackend
        do {
            if let storeURL {
                backend = .postgres(
                    try await PostgresStore.open(
                        url: storeURL,
                        poolSize: self.storePool,
                        connectionWait: .seconds(self.storeWait),
                        logger: Logger(label: "contactd.postgres")
                    )
                )
                logger.info("contacts kept in PostgreSQL at \(storeURL.redacted)")
            } else {
                backend = .embedded(
                    try await ContactStore.open(
                        directory: data,
                        shardCount: shardCount,
                        fsync: fsyncMode,
                        snapshotInterval: .seconds(self.snapshotInterval),
                        logger: Logger(label: "contactd.storage")
                    )
                )
            }
        } catch {
            throw StartFailure("\(error)")
        }

        let limits = ProtocolLimits(
            maxBatch: self.maxBatch,
            maxLineBytes: self.maxLineBytes,
            maxProfileBytes: self.maxProfileBytes
        )
        let requestMetrics = RequestMetrics()
        let dispatcher = Dispatcher(
            store: backend.requestStore,
            keys: liveKeys,
            limits: limits,
            ids: ContactIDGenerator(),
            logger: logger,
            metrics: requestMetrics,
            admin: AdminMethods(
                store: backend.administeredStore,
                metrics: requestMetrics,
                backupDirectory: self.backupDir,
                logger: logger
            )
        )
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = ContactServer(
            socket: source,
            dispatcher: dispatcher,
            configuration: ServerConfiguration(limits: limits, maxConnections: self.maxConnections),
            group: group,
            logger: logger,
            onReady: {
                logger.info("ready")
                Systemd.notify("READY=1")
            }
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = backend.services(server: server).map {
            .init(service: $0)
        }
        services.append(
            .init(service: KeyReloadService(hangups: hangups, path: keysPath, keys: liveKeys, logger: logger))
        )
        if let registry {
            let exporter = MetricsExporter(
                registry: registry,
                store: backend.administeredStore,
                metrics: requestMetrics
            )
            services.append(
                .init(
                    service: MetricsServer(
                        endpoints: metricsEndpoints,
                        exporter: exporter,
                        group: group,
                        logger: logger
                    )
                )
            )
        }
        let serviceGroup = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        var failure: (any Error)?
        do {
            try await serviceGroup.run()
        } catch {
            failure = error
        }
        Systemd.notify("STOPPING=1")
        if case .embedded(let store) = backend {
            do {
                try await store.close()
            } catch {
                throw StartFailure("final snapshot failed: \(error)")
            }
        }
        try? await group.shutdownGracefully()
        if let setup = failure as? ListeningSocket.SetupError { throw StartFailure(setup.description) }
        if let failure { throw StartFailure("stopped on error: \(failure)") }
        logger.info("stopped cleanly")
    }

    private static func require(_ condition: Bool, _ message: String) throws {
        if !condition { throw StartFailure(message) }
    }
}
