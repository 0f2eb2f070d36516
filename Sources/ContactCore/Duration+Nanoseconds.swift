extension Duration {
    /// The duration in whole nanoseconds (what is finer is dropped): for timers and clocks that
    /// take nanoseconds (the journal's waits, the event loops' tasks, the latency histograms).
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
