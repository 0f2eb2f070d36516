/// The moments that bound a run, in `NIODeadline` uptime nanoseconds.
struct RunTiming: Sendable {
    /// When the first requests are sent.
    var start: UInt64
    /// Replies from here on are measured (after the warm-up).
    var windowStart: UInt64
    /// Replies after this are not measured; `UInt64.max` in request-count modes.
    var windowEnd: UInt64
    /// No request is sent from here on; nil in request-count modes.
    var stopSendingAt: UInt64?
}
