/// A request's `requestId`: a string of at most 128 UTF-8 bytes or a signed 64-bit integer.
public enum RequestID: Sendable, Equatable {
    /// A string id.
    case string(String)
    /// An integer id.
    case int(Int64)

    /// The largest accepted string id, in UTF-8 bytes.
    public static let maximumStringBytes = 128

    /// The id as JSON, for echoing.
    public var json: JSON {
        switch self {
        case .string(let string): return .string(string)
        case .int(let number): return .int(number)
        }
    }
}
