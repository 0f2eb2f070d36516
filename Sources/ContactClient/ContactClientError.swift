import ContactCore

/// Why a call to contactd failed: a ``Code`` that says what kind of failure it was, and a message.
///
/// One code per status code of PROTOCOL.md section 3 (the message is then the server's), and
/// codes for what can go wrong on the client's side of the socket. A request answered with any
/// status but 200 changed nothing on the server. New codes may be added in later versions, so
/// compare with `==` (or `switch` with a `default`) rather than expecting a closed set.
public struct ContactClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure an error is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String, Hashable, Sendable {
            case badRequest, unauthorized, forbidden, notFound, conflict, payloadTooLarge, internalServerError
            case serviceUnavailable, unexpectedStatus, connectionFailed, connectionClosed, timedOut
            case invalidResponse, invalidArgument, clientClosed, cancelled
        }

        private let kind: Kind

        private init(_ kind: Kind) {
            self.kind = kind
        }

        /// 400: the server found the request malformed (a wrong-typed field, an invalid id, a
        /// batch over the limit, …).
        public static let badRequest = Code(.badRequest)
        /// 401: the API key is missing or unknown.
        public static let unauthorized = Code(.unauthorized)
        /// 403: an `admin.*` method with a key that is not an admin key, or an ordinary method
        /// with an admin key that names no project.
        public static let forbidden = Code(.forbidden)
        /// 404: `contacts.get` of an id the project does not have.
        public static let notFound = Code(.notFound)
        /// 409: the idempotency key was already used for a different request.
        public static let conflict = Code(.conflict)
        /// 413: the request line is longer than the server's line limit.
        public static let payloadTooLarge = Code(.payloadTooLarge)
        /// 500: the server failed internally; the request had no effect.
        public static let internalServerError = Code(.internalServerError)
        /// 503: the server is shutting down or could not make the write durable; the request had
        /// no effect. The client retries these by itself before giving up.
        public static let serviceUnavailable = Code(.serviceUnavailable)
        /// A status code this client does not know (``ContactClientError/statusCode`` has it).
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// The client could not connect to the socket (the daemon is not running, the path is
        /// wrong, permission denied, …), even after its retries.
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection ended before the response arrived; the request may or may not have
        /// been applied (writes carry an idempotency key, so retrying them is safe).
        public static let connectionClosed = Code(.connectionClosed)
        /// No response arrived within the configured request timeout; the connection was closed.
        public static let timedOut = Code(.timedOut)
        /// The server's response was not what the protocol promises.
        public static let invalidResponse = Code(.invalidResponse)
        /// The client refused the call before sending it (for example an empty idempotency key).
        public static let invalidArgument = Code(.invalidArgument)
        /// The client was closed with ``ContactdClient/close()``.
        public static let clientClosed = Code(.clientClosed)
        /// The calling task was cancelled while waiting to retry.
        public static let cancelled = Code(.cancelled)

        /// The code's name, as in `notFound`.
        public var description: String { self.kind.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// The server's message, or what went wrong on the client's side.
    public let message: String
    /// The response's status code, or nil when the error did not come from a response.
    public let statusCode: Int?

    private init(_ code: Code, _ message: String, statusCode: Int? = nil) {
        self.code = code
        self.message = message
        self.statusCode = statusCode
    }

    /// The error for a non-200 response with `statusCode` and the server's `message`.
    public init(statusCode: Int, message: String) {
        let code: Code
        switch Status(rawValue: statusCode) {
        case .badRequest: code = .badRequest
        case .unauthorized: code = .unauthorized
        case .forbidden: code = .forbidden
        case .notFound: code = .notFound
        case .conflict: code = .conflict
        case .payloadTooLarge: code = .payloadTooLarge
        case .internalServerError: code = .internalServerError
        case .serviceUnavailable: code = .serviceUnavailable
        case .ok, nil: code = .unexpectedStatus
        }
        self.init(code, message, statusCode: statusCode)
    }

    // MARK: - Errors by code

    /// A 400 with the server's `message`.
    public static func badRequest(_ message: String) -> Self { Self(statusCode: 400, message: message) }
    /// A 401 with the server's `message`.
    public static func unauthorized(_ message: String) -> Self { Self(statusCode: 401, message: message) }
    /// A 404 with the server's `message`.
    public static func notFound(_ message: String) -> Self { Self(statusCode: 404, message: message) }
    /// A 409 with the server's `message`.
    public static func conflict(_ message: String) -> Self { Self(statusCode: 409, message: message) }
    /// A 413 with the server's `message`.
    public static func payloadTooLarge(_ message: String) -> Self { Self(statusCode: 413, message: message) }
    /// A 500 with the server's `message`.
    public static func internalServerError(_ message: String) -> Self { Self(statusCode: 500, message: message) }
    /// A 503 with the server's `message`.
    public static func serviceUnavailable(_ message: String) -> Self { Self(statusCode: 503, message: message) }
    /// The socket could not be connected to.
    public static func connectionFailed(_ message: String) -> Self { Self(.connectionFailed, message) }
    /// The connection ended before the response arrived.
    public static func connectionClosed(_ message: String) -> Self { Self(.connectionClosed, message) }
    /// No response within `timeout`.
    public static func timedOut(_ timeout: Duration) -> Self { Self(.timedOut, "no response within \(timeout)") }
    /// The server's response broke the protocol.
    public static func invalidResponse(_ message: String) -> Self { Self(.invalidResponse, message) }
    /// The call was refused before it was sent.
    public static func invalidArgument(_ message: String) -> Self { Self(.invalidArgument, message) }
    /// The client was closed.
    public static var clientClosed: Self { Self(.clientClosed, "the client was closed") }
    /// The calling task was cancelled.
    public static var cancelled: Self { Self(.cancelled, "the call was cancelled") }

    // MARK: - Classification

    /// True for the failures a retry may cure: a failed or lost connection, a timeout, and 503.
    public var isRetryable: Bool {
        self.isConnectionFailure || self.code == .serviceUnavailable
    }

    /// True for the failures that come from the connection rather than from a response.
    public var isConnectionFailure: Bool {
        [Code.connectionFailed, .connectionClosed, .timedOut].contains(self.code)
    }

    /// `"404 Not Found: no contact with id \"x\""`, or `"cannot connect: …"`.
    public var description: String {
        if let code = self.statusCode {
            let phrase = Status(rawValue: code)?.reasonPhrase ?? "Status"
            return "\(code) \(phrase): \(self.message)"
        }
        switch self.code {
        case .connectionFailed: return "cannot connect: \(self.message)"
        case .connectionClosed: return "connection lost: \(self.message)"
        case .invalidResponse: return "invalid response: \(self.message)"
        case .invalidArgument: return "invalid argument: \(self.message)"
        default: return self.message
        }
    }
}
