/// A one-line progress report on standard error, redrawn at most ten times a second, and only
/// when standard error is a terminal.
struct ProgressLine {
    private let enabled: Bool
    private let started = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var drawn = false

    /// A progress line that draws when `enabled` (default: standard error is a terminal).
    init(enabled: Bool = StandardStreams.errorIsTerminal) {
        self.enabled = enabled
    }

    /// Shows `done` rows finished of `read` rows read.
    mutating func update(read: Int, done: Int) {
        guard self.enabled else { return }
        let now = ContinuousClock.now
        if let last = self.lastDrawn, now - last < .milliseconds(100) { return }
        self.lastDrawn = now
        let elapsed = (now - self.started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(done) / seconds) : 0
        StandardStreams.writeError("\r\u{1B}[2Kimporting: \(done) of \(read) rows done (\(rate) rows/s)")
        self.drawn = true
    }

    /// Erases the line.
    mutating func finish() {
        guard self.enabled, self.drawn else { return }
        StandardStreams.writeError("\r\u{1B}[2K")
        self.drawn = false
    }
}
