import ContactCore

/// Why a call to contactd failed.
///
/// One case per status code of PROTOCOL.md section 3 (each carries the server's `message`), and
/// cases for what can go wrong on the client's side of the socket. A request answered with any
/// status but 200 changed nothing on the server.
public enum ContactClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400: the server found the request malformed (a wrong-typed field, an invalid id, a batch
    /// over the limit, …).
    case badRequest(String)
    /// 401: the API key is missing or unknown.
    case unauthorized(String)
    /// 404: `contacts.get` of an id the project does not have.
    case notFound(String)
    /// 409: the idempotency key was already used for a different request.
    case conflict(String)
    /// 413: the request line is longer than the server's line limit.
    case payloadTooLarge(String)
    /// 500: the server failed internally; the request had no effect.
    case internalServerError(String)
    /// 503: the server is shutting down or could not make the write durable; the request had no
    /// effect. The client retries these by itself before giving up.
    case serviceUnavailable(String)
    /// A status code this client does not know, with the server's message.
    case unexpectedStatus(Int, String)
    /// The client could not connect to the socket (the daemon is not running, the path is wrong,
    /// permission denied, …), even after its retries.
    case connectionFailed(String)
    /// The connection ended before the response arrived; the request may or may not have been
    /// applied (writes carry an idempotency key, so retrying them is safe).
    case connectionClosed(String)
    /// No response arrived within the configured request timeout; the connection was closed.
    case timedOut(Duration)
    /// The server's response was not what the protocol promises.
    case invalidResponse(String)
    /// The client refused the call before sending it (for example an empty idempotency key).
    case invalidArgument(String)
    /// The client was closed with ``ContactdClient/close()``.
    case clientClosed
    /// The calling task was cancelled while waiting to retry.
    case cancelled

    /// The error for a non-200 response with `statusCode` and the server's `message`.
    public init(statusCode: Int, message: String) {
        switch Status(rawValue: statusCode) {
        case .badRequest: self = .badRequest(message)
        case .unauthorized: self = .unauthorized(message)
        case .notFound: self = .notFound(message)
        case .conflict: self = .conflict(message)
        case .payloadTooLarge: self = .payloadTooLarge(message)
        case .internalServerError: self = .internalServerError(message)
        case .serviceUnavailable: self = .serviceUnavailable(message)
        case .ok, nil: self = .unexpectedStatus(statusCode, message)
        }
    }

    /// The response's status code, or nil when the error did not come from a response.
    public var statusCode: Int? {
        switch self {
        case .badRequest: return 400
        case .unauthorized: return 401
        case .notFound: return 404
        case .conflict: return 409
        case .payloadTooLarge: return 413
        case .internalServerError: return 500
        case .serviceUnavailable: return 503
        case .unexpectedStatus(let code, _): return code
        case .connectionFailed, .connectionClosed, .timedOut, .invalidResponse, .invalidArgument,
            .clientClosed, .cancelled:
            return nil
        }
    }

    /// The server's message, or what went wrong on the client's side.
    public var message: String {
        switch self {
        case .badRequest(let message), .unauthorized(let message), .notFound(let message),
            .conflict(let message), .payloadTooLarge(let message), .internalServerError(let message),
            .serviceUnavailable(let message), .unexpectedStatus(_, let message),
            .connectionFailed(let message), .connectionClosed(let message), .invalidResponse(let message),
            .invalidArgument(let message):
            return message
        case .timedOut(let timeout): return "no response within \(timeout)"
        case .clientClosed: return "the client was closed"
        case .cancelled: return "the call was cancelled"
        }
    }

    /// True for the failures a retry may cure: a failed or lost connection, a timeout, and 503.
    public var isRetryable: Bool {
        switch self {
        case .connectionFailed, .connectionClosed, .timedOut, .serviceUnavailable: return true
        default: return false
        }
    }

    /// True for the failures that come from the connection rather than from a response.
    public var isConnectionFailure: Bool {
        switch self {
        case .connectionFailed, .connectionClosed, .timedOut: return true
        default: return false
        }
    }

    /// `"404 Not Found: no contact with id \"x\""`, or `"connection failed: …"`.
    public var description: String {
        if let code = self.statusCode {
            let phrase = Status(rawValue: code)?.reasonPhrase ?? "Status"
            return "\(code) \(phrase): \(self.message)"
        }
        switch self {
        case .connectionFailed: return "cannot connect: \(self.message)"
        case .connectionClosed: return "connection lost: \(self.message)"
        case .invalidResponse: return "invalid response: \(self.message)"
        case .invalidArgument: return "invalid argument: \(self.message)"
        default: return self.message
        }
    }
}
