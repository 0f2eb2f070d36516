import Glibc

/// Runs blocking work (journal writes, fsync, snapshot files, recovery) on threads of its own, so
/// the Swift concurrency pool never waits for the disk.
enum DedicatedThread {
    /// Starts a detached thread running `body`; `name` says what it is for, in `top -H`, `ps -L`,
    /// `perf` and crash reports (Linux keeps the first 15 bytes).
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread,
            nil,
            { raw in
                let box = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
                ThreadBody.nameCurrentThread(box.name)
                box.body()
                return nil
            },
            box
        )
        guard status == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(box).release()
            fatalError("pthread_create failed: \(SystemError.describe(status))")
        }
        pthread_detach(thread)
    }

    /// Runs `body` on a new thread and returns its result without blocking the caller's thread.
    static func run<T: Sendable>(
        name: String,
        _ body: @escaping @Sendable () throws(StoreError) -> T
    ) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            self.start(name: name) {
                continuation.resume(returning: Result { () throws(StoreError) -> T in try body() })
            }
        }
        return try result.get()
    }
}

/// What a new thread runs; passed through `pthread_create`'s context pointer.
private final class ThreadBody: Sendable {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }

    /// Names the calling thread `name`, cut to the kernel's 15 bytes at a character boundary.
    static func nameCurrentThread(_ name: String) {
        var fitted = ""
        for scalar in name.unicodeScalars {
            guard fitted.utf8.count + scalar.utf8.count <= 15 else { break }
            fitted.unicodeScalars.append(scalar)
        }
        // What pthread_setname_np does on Linux (Glibc's module map does not export it).
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fitted.utf8CString.withUnsafeBytes { write(fd, $0.baseAddress, $0.count - 1) }
        close(fd)
    }
}
