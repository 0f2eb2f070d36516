/// A storage failure: the request it belongs to had no effect that was acknowledged.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: Sendable, Equatable {
        /// A journal write or fsync failed (the shard is degraded until it works again), or the store is closing.
        case notDurable
        /// Stored data is damaged; the daemon cannot start.
        case damaged
        /// Another process uses the data folder.
        case alreadyRunning
        /// Any other I/O failure.
        case io
    }

    /// The kind of failure.
    public var code: Code
    /// A sentence naming the file and what went wrong.
    public var message: String

    /// A failure of `code` saying `message`.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { self.message }
}
