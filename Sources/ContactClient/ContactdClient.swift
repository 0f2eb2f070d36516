public import ContactCore
import NIOCore
import Synchronization

/// An async client of contactd: typed calls for every method of PROTOCOL.md, pipelined over a
/// small pool of Unix-socket connections, with retries that never apply a write twice.
///
/// ```swift
/// let client = ContactdClient(socketPath: "run/contactd.sock", apiKey: key)
/// let result = try await client.upsert(
///     id: "123",
///     ProfileUpdate().set("firstName", "Justin").push("tags", "customer").inc("totalOrders", 1)
/// )
/// let contact = try await client.get("123")
/// await client.close()
/// ```
///
/// Every method throws ``ContactClientError``. Any number of tasks may call one client at once:
/// calls go to the connections round-robin and share each connection (responses are matched to
/// requests in order). A connection that ended is opened again on its next call. Calls that fail
/// in a retryable way (``ContactClientError/isRetryable``) are retried as ``RetryPolicy`` says;
/// every write carries an `idempotencyKey` (a fresh random one unless the caller gives one) that
/// its retries reuse, so a write the daemon applied before the connection dropped is not applied
/// again. Cancelling a calling task stops its retries; a request already written still gets its
/// response read (so that the responses of the connection stay matched).
public final class ContactdClient: Sendable {
    /// The configuration the client was made with.
    public let configuration: ClientConfiguration
    private let connections: [Connection]
    private let nextConnection = Atomic<Int>(0)
    private let nextRequestID = Atomic<Int64>(1)

    /// A client for `configuration`. Connections open on first use.
    public init(configuration: ClientConfiguration) {
        self.configuration = configuration
        self.connections = (0..<configuration.connections).map { _ in
            Connection(
                path: configuration.socketPath,
                group: configuration.eventLoopGroup,
                connectTimeout: configuration.connectTimeout,
                requestTimeout: configuration.requestTimeout
            )
        }
    }

    /// A client of the daemon at `socketPath` using `apiKey`, with `connections` connections and
    /// the other defaults of ``ClientConfiguration``.
    public convenience init(socketPath: String, apiKey: String, connections: Int = 2) {
        self.init(configuration: ClientConfiguration(socketPath: socketPath, apiKey: apiKey, connections: connections))
    }

    /// Closes every connection; calls after this fail with ``ContactClientError/clientClosed``.
    public func close() async {
        for connection in self.connections {
            await connection.close()
        }
    }

    // MARK: - Requests

    /// Sends `method` with `fields` (plus `apiKey` and a `requestId`) and returns the 200
    /// response object; any other status throws. This is the primitive the typed methods use,
    /// open for methods this client does not know yet. `retry` is false for a write whose
    /// `fields` carry no `idempotencyKey`.
    public func request(
        _ method: String,
        fields: JSONObject = JSONObject(),
        retry: Bool = true
    ) async throws(ContactClientError) -> JSONObject {
        let requestID = self.nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue
        var members: [JSONObject.Member] = [JSONObject.Member(key: "method", value: .string(method))]
        if method != "ping" {
            members.append(JSONObject.Member(key: "apiKey", value: .string(self.configuration.apiKey)))
        }
        members.append(JSONObject.Member(key: "requestId", value: .int(requestID)))
        var request = JSONObject(uniqueMembers: members)
        for member in fields.members {
            request[member.key] = member.value
        }
        var line: [UInt8] = []
        JSONWriter.writeObject(request, into: &line)
        line.append(UInt8(ascii: "\n"))

        let connection = self.pickConnection()
        let policy = retry ? self.configuration.retry : .never
        var attempt = 1
        while true {
            do {
                let response = try await connection.send(line)
                return try Self.decode(response, requestID: requestID)
            } catch {
                guard error.isRetryable, attempt < policy.maxAttempts else { throw error }
                do {
                    try await Task.sleep(for: policy.backoff(afterAttempt: attempt))
                } catch {
                    throw ContactClientError.cancelled
                }
                attempt += 1
            }
        }
    }

    /// The response object of `line` when its status is 200; throws the status's error otherwise.
    static func decode(_ line: ByteBuffer, requestID: Int64?) throws(ContactClientError) -> JSONObject {
        let parsed = line.withUnsafeReadableBytes { bytes in
            Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(bytes) }
        }
        let text = { String(decoding: line.readableBytesView.prefix(300), as: UTF8.self) }
        guard case .success(.object(let object)) = parsed else {
            throw ContactClientError.invalidResponse("not a JSON object: \(text())")
        }
        guard case .int(let status)? = object["statusCode"] else {
            throw ContactClientError.invalidResponse("no statusCode: \(text())")
        }
        if let requestID, let echoed = object["requestId"], echoed != .int(requestID) {
            throw ContactClientError.invalidResponse(
                "response to requestId \(JSONWriter.string(echoed)), expected \(requestID)"
            )
        }
        guard status == 200 else {
            let message = object["message"]?.stringValue ?? object["error"]?.stringValue ?? "status \(status)"
            throw ContactClientError(statusCode: Int(status), message: message)
        }
        return object
    }

    private func pickConnection() -> Connection {
        let ticket = self.nextConnection.wrappingAdd(1, ordering: .relaxed).oldValue
        return self.connections[Int(UInt(bitPattern: ticket) % UInt(self.connections.count))]
    }

    /// The key to send: `key` when given (checked), else a fresh random one.
    static func idempotencyKey(_ key: String?) throws(ContactClientError) -> String {
        guard let key else { return IdempotencyKey.random() }
        if let problem = IdempotencyKey.problem(with: key) { throw ContactClientError.invalidArgument(problem) }
        return key
    }
}
