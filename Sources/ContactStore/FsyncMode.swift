/// When a journal write counts as durable (PROTOCOL.md section 8, `--fsync`).
public enum FsyncMode: String, Sendable, CaseIterable, CustomStringConvertible {
    /// fdatasync after every group of writes; a write is acknowledged only after it.
    case always
    /// Acknowledge after write(); fdatasync at least once a second.
    case everysec
    /// Acknowledge after write(); the operating system decides when to flush.
    case no

    /// The flag's spelling.
    public var description: String { self.rawValue }
}
