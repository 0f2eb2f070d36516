extension Duration {
    /// The duration in whole nanoseconds (what is finer is dropped).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
