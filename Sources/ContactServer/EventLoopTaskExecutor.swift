import NIOCore

/// Runs Swift tasks on one NIO event loop: a connection's reader and writer tasks prefer the
/// executor of the loop that does the connection's I/O, so that a request read, run (a project's
/// actor runs on the thread that calls it when it is free) and answered stays on that thread,
/// and a hop that remains (a busy actor, a journal fsync) is one enqueue onto the loop.
final class EventLoopTaskExecutor: TaskExecutor {
    /// The loop the tasks run on.
    let loop: any EventLoop

    /// An executor that runs jobs on `loop`.
    init(loop: any EventLoop) {
        self.loop = loop
    }

    /// Runs `job` on the loop, after the work it already has queued.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        self.loop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
