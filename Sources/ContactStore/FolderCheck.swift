import ContactCore
import Glibc

/// `contactd check` (PROTOCOL.md section 12): verifies every snapshot and journal segment of a
/// data folder with the same decoders a start runs (``Recovery``), without changing anything,
/// and, with `repair`, cuts a damaged tail of a shard's last journal segment after copying the
/// cut bytes to a file beside it. Takes the folder's lock, so it refuses a folder a daemon holds.
public enum FolderCheck {
    /// What the check found in one file.
    public struct FileReport: Sendable {
        /// The file.
        public var path: String
        /// Its size in bytes.
        public var bytes: Int
        /// What it holds, in words.
        public var holds: String
        /// The first damage in it, in words (with its byte offset), or nil when it is sound.
        public var damage: String?
        /// Where the damage starts, when it is a tail that `--repair` may cut.
        public var cuttableAt: Int?

        /// The report of the file at `path` (its size read now).
        init(_ path: String, holds: String, damage: String? = nil) {
            self.path = path
            self.bytes = BackupFiles.info(path)?.bytes ?? 0
            self.holds = holds
            self.damage = damage
        }
    }

    /// The whole check.
    public struct Report: Sendable {
        /// One entry a data file, in shard and sequence order.
        public var files: [FileReport]
        /// What `repair` did, one line a repaired file.
        public var repairs: [String]
        /// True when every file is sound.
        public var isSound: Bool { self.files.allSatisfy { $0.damage == nil } }
    }

    /// Checks the data folder `directory` (which must exist); with `repair`, cuts the damaged tails
    /// it may cut and checks again. Throws when the folder is missing, held by a daemon, or unreadable.
    public static func run(directory: String, repair: Bool) throws(StoreError) -> Report {
        var status = stat()
        guard stat(directory, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw StoreError(.io, "\(directory): no such data folder")
        }
        let survey = try FolderSurvey.take(directory)
        defer { Glibc.close(survey.lockFD) }
        var report = Report(files: try self.check(survey), repairs: [])
        guard repair else { return report }
        for file in report.files {
            guard let offset = file.cuttableAt else { continue }
            report.repairs.append(try self.cut(file.path, at: offset, size: file.bytes))
        }
        if !report.repairs.isEmpty {
            try DataDirectory.syncDirectory(survey.directory)
            report.files = try self.check(survey)
        }
        return report
    }

    private static func check(_ survey: FolderSurvey) throws(StoreError) -> [FileReport] {
        guard let shards = survey.shardCount else { return [] }
        var reports: [FileReport] = []
        for shard in 0..<shards {
            let files = survey.files.filter { $0.shards == shards && $0.shard == shard }.sorted()
            reports += try self.check(shard: shard, shards: shards, files: files, directory: survey.directory)
        }
        let others = survey.files.filter { $0.shards != shards }
        for file in others.sorted() {
            let path = DataDirectory.path(survey.directory, file.name)
            reports.append(
                FileReport(
                    path,
                    holds:
                        "a file of another layout (\(file.shards) shards, the folder has \(shards)); a start removes it"
                )
            )
        }
        return reports
    }

