import ContactCore
import ContactServer
import ContactStore

#if canImport(Glibc)
import Glibc
#endif

/// Start-up steps that touch files: the keys file and its first-start default.
enum DaemonSetup {
    /// The key ring from `explicitPath`, or from `DATA/keys.json`, created with one random key for
    /// project `default` (mode 0600, fsynced with its folder; the folder made 0700) when missing.
    /// Returns the ring and the file's path (which SIGHUP re-reads).
    static func loadKeys(explicitPath: String?, dataDirectory: String) throws -> (KeyRing, path: String) {
        if let explicitPath {
            do {
                return (try KeyRing.load(path: explicitPath), explicitPath)
            } catch {
                throw StartFailure(error.description)
            }
        }
        do {
            try DataDirectory.createDirectory(dataDirectory)
        } catch {
            throw StartFailure(error.description)
        }
        let path = dataDirectory + "/keys.json"
        if access(path, F_OK) != 0 {
            var generator = SystemRandomNumberGenerator()
            let key = "dev-" + SHA256.hex((0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) })
            let text = "{\"\(key)\": \"default\"}\n"
            do {
                // Mode 0600 whatever the umask, fsynced together with the folder.
                try DataDirectory.createPrivateFile(path: path, contents: Array(text.utf8))
                FileDescriptorOutput.standardError.write(
                    "contactd: created \(path) with a new API key for project \"default\"\n"
                )
            } catch {
                throw StartFailure("cannot create the keys file: \(error.description)")
            }
        }
        do {
            return (try KeyRing.load(path: path), path)
        } catch {
            throw StartFailure(error.description)
        }
    }

    /// The glibc tunables the daemon runs with unless `GLIBC_TUNABLES` is set: a per-thread cache
    /// of up to 128 freed chunks per size (glibc's default is 7). A batch frees and allocates
    /// dozens of profiles of one size; with 7 most of them went through the arena's bins. Not
    /// more: freed chunks of sizes no longer asked for (profiles that grow) stay in the cache,
    /// up to 128 of each size per thread, about 4 MiB (4096 held 180 MiB more in a soak).
    static let allocatorTunables = "glibc.malloc.tcache_count=128"

    /// Runs the daemon again, in place (same process id, descriptors and arguments), with
    /// ``allocatorTunables``, which glibc reads only when a process starts. Does nothing when
    /// `GLIBC_TUNABLES` is already set (by the operator, or by this step) or when the
    /// executable cannot be run again.
    static func applyAllocatorTunables() {
        guard getenv("GLIBC_TUNABLES") == nil else { return }
        guard setenv("GLIBC_TUNABLES", Self.allocatorTunables, 1) == 0 else { return }
        let arguments = CommandLine.arguments.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        _ = execv("/proc/self/exe", arguments)
        // Still here: the executable could not be run again; go on with glibc's defaults.
        unsetenv("GLIBC_TUNABLES")
    }

    /// Makes glibc's malloc serve every allocation of 256 KiB or more with its own mapping and
    /// return it to the system when freed (a fixed threshold turns off glibc's raising it after
    /// each large free), so the memory of a large request or response is given back once handled
    /// (PROTOCOL.md section 1) instead of staying in a per-thread arena.
    static func returnLargeAllocations() {
        // `mallopt` is not in Swift's Glibc module: look it up (RTLD_DEFAULT is a null handle).
        guard let symbol = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (CInt, CInt) -> CInt
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: CInt = -1  // M_TRIM_THRESHOLD
        let mmapThreshold: CInt = -3  // M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 256 << 10)
        _ = mallopt(trimThreshold, 1 << 20)
    }

    /// Raises the soft limit on open files to the hard limit, so that `--max-connections`
    /// connections (plus journals and snapshots) fit when the daemon is started by hand with the
    /// usual soft limit of 1024.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
