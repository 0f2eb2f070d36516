import Histogram
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures what one durable append costs on a folder's file system: append 4 KiB to a fresh
/// file, then `fdatasync` it (the size changes, as a journal's does), `count` times or for at
/// most `maxSeconds`.
struct FsyncProbe: Encodable {
    var folder: String
    var appendBytes: Int
    var syncs: Int
    var p50Micros: UInt64
    var p90Micros: UInt64
    var p99Micros: UInt64
    var maxMicros: UInt64
    var meanMicros: Double
    var syncsPerSecond: Double

    static func run(folder: String, count: Int, maxSeconds: Double) throws -> FsyncProbe {
        let path = folder + "/fsync-probe.\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
        guard fd >= 0 else { throw BenchFailure("cannot create \(path): errno \(errno)") }
        defer {
            close(fd)
            unlink(path)
        }
        let block = [UInt8](repeating: 0x6A, count: 4096)
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000)
        let started = NIODeadline.now().uptimeNanoseconds
        let stopAt = started + UInt64(maxSeconds * 1e9)
        var syncs = 0
        while syncs < count {
            let before = NIODeadline.now().uptimeNanoseconds
            if before >= stopAt, syncs > 0 { break }
            let written = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == block.count else { throw BenchFailure("write to \(path) failed: errno \(errno)") }
            guard fdatasync(fd) == 0 else { throw BenchFailure("fdatasync of \(path) failed: errno \(errno)") }
            let after = NIODeadline.now().uptimeNanoseconds
            _ = histogram.record(Swift.max((after - before) / 1000, 1))
            syncs += 1
        }
        let total = Double(NIODeadline.now().uptimeNanoseconds - started) / 1e9
        return FsyncProbe(
            folder: folder,
            appendBytes: block.count,
            syncs: syncs,
            p50Micros: histogram.valueAtPercentile(50),
            p90Micros: histogram.valueAtPercentile(90),
            p99Micros: histogram.valueAtPercentile(99),
            maxMicros: histogram.max,
            meanMicros: histogram.mean,
            syncsPerSecond: total > 0 ? Double(syncs) / total : 0
        )
    }

    var text: String {
        "fsync probe in \(self.folder): \(self.syncs) x (append \(self.appendBytes) B + fdatasync): "
            + "p50 \(self.p50Micros) us  p90 \(self.p90Micros) us  p99 \(self.p99Micros) us  max \(self.maxMicros) us, "
            + "\(Int(self.syncsPerSecond.rounded())) syncs/s"
    }
}
