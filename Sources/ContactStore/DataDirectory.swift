public import Glibc

/// The files of a data folder (layout in BinaryCodec.swift and docs/STORAGE.md) and the system
/// calls that manage them. Everything here blocks: call it from a dedicated thread or while
/// opening the store.
///
/// The folder and every file created in it are private (PROTOCOL.md section 8): the folder is
/// created with mode 0700 and every file through ``createFile(path:flags:)`` with 0600, whatever
/// the umask.
public enum DataDirectory {
    /// The permission bits of the data folder (and of the missing parents created with it).
    public static let folderMode: mode_t = 0o700
    /// The permission bits of every file the daemon creates in the data folder.
    public static let fileMode: mode_t = 0o600

    /// The name of the lock file.
    static let lockName = "LOCK"
    /// The name of the file that names the current shard count.
    static let layoutName = "LAYOUT"
    /// The suffix of unfinished files.
    static let temporarySuffix = ".tmp"

    /// What a data file holds.
    enum Kind: String {
        case journal
        case snapshot
    }

    /// A journal segment or snapshot, as its name describes it.
    struct FileName: Hashable, Comparable {
        var kind: Kind
        var shards: Int
        var shard: Int
        var sequence: UInt64

        /// `kind.C.I.SSSSSSSSSSSSSSSS`.
        var name: String {
            var hex = String(self.sequence, radix: 16)
            hex = String(repeating: "0", count: 16 - hex.utf8.count) + hex
            return "\(self.kind.rawValue).\(self.shards).\(self.shard).\(hex)"
        }

        /// Parses a name made by ``name``; nil for any other file.
        init?(parsing name: String) {
            let parts = name.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, let kind = Kind(rawValue: String(parts[0])),
                let shards = Int(parts[1]), shards > 0, let shard = Int(parts[2]), shard >= 0, shard < shards,
                parts[3].utf8.count == 16, let sequence = UInt64(parts[3], radix: 16)
            else { return nil }
            self.init(kind: kind, shards: shards, shard: shard, sequence: sequence)
            guard self.name == name else { return nil }
        }

        init(kind: Kind, shards: Int, shard: Int, sequence: UInt64) {
            self.kind = kind
            self.shards = shards
            self.shard = shard
            self.sequence = sequence
        }

        static func < (lhs: FileName, rhs: FileName) -> Bool {
            (lhs.shards, lhs.shard, lhs.kind.rawValue, lhs.sequence) < (
                rhs.shards, rhs.shard, rhs.kind.rawValue, rhs.sequence
            )
        }
    }

    /// `directory/name`.
    static func path(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    // MARK: - Folder

    /// Creates `directory` and its missing parents with mode 0700, whatever the umask (an existing
    /// folder keeps its mode).
    public static func createDirectory(_ directory: String) throws(StoreError) {
        var prefix = directory.hasPrefix("/") ? "/" : ""
        for component in directory.split(separator: "/") {
            prefix += component
            if mkdir(prefix, self.folderMode) == 0 {
                // The umask may have taken bits away (or mkdir honoured a default ACL): set them.
                guard chmod(prefix, self.folderMode) == 0 else {
                    throw StoreError(
                        .io,
                        "\(prefix): cannot set the data folder's mode: \(SystemError.describe(errno))"
                    )
                }
            } else if errno != EEXIST {
                throw StoreError(.io, "\(prefix): cannot create the data folder: \(SystemError.describe(errno))")
            }
            prefix += "/"
        }
        var info = stat()
        guard stat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw StoreError(.io, "\(directory): the data folder is not a directory")
        }
    }

    /// Opens `path` with `flags` (`O_CLOEXEC` added) the way every file in the data folder is
    /// created: with mode 0600, set again with `fchmod` so that neither the umask nor an older
    /// file's mode leaves it readable by others. Returns the descriptor, or -1 with `errno` set.
    public static func createFile(path: String, flags: Int32) -> Int32 {
        let fd = open(path, flags | O_CLOEXEC, self.fileMode)
        guard fd >= 0 else { return -1 }
        if fchmod(fd, self.fileMode) != 0 {
            let error = errno
            close(fd)
            errno = error
            return -1
        }
        return fd
    }

    /// Creates the new file `path` (failing when it exists) holding `contents`, private (see
    /// ``createFile(path:flags:)``), fsynced together with its folder.
    public static func createPrivateFile(path: String, contents: [UInt8]) throws(StoreError) {
        let fd = self.createFile(path: path, flags: O_WRONLY | O_CREAT | O_EXCL)
        guard fd >= 0 else { throw StoreError(.io, "\(path): cannot create: \(SystemError.describe(errno))") }
        let failure = contents.withUnsafeBytes { self.writeAll(fd, $0) } ?? (fsync(fd) == 0 ? nil : errno)
        close(fd)
        if let failure {
            self.remove(path)
            throw StoreError(.io, "\(path): cannot write: \(SystemError.describe(failure))")
        }
        var folder = path
        if let slash = folder.utf8.lastIndex(of: UInt8(ascii: "/")) {
            folder = slash == folder.utf8.startIndex ? "/" : String(folder[..<slash])
        } else {
            folder = "."
        }
        try self.syncDirectory(folder)
    }

