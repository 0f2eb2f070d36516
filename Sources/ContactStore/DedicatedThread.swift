import Glibc

/// Runs blocking work (journal writes, fsync, snapshot files, recovery) on threads of its own, so
/// the Swift concurrency pool never waits for the disk.
enum DedicatedThread {
    /// Starts a detached thread running `body`; `name` says what it is for, in crash reports.
    static func start(name: String, _ body: @escaping @Sendable () -> Void) {
        let box = Unmanaged.passRetained(ThreadBody(name: name, body: body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(
            &thread,
            nil,
            { raw in
                let box = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
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
}
