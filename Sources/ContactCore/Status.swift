/// The status codes of PROTOCOL.md section 3, with their reason phrases.
public enum Status: Int, Sendable, Equatable, CaseIterable {
    /// The request was processed.
    case ok = 200
    /// A malformed request.
    case badRequest = 400
    /// A missing or unknown API key.
    case unauthorized = 401
    /// An `admin.*` method with a key that is not an admin key, or an ordinary method with an
    /// admin key that names no project.
    case forbidden = 403
    /// `contacts.get` of an id the project does not have.
    case notFound = 404
    /// An idempotency key reused for a different request.
    case conflict = 409
    /// A line over the line limit.
    case payloadTooLarge = 413
    /// An internal error; the request had no effect.
    case internalServerError = 500
    /// Shutting down, or the write could not be made durable; the request had no effect.
    case serviceUnavailable = 503

    /// The HTTP reason phrase, used as the response's `error`.
    public var reasonPhrase: String {
        switch self {
        case .ok: return "OK"
        case .badRequest: return "Bad Request"
        case .unauthorized: return "Unauthorized"
        case .forbidden: return "Forbidden"
        case .notFound: return "Not Found"
        case .conflict: return "Conflict"
        case .payloadTooLarge: return "Payload Too Large"
        case .internalServerError: return "Internal Server Error"
        case .serviceUnavailable: return "Service Unavailable"
        }
    }
}
