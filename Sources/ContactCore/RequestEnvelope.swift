/// The part of a request every method shares, checked in PROTOCOL.md section 2's order
/// up to (not including) the lookup of the API key.
public struct RequestEnvelope: Sendable {
    /// The method.
    public var method: Method
    /// The API key; nil only for `ping`, which needs none.
    public var apiKey: String?
    /// The id to echo.
    public var requestId: RequestID?
    /// The whole request object.
    public var object: JSONObject

    /// Parses and checks one request line (without its newline).
    public static func decode(_ line: UnsafeRawBufferPointer) throws(RequestFailure) -> RequestEnvelope {
        let value: JSON
        do {
            value = try JSONParser.parse(line)
        } catch {
            throw RequestFailure(.badRequest, "invalid JSON: \(error.description)")
        }
        return try self.decode(value)
    }

    /// Parses and checks one request line (without its newline).
    public static func decode(_ line: [UInt8]) throws(RequestFailure) -> RequestEnvelope {
        let result = line.withUnsafeBytes { raw in
            Result { () throws(RequestFailure) -> RequestEnvelope in try Self.decode(raw) }
        }
        return try result.get()
    }

    /// Checks an already parsed request.
    public static func decode(_ value: JSON) throws(RequestFailure) -> RequestEnvelope {
        guard case .object(let object) = value else {
            throw RequestFailure(.badRequest, "a request must be a JSON object, got \(value.typeName)")
        }
        var requestId: RequestID?
        switch object["requestId"] {
        case nil, .null?: requestId = nil
        case .string(let string)?:
            guard string.utf8.count <= RequestID.maximumStringBytes else {
                throw RequestFailure(
                    .badRequest,
                    "requestId is \(string.utf8.count) bytes, over the limit of \(RequestID.maximumStringBytes)"
                )
            }
            requestId = .string(string)
        case .int(let number)?: requestId = .int(number)
        case let other?:
            throw RequestFailure(
                .badRequest,
                "requestId must be a string or an integer in the signed 64-bit range, got \(other.typeName)"
            )
        }
        let method: Method
        switch object["method"] {
        case nil, .null?:
            throw RequestFailure(.badRequest, "method is required", requestId: requestId)
        case .string(let name)?:
            guard let known = Method(rawValue: name) else {
                throw RequestFailure(
                    .badRequest,
                    "unknown method \(Self.quoted(name)); expected one of "
                        + Method.allCases.map(\.rawValue).joined(separator: ", "),
                    requestId: requestId
                )
            }
            method = known
        case let other?:
            throw RequestFailure(.badRequest, "method must be a string, got \(other.typeName)", requestId: requestId)
        }
        var apiKey: String?
        if method != .ping {
            switch object["apiKey"] {
            case nil, .null?:
                throw RequestFailure(.unauthorized, "apiKey is required", requestId: requestId)
            case .string(let key)?:
                apiKey = key
            case let other?:
                throw RequestFailure(
                    .badRequest,
                    "apiKey must be a string, got \(other.typeName)",
                    requestId: requestId
                )
            }
        }
        return RequestEnvelope(method: method, apiKey: apiKey, requestId: requestId, object: object)
    }

    /// `value` as a JSON string literal, for messages.
    static func quoted(_ value: String) -> String {
        JSONWriter.string(.string(value))
    }
}
