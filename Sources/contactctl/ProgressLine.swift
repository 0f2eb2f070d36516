/// A one-line progress report on standard error, redrawn at most ten times a second, and only
/// when standard error is a terminal.
struct ProgressLine {
    private let enabled: Bool
    private let activity: String
    private let unit: String
    private let started = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var drawn = false

    /// A progress line saying `activity: N of M unit done` that draws when `enabled` (default:
    /// standard error is a terminal).
    init(activity: String = "importing", unit: String = "rows", enabled: Bool = StandardStreams.errorIsTerminal) {
        self.activity = activity
        self.unit = unit
        self.enabled = enabled
    }

    /// Shows `done` finished of `read` read (or of the total, for an export).
    mutating func update(read: Int, done: Int) {
        guard self.enabled else { return }
        let now = ContinuousClock.now
        if let last = self.lastDrawn, now - last < .milliseconds(100) { return }
        self.lastDrawn = now
        let elapsed = (now - self.started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(done) / seconds) : 0
        StandardStreams.writeError(
            "\r\u{1B}[2K\(self.activity): \(done) of \(read) \(self.unit) done (\(rate) \(self.unit)/s)"
        )
        self.drawn = true
    }

    /// Erases the line.
    mutating func finish() {
        guard self.enabled, self.drawn else { return }
        StandardStreams.writeError("\r\u{1B}[2K")
        self.drawn = false
    }
}
