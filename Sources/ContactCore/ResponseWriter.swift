/// Builds one response line in PROTOCOL.md section 3's member order: `statusCode`, `success`,
/// the method's fields, `errors`, `error` and `message`, `replayed`, `requestId`.
///
/// The text before `replayed` is the response's *body*: what an idempotency key remembers.
public struct ResponseWriter: Sendable {
    /// The text written so far, without the closing brace.
    public private(set) var bytes: [UInt8]

    /// Starts a response with `status` and `success`.
    public init(status: Status, success: Bool) {
        self.bytes = []
        self.bytes.reserveCapacity(128)
        self.bytes.append(contentsOf: #"{"statusCode":"#.utf8)
        JSONWriter.writeInteger(Int64(status.rawValue), into: &self.bytes)
        self.bytes.append(contentsOf: success ? #","success":true"#.utf8 : #","success":false"#.utf8)
    }

    /// Appends the member `name` holding `value`.
    public mutating func field(_ name: String, _ value: JSON) {
        self.key(name)
        JSONWriter.write(value, into: &self.bytes)
    }

    /// Appends the member `name` holding an array of strings.
    public mutating func strings(_ name: String, _ values: [String]) {
        self.key(name)
        self.bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(value, into: &self.bytes)
        }
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// Appends the member `name` whose value is the JSON text that `write` appends.
    public mutating func raw(_ name: String, _ write: (inout [UInt8]) -> Void) {
        self.key(name)
        write(&self.bytes)
    }

    /// Appends `errors` when `errors` is not empty.
    public mutating func errors(_ errors: [EntryError]) {
        guard !errors.isEmpty else { return }
        self.key("errors")
        self.bytes.append(UInt8(ascii: "["))
        for (index, error) in errors.enumerated() {
            if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
            self.bytes.append(contentsOf: #"{"index":"#.utf8)
            JSONWriter.writeInteger(Int64(error.index), into: &self.bytes)
            self.bytes.append(contentsOf: #","id":"#.utf8)
            JSONWriter.writeString(error.id, into: &self.bytes)
            self.bytes.append(contentsOf: #","error":"#.utf8)
            JSONWriter.writeString(error.error, into: &self.bytes)
            self.bytes.append(UInt8(ascii: "}"))
        }
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// The body: everything before `replayed` and `requestId`, without the closing brace.
    public var body: [UInt8] { self.bytes }

    /// The complete response text (no newline).
    public func finished(requestId: RequestID?) -> [UInt8] {
        Self.complete(body: self.bytes, replayed: false, requestId: requestId)
    }

    /// Completes a remembered `body` with `replayed` (when true) and `requestId`.
    public static func complete(body: [UInt8], replayed: Bool, requestId: RequestID?) -> [UInt8] {
        var bytes = body
        bytes.reserveCapacity(body.count + 48)
        if replayed { bytes.append(contentsOf: #","replayed":true"#.utf8) }
        if let requestId {
            bytes.append(contentsOf: #","requestId":"#.utf8)
            JSONWriter.write(requestId.json, into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// A complete response refusing a request as a whole.
    public static func failure(_ status: Status, message: String, requestId: RequestID?) -> [UInt8] {
        self.complete(body: self.failureBody(status, message: message), replayed: false, requestId: requestId)
    }

    /// The body of a response refusing a request as a whole: `error` is the status's reason
    /// phrase, `message` says what to do.
    public static func failureBody(_ status: Status, message: String) -> [UInt8] {
        var writer = ResponseWriter(status: status, success: false)
        writer.field("error", .string(status.reasonPhrase))
        writer.field("message", .string(message))
        return writer.body
    }

    private mutating func key(_ name: String) {
        self.bytes.append(UInt8(ascii: ","))
        JSONWriter.writeString(name, into: &self.bytes)
        self.bytes.append(UInt8(ascii: ":"))
    }
}

/// One element of a response's `errors`.
public struct EntryError: Sendable, Equatable {
    /// The entry's position in the request's array.
    public var index: Int
    /// The entry's id, or "" when it had no string id.
    public var id: String
    /// Why it failed.
    public var error: String

    /// An error for entry `index`.
    public init(index: Int, id: String, error: String) {
        self.index = index
        self.id = id
        self.error = error
    }
}
