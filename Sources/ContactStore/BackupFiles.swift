import Glibc
import Synchronization

/// File steps of a backup: hard links where a file never changes, copies of a prefix where it
/// grows, each made durable.
enum BackupFiles {
    /// The backup folders this process is writing now.
    private static let inProgress = Mutex<Set<String>>([])

    /// Marks `path` as being written; false when it already is.
    static func claim(_ path: String) -> Bool {
        self.inProgress.withLock { $0.insert(path).inserted }
    }

    /// Ends ``claim(_:)``.
    static func release(_ path: String) {
        _ = self.inProgress.withLock { $0.remove(path) }
    }

    /// Size and modification time of `path`, or nil when it cannot be read.
    static func info(_ path: String) -> SnapshotFileInfo? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let time = Double(status.st_mtim.tv_sec) + Double(status.st_mtim.tv_nsec) / 1e9
        return SnapshotFileInfo(path: path, bytes: Int(status.st_size), writtenAt: time)
    }

    /// Hard-links `source` as `target`, or copies it when the file system cannot link; returns
    /// true when linked.
    static func linkOrCopy(_ source: String, to target: String) throws(StoreError) -> Bool {
        if link(source, target) == 0 { return true }
        let error = errno
        guard error == EXDEV || error == EPERM || error == EMLINK || error == ENOTSUP else {
            throw StoreError(.io, "cannot link \(source) as \(target): \(SystemError.describe(error))")
        }
        try self.copy(source, to: target, bytes: nil)
        return false
    }

    /// Copies the first `bytes` of `source` (all of it when nil) to the new file `target`
    /// (mode 0600) and fsyncs it; returns the bytes copied.
    @discardableResult
    static func copy(_ source: String, to target: String, bytes limit: Int?) throws(StoreError) -> Int {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw StoreError(.io, "\(source): cannot open: \(SystemError.describe(errno))") }
        defer { close(input) }
        let output = DataDirectory.createFile(path: target, flags: O_WRONLY | O_CREAT | O_EXCL)
        guard output >= 0 else { throw StoreError(.io, "\(target): cannot create: \(SystemError.describe(errno))") }
        defer { close(output) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var copied = 0
        while limit.map({ copied < $0 }) ?? true {
            let want = min(chunk.count, (limit ?? Int.max) - copied)
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, want) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError(.io, "\(source): cannot read: \(SystemError.describe(errno))")
            }
            if count == 0 { break }
            let failure = chunk.withUnsafeBytes {
                DataDirectory.writeAll(output, UnsafeRawBufferPointer(rebasing: $0[..<count]))
            }
            if let failure { throw StoreError(.io, "\(target): cannot write: \(SystemError.describe(failure))") }
            copied += count
        }
        guard fsync(output) == 0 else {
            throw StoreError(.io, "\(target): fsync failed: \(SystemError.describe(errno))")
        }
        return copied
    }

    /// Removes the folder `path` and the files in it (a backup left unfinished by a crash).
    static func removeUnfinished(_ path: String) throws(StoreError) {
        guard access(path, F_OK) == 0 else { return }
        for name in try DataDirectory.list(path) {
            if let failure = DataDirectory.remove(DataDirectory.path(path, name)) { throw StoreError(.io, failure) }
        }
        guard rmdir(path) == 0 else { throw StoreError(.io, "cannot remove \(path): \(SystemError.describe(errno))") }
    }
}