    /// Loads the shard's newest snapshot, then it with each journal segment after it in turn, so
    /// that each file's figures and its first damage are its own.
    private static func check(
        shard: Int,
        shards: Int,
        files: [DataDirectory.FileName],
        directory: String
    ) throws(StoreError) -> [FileReport] {
        let snapshots = files.filter { $0.kind == .snapshot }
        let newest = snapshots.last
        var reports: [FileReport] = []
        for old in snapshots.dropLast() {
            let path = DataDirectory.path(directory, old.name)
            var report = FileReport(path, holds: "")
            do throws(StoreError) {
                let states = try SnapshotFile.read(path, name: old).states
                report.holds = "older snapshot (covered by a newer one): " + self.describe(states)
            } catch {
                report.holds = "older snapshot (covered by a newer one)"
                report.damage = error.message
            }
            reports.append(report)
        }
        let base = newest?.sequence ?? 1
        for old in files where old.kind == .journal && old.sequence < base {
            let path = DataDirectory.path(directory, old.name)
            reports.append(
                FileReport(
                    path,
                    holds:
                        "journal segment from record \(old.sequence), covered by the snapshot (removed at the next start)"
                )
            )
        }
        var previousLast = base - 1
        let live = files.filter { $0.kind == .journal && $0.sequence >= base }
        let chain = (newest.map { [$0] } ?? []) + live
        for (position, file) in chain.enumerated() {
            let path = DataDirectory.path(directory, file.name)
            var report = FileReport(path, holds: "")
            do throws(StoreError) {
                let loaded = Array(chain[...position])
                let shardState = try Recovery.load(shard: shard, shards: shards, files: loaded, directory: directory)
                let state = self.describe(shardState.states)
                if file.kind == .snapshot {
                    report.holds = "snapshot of records before \(file.sequence): \(state)"
                } else {
                    let last = shardState.lastSequence
                    let records = last >= file.sequence ? "records \(file.sequence) to \(last)" : "no records"
                    report.holds = "journal segment, \(records) (\(last - previousLast)); shard after it: \(state)"
                    previousLast = last
                    if let segment = shardState.segments.last, segment.validEnd < segment.size {
                        report.damage =
                            "torn tail: \(segment.size - segment.validEnd) bytes at byte \(segment.validEnd) "
                            + "hold no complete record (a start drops them)"
                        report.cuttableAt = file == live.last ? segment.validEnd : nil
                    }
                }
                reports.append(report)
            } catch {
                report.holds = file.kind == .snapshot ? "snapshot" : "journal segment from record \(file.sequence)"
                report.damage = error.message
                if file.kind == .journal, file == live.last {
                    report.cuttableAt = Self.damageOffset(error.message, path: path)
                }
                reports.append(report)
                // Later files cannot be checked against a damaged one.
                for later in chain[(position + 1)...] {
                    let laterPath = DataDirectory.path(directory, later.name)
                    reports.append(
                        FileReport(
                            laterPath,
                            holds: "journal segment from record \(later.sequence)",
                            damage: "not checked: it follows the damaged \(path)"
                        )
                    )
                }
                return reports
            }
        }
        return reports
    }

    private static func describe(_ states: [ProjectState]) -> String {
        let contacts = states.reduce(0) { $0 + $1.contacts.count }
        let keys = states.reduce(0) { $0 + $1.idempotency.count }
        return "\(states.count) projects, \(contacts) contacts, \(keys) idempotency keys"
    }

    /// The offset in Recovery's "PATH: damaged record at byte N (…)" message about `path`.
    private static func damageOffset(_ message: String, path: String) -> Int? {
        let prefix = "\(path): damaged record at byte "
        guard message.hasPrefix(prefix) else { return nil }
        return Int(message.dropFirst(prefix.count).prefix { $0.isNumber })
    }

    /// Copies bytes `offset..<size` of `path` to `path.cut-OFFSET`, syncs it, then truncates `path`.
    private static func cut(_ path: String, at offset: Int, size: Int) throws(StoreError) -> String {
        let beside = "\(path).cut-\(offset)"
        let input = open(path, O_RDWR | O_CLOEXEC)
        guard input >= 0 else { throw StoreError(.io, "\(path): cannot open: \(SystemError.describe(errno))") }
        defer { close(input) }
        var tail = [UInt8](repeating: 0, count: size - offset)
        let count = tail.withUnsafeMutableBytes { pread(input, $0.baseAddress, $0.count, off_t(offset)) }
        guard count == size - offset else {
            throw StoreError(.io, "\(path): cannot read the bytes to cut: \(SystemError.describe(errno))")
        }
        try DataDirectory.createPrivateFile(path: beside, contents: tail)
        guard ftruncate(input, off_t(offset)) == 0, fsync(input) == 0 else {
            throw StoreError(.io, "\(path): cannot cut at byte \(offset): \(SystemError.describe(errno))")
        }
        return "\(path): cut \(size - offset) bytes at byte \(offset); they are in \(beside)"
    }
}