    /// Takes the folder's lock; the returned descriptor holds it until closed.
    static func lock(_ directory: String) throws(StoreError) -> Int32 {
        let path = self.path(directory, self.lockName)
        let fd = self.createFile(path: path, flags: O_RDWR | O_CREAT)
        guard fd >= 0 else {
            throw StoreError(.io, "\(path): cannot open the lock file: \(SystemError.describe(errno))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK {
                throw StoreError(
                    .alreadyRunning,
                    "\(directory): data folder is locked: another contactd is already running on it"
                )
            }
            throw StoreError(.io, "\(path): cannot lock the data folder: \(SystemError.describe(error))")
        }
        return fd
    }

    /// The names of the folder's entries, without `.` and `..`.
    static func list(_ directory: String) throws(StoreError) -> [String] {
        guard let handle = opendir(directory) else {
            throw StoreError(.io, "\(directory): cannot list the data folder: \(SystemError.describe(errno))")
        }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// fsyncs the folder itself, so renames, creations and removals in it are durable.
    public static func syncDirectory(_ directory: String) throws(StoreError) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw StoreError(.io, "\(directory): cannot open the data folder: \(SystemError.describe(errno))")
        }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            throw StoreError(.io, "\(directory): fsync of the data folder failed: \(SystemError.describe(errno))")
        }
    }

    /// Removes `path`; a missing file is fine. Returns why another failure happened, for the
    /// caller to log (a leftover file is removed again on the next start).
    @discardableResult
    static func remove(_ path: String) -> String? {
        guard unlink(path) != 0 && errno != ENOENT else { return nil }
        return "cannot remove \(path): \(SystemError.describe(errno))"
    }

    // MARK: - Files

    /// Writes all of `bytes` to `fd`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// Writes `contents` to `name` through a temporary file, fsync and rename, then fsyncs the
    /// folder: the file is either the old one or complete.
    static func writeAtomically(_ directory: String, name: String, contents: [UInt8]) throws(StoreError) {
        let path = self.path(directory, name)
        let temporary = path + self.temporarySuffix
        let fd = self.createFile(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC)
        guard fd >= 0 else { throw StoreError(.io, "\(temporary): cannot create: \(SystemError.describe(errno))") }
        let failure = contents.withUnsafeBytes { self.writeAll(fd, $0) } ?? (fsync(fd) == 0 ? nil : errno)
        close(fd)
        if let failure {
            self.remove(temporary)
            throw StoreError(.io, "\(temporary): cannot write: \(SystemError.describe(failure))")
        }
        guard rename(temporary, path) == 0 else {
            let error = errno
            self.remove(temporary)
            throw StoreError(.io, "\(path): cannot rename into place: \(SystemError.describe(error))")
        }
        try self.syncDirectory(directory)
    }

    /// The whole content of a small file, or nil when it does not exist.
    static func readSmallFile(_ path: String) throws(StoreError) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw StoreError(.io, "\(path): cannot open: \(SystemError.describe(errno))")
        }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw StoreError(.io, "\(path): cannot read: \(SystemError.describe(errno))")
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
        }
    }

    /// Calls `body` with the file's bytes mapped read-only (an empty buffer for an empty file).
    static func withMappedFile<T>(
        _ path: String,
        _ body: (UnsafeRawBufferPointer) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(.io, "\(path): cannot open: \(SystemError.describe(errno))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw StoreError(.io, "\(path): cannot stat: \(SystemError.describe(errno))")
        }
        let size = Int(info.st_size)
        guard size > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        guard let address = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), address != MAP_FAILED else {
            throw StoreError(.io, "\(path): cannot map: \(SystemError.describe(errno))")
        }
        defer { munmap(address, size) }
        _ = madvise(address, size, MADV_SEQUENTIAL)
        return try body(UnsafeRawBufferPointer(start: address, count: size))
    }

    // MARK: - Layout

    /// The shard count named by the folder's LAYOUT file, or nil when there is none.
    static func readLayout(_ directory: String) throws(StoreError) -> Int? {
        let path = self.path(directory, self.layoutName)
        guard let contents = try self.readSmallFile(path) else { return nil }
        let lines = String(decoding: contents, as: UTF8.self).split(separator: "\n")
        guard lines.count == 2, lines[0] == "contactd-data 1", lines[1].hasPrefix("shards "),
            let count = Int(lines[1].dropFirst("shards ".count)), count > 0
        else {
            throw StoreError(.damaged, "\(path): damaged layout file at byte 0")
        }
        return count
    }

    /// Names `shards` as the folder's layout, durably.
    static func writeLayout(_ directory: String, shards: Int) throws(StoreError) {
        try self.writeAtomically(
            directory,
            name: self.layoutName,
            contents: Array("contactd-data 1\nshards \(shards)\n".utf8)
        )
    }
}
