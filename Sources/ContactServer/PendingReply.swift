public import ContactCore
public import ContactStore

/// A reply in a connection's queue: ready to write, or waiting for its journal record to be
/// durable first.
public enum PendingReply: Sendable {
    /// The complete response text (no newline).
    case ready([UInt8])
    /// A response to send once journal record `sequence` (its own, or the last one that touched
    /// the project) is durable in `log`.
    case durable(body: [UInt8], replayed: Bool, requestId: RequestID?, log: any ChangeLog, sequence: UInt64)

    /// The bytes the reply holds, for the connection's memory bound.
    var size: Int {
        switch self {
        case .ready(let bytes): return bytes.count
        case .durable(let body, _, _, _, _): return body.count
        }
    }

    /// True when the reply needs no waiting: a ready reply, or one whose record is durable already
    /// (under `--fsync no` and `everysec` the journal wrote it before the store returned).
    var isComplete: Bool {
        switch self {
        case .ready: return true
        case .durable(_, _, _, let log, let sequence): return log.status(of: sequence) == .durable
        }
    }

    /// The response text of a reply that may be sent (``isComplete``, or after waiting for it).
    var completeText: [UInt8] {
        switch self {
        case .ready(let bytes): return bytes
        case .durable(let body, let replayed, let requestId, _, _):
            return ResponseWriter.complete(body: body, replayed: replayed, requestId: requestId)
        }
    }

    /// The response text, once it may be sent; 503 when its write could not be made durable.
    public func resolve() async -> [UInt8] {
        switch self {
        case .ready(let bytes):
            return bytes
        case .durable(_, _, let requestId, let log, let sequence):
            do {
                try await log.waitUntilDurable(sequence)
                return self.completeText
            } catch {
                return ResponseWriter.failure(
                    .serviceUnavailable,
                    message: "a change this reply reflects could not be made durable, so nothing was applied "
                        + "(\(error.message)); retry later",
                    requestId: requestId
                )
            }
        }
    }
}
