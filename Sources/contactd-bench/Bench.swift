import ArgumentParser
import Foundation
import NIOCore
import SeededRandom

/// contactd-bench: a load generator for contactd and, for comparison, Redis.
@main
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contactd-bench",
        abstract:
            "Upserts seed-shaped contacts into contactd (or the same data into Redis) and measures throughput and batch latency.",
        discussion: """
            Exit status: 0 when every request succeeded, 1 when the run could not be made, 2 when it ran \
            and counted errors (non-200 replies, failed entries, Redis errors or unanswered requests).
            """
    )

    @Option(name: .customLong("contactd"), help: ArgumentHelp("contactd's Unix socket.", valueName: "socket"))
    var contactdSocket: String?

    @Option(help: "API key for contactd.")
    var apiKey: String?

    @Option(name: .customLong("redis"), help: ArgumentHelp("Redis's Unix socket.", valueName: "socket"))
    var redisSocket: String?

    @Option(help: "Connections.")
    var connections: Int = 1

    @Option(help: "Requests in flight per connection.")
    var pipeline: Int = 1

    @Option(help: "Contacts per request (Redis: per pipelined batch of commands).")
    var batch: Int = 50

    @Option(help: "Size of the id space; ids are drawn uniformly from it.")
    var ids: Int = 100_000

    @Option(help: "Seed of the id generator.")
    var seed: UInt64 = 1

    @Option(help: "Seconds to measure (default 10 unless --requests or --load).")
    var duration: Double?

    @Option(help: "Requests to send in all (instead of --duration).")
    var requests: Int?

    @Option(help: "Seconds of load before the measurement window (with --duration).")
    var warmup: Double = 0

    @Option(help: "What each contact gets: seed ($set+$push+$inc), set or inc.")
    var mix: Mix = .seed

    @Option(
        help:
            "Percent of requests (0-100) that read instead of write: a batch of --read-batch ids, one contacts.get each (Redis: HGETALL profile:<id>), pipelined."
    )
    var reads: Int = 0

    @Option(help: "Ids per read batch (default: --batch).")
    var readBatch: Int?

    @Flag(
        help: "Before the run, insert every id of the id space once (as --load does, not measured), so reads find them."
    )
    var preload = false

    @Option(
        help: "Also report write throughput and the slowest batch for each slice of this many seconds of the window."
    )
    var interval: Double?

    @Option(help: "Insert this many distinct seed contacts (ids u0…uN-1) as fast as possible, then stop.")
    var load: Int?

    @Option(help: "Event loop threads driving the connections (default: half the cores, at most --connections).")
    var threads: Int?

    @Option(help: "Seconds without a reply after which a connection gives up.")
    var stallTimeout: Double = 30

    @Option(
        help: ArgumentHelp(
            "Measure append+fdatasync latency in this folder instead of running load.",
            valueName: "folder"
        )
    )
    var fsyncProbe: String?

    @Option(help: "How many syncs the fsync probe makes (it stops after 5 seconds anyway).")
    var probeCount: Int = 200

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        if self.fsyncProbe != nil {
            guard self.probeCount >= 1 else { throw ValidationError("--probe-count must be at least 1") }
            return
        }
        guard (self.contactdSocket == nil) != (self.redisSocket == nil) else {
            throw ValidationError("give exactly one target: --contactd SOCKET --api-key K, or --redis SOCKET")
        }
        if self.contactdSocket != nil, self.apiKey == nil {
            throw ValidationError("--contactd needs --api-key")
        }
        guard self.connections >= 1 else { throw ValidationError("--connections must be at least 1") }
        guard self.pipeline >= 1 else { throw ValidationError("--pipeline must be at least 1") }
        guard self.batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard self.ids >= 1 else { throw ValidationError("--ids must be at least 1") }
        guard self.warmup >= 0, self.stallTimeout > 0 else {
            throw ValidationError("--warmup must not be negative and --stall-timeout must be positive")
        }
        if let threads = self.threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        let counted = [self.duration != nil, self.requests != nil, self.load != nil].filter { $0 }.count
        guard counted <= 1 else { throw ValidationError("give at most one of --duration, --requests, --load") }
        if let duration = self.duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        if let requests = self.requests, requests < 1 { throw ValidationError("--requests must be at least 1") }
        if let load = self.load, load < 1 { throw ValidationError("--load must be at least 1") }
        guard (0...100).contains(self.reads) else { throw ValidationError("--reads must be a percent, 0 to 100") }
        if let interval = self.interval, interval <= 0 { throw ValidationError("--interval must be positive") }
        if let readBatch = self.readBatch, readBatch < 1 { throw ValidationError("--read-batch must be at least 1") }
        if self.load != nil, self.reads > 0 || self.preload {
            throw ValidationError("--load inserts only: it takes neither --reads nor --preload")
        }
    }

    func run() throws {
        do {
            if let folder = self.fsyncProbe {
                let probe = try FsyncProbe.run(folder: folder, count: self.probeCount, maxSeconds: 5)
                print(self.json ? try Self.jsonLine(probe) : probe.text)
                return
            }
            var report: BenchReport
            if let socket = self.contactdSocket, let key = self.apiKey {
                report = try self.run(
                    codec: ContactdCodec(apiKey: key, mix: self.mix),
                    socket: socket,
                    target: "contactd"
                )
            } else if let socket = self.redisSocket {
                report = try self.run(codec: RedisCodec(mix: self.mix), socket: socket, target: "redis")
            } else {
                throw BenchFailure("no target")
            }
            report.benchCPUSeconds = ProcessCPU.seconds
            print(self.json ? try Self.jsonLine(report) : report.text)
            if report.errors > 0 { throw ExitCode(2) }
        } catch let failure as BenchFailure {
            FileHandle.standardError.write(Data("contactd-bench: \(failure.description)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The preload (when asked for), then the measured run.
    private func run<Codec: BenchCodec>(codec: Codec, socket: String, target: String) throws -> BenchReport {
        var preloaded: Int?
        if self.preload {
            var loader = self
            loader.load = self.ids
            loader.reads = 0
            loader.connections = Swift.min(self.connections, 4)
            loader.pipeline = 4
            loader.duration = nil
            loader.requests = nil
            loader.interval = nil
            let loaded = try loader.runLoad(codec: codec, socket: socket, target: target)
            guard loaded.errors == 0, loaded.failures.isEmpty else {
                throw BenchFailure(
                    "the preload of \(self.ids) contacts failed: \(loaded.errors) error(s) \(loaded.failures)"
                )
            }
            preloaded = loaded.totalContacts
        }
        var report = try self.runLoad(codec: codec, socket: socket, target: target)
        report.preloaded = preloaded
        return report
    }

    private func runLoad<Codec: BenchCodec>(codec: Codec, socket: String, target: String) throws -> BenchReport {
        let threads = self.threads ?? Swift.min(self.connections, Swift.max(1, System.coreCount / 2))
        var plans: [ConnectionPlan] = []
        let mode: String
        let idSpace: Int
        let mix: Mix
        // Track touched ids while the bitsets stay small (32 MiB in all).
        let tracked = self.load == nil && self.ids * self.connections <= 1 << 28 ? self.ids : 0
        for index in 0..<self.connections {
            let source: IDSource
            var quota: Int?
            if let load = self.load {
                let lower = load * index / self.connections
                let upper = load * (index + 1) / self.connections
                source = .range(lower..<upper)
            } else {
                source = .random(seed: self.seed &+ UInt64(index) &* 0xD1B5_4A32_D192_ED03, space: self.ids)
                if let requests = self.requests {
                    quota = requests / self.connections + (index < requests % self.connections ? 1 : 0)
                }
            }
            plans.append(
                ConnectionPlan(
                    batch: self.batch,
                    pipeline: self.pipeline,
                    ids: source,
                    quota: quota,
                    trackedIDSpace: tracked,
                    stallTimeoutNanoseconds: UInt64(self.stallTimeout * 1e9),
                    readPercent: self.load == nil ? self.reads : 0,
                    readBatch: self.readBatch ?? self.batch,
                    readChooser: SplitMix64(seed: ~(self.seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)),
                    intervalNanoseconds: self.interval.map { UInt64($0 * 1e9) } ?? 0
                )
            )
        }
        let duration: Double?
        if let load = self.load {
            mode = "load \(load)"
            idSpace = load
            mix = .seed
            duration = nil
        } else if let requests = self.requests {
            mode = "\(requests) requests"
            idSpace = self.ids
            mix = self.mix
            duration = nil
        } else {
            let seconds = self.duration ?? 10
            duration = seconds
            mode = "\(seconds) s" + (self.warmup > 0 ? " after \(self.warmup) s warm-up" : "")
            idSpace = self.ids
            mix = self.mix
        }
        let runner = LoadRunner(
            codec: codec,
            socketPath: socket,
            plans: plans,
            threads: threads,
            warmup: duration == nil ? 0 : self.warmup,
            duration: duration
        )
        let (reports, timing) = try runner.run()
        return BenchReport(
            target: target,
            mode: mode,
            mix: mix,
            plans: plans,
            threads: threads,
            idSpace: idSpace,
            reports: reports,
            timing: timing
        )
    }

    private static func jsonLine(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
