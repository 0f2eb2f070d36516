/// A `contacts.upsert` request line decoded straight from its bytes, without building its JSON
/// tree: each entry's operators go into their flat form (``FlatUpdate``).
///
/// Takes only lines in the shape clients send: members `method`, `apiKey`, `contacts` and
/// optionally `requestId` (a string or an integer) and `idempotencyKey`, ASCII member names, ids
/// and keys without escapes, entries of `id` and `profile` (both present) only, operators `$set`, `$setOnInsert`, `$unset`, `$inc`, `$currentDate` and a
/// plain `$push` on top-level members, at most ``ProtocolLimits/maxBatch`` entries, every check
/// passed. For any other line, and for every line that would fail, ``decode(_:limits:)`` returns
/// nil and the line goes the general way (``RequestEnvelope`` and ``Request/decode(_:limits:)``),
/// which answers it; for every line it takes it gives the request the general way gives.
public struct UpsertLine: Sendable {
    /// The API key.
    public var apiKey: String
    /// The id to echo.
    public var requestId: RequestID?
    /// The checked request.
    public var request: UpsertRequest

    /// The request's members other than `apiKey` and `requestId`, as JSON: what its
    /// ``Fingerprint`` is taken of when it has an idempotency key (PROTOCOL.md section 11).
    public var fingerprinted: JSONObject {
        var object = JSONObject()
        object.appendUnchecked(key: "method", value: .string(Method.upsert.rawValue))
        var contacts: [JSON] = []
        contacts.reserveCapacity(self.request.entries.count)
        for entry in self.request.entries {
            guard case .valid(let id, let operators, _) = entry else { continue }  // cannot happen
            var member = JSONObject()
            member.appendUnchecked(key: "id", value: .string(id))
            member.appendUnchecked(key: "profile", value: .object(operators.object))
            contacts.append(.object(member))
        }
        object.appendUnchecked(key: "contacts", value: .array(contacts))
        if let key = self.request.idempotencyKey {
            object.appendUnchecked(key: "idempotencyKey", value: .string(key))
        }
        return object
    }

    /// The deepest an argument may nest: its document depth is 5 plus this (PROTOCOL.md section 3).
    private static let maximumArgumentDepth = JSONParser.maximumDepth - 5

    /// The decoded line, or nil when it is not in the shape this decoder takes.
    public static func decode(_ line: UnsafeRawBufferPointer, limits: ProtocolLimits) -> UpsertLine? {
        var scanner = Scanner(line.bindMemory(to: UInt8.self))
        return scanner.request(maxBatch: limits.maxBatch)
    }

    /// A position in the line, and the grammar.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0
        /// The text the updates' fields point into: a copy of the line (a name or a plain
        /// argument is its bytes there), then the compact text of every other argument.
        private var text: [UInt8]
        /// The fields of every entry's update so far, in line order.
        private var fields: [FlatUpdate.Field] = []
        /// The member names of the entry's update so far (their bytes in the line), to find a
        /// name given twice without comparing strings; kept from entry to entry for its storage.
        private var entryKeys: [UnsafeBufferPointer<UInt8>] = []
        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
            self.text = Array(bytes)
            self.entryKeys.reserveCapacity(FlatUpdate.maximumFields)
        }

        mutating func request(maxBatch: Int) -> UpsertLine? {
            self.skipWhitespace()
            guard self.take(UInt8(ascii: "{")) else { return nil }
            var method = false
            var apiKey: String?
            var requestId: RequestID?
            var idempotencyKey: String?
            var entries: [UpsertEntry]?
            while true {
                guard let name = self.memberName() else { return nil }
                switch Member(name) {
                case .method?:
                    guard !method, let value = self.simpleString(), ByteScan.same(value, "contacts.upsert") else {
                        return nil
                    }
                    method = true
                case .apiKey?:
                    guard apiKey == nil, let value = self.simpleString() else { return nil }
                    apiKey = String(decoding: value, as: UTF8.self)
                case .requestId?:
                    guard requestId == nil, let value = self.requestId() else { return nil }
                    requestId = value
                case .contacts?:
                    guard entries == nil, let decoded = self.entries(maxBatch: maxBatch) else { return nil }
                    entries = decoded
                case .idempotencyKey?:
                    guard idempotencyKey == nil, let value = self.simpleString(),
                        (1...ProtocolLimits.maxIdempotencyKeyBytes).contains(value.count)
                    else { return nil }
                    idempotencyKey = String(decoding: value, as: UTF8.self)
                case nil:
                    return nil
                }
                guard let more = self.nextMember() else { return nil }
                if !more { break }
            }
            self.skipWhitespace()
            guard self.position == self.bytes.count, method, let apiKey, let entries else { return nil }
            return UpsertLine(
                apiKey: apiKey,
                requestId: requestId,
                request: UpsertRequest(entries: entries, idempotencyKey: idempotencyKey)
            )
        }

        /// A `requestId`: a string within the limit or an integer in the signed 64-bit range.
        private mutating func requestId() -> RequestID? {
            if let text = self.simpleString() {
                guard text.count <= RequestID.maximumStringBytes else { return nil }
                return .string(String(decoding: text, as: UTF8.self))
            }
            let start = self.position
            guard let end = StoredProfile.skipValue(self.bytes, from: start),
                case .int(let number)? = try? JSONParser.parse(
                    UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: self.bytes[start..<end]))
                )
            else { return nil }
            self.position = end
            return .int(number)
        }

        /// The `contacts` array: 1 to `maxBatch` entries.
        private mutating func entries(maxBatch: Int) -> [UpsertEntry]? {
            guard self.take(UInt8(ascii: "[")) else { return nil }
            // Every entry's fields go into one array; the entries get their slices of it once it
            // is complete (a slice taken earlier would make the next append copy the array).
            var scanned: [(id: String, fields: Range<Int>)] = []
            // Room for the entries the line can hold (an entry takes at least 30 bytes: `{"id":"",
            // "profile":{}}`), so that a line of one entry does not reserve a whole batch's.
            let room = min(maxBatch, self.bytes.count / 30 + 1)
            scanned.reserveCapacity(room)
            self.fields.reserveCapacity(room * 5)
            while true {
                guard scanned.count < maxBatch, let entry = self.entry() else { return nil }
                scanned.append(entry)
                self.skipWhitespace()
                if self.take(UInt8(ascii: "]")) { break }
                guard self.take(UInt8(ascii: ",")) else { return nil }
            }
            return scanned.map { entry in
                .valid(
                    id: entry.id,
                    operators: .flat(FlatUpdate(fields: self.fields[entry.fields], text: self.text)),
                    createdAt: nil
                )
            }
        }

        /// One entry: `id` and `profile`, nothing else; its update's fields are appended to ``fields``.
        private mutating func entry() -> (id: String, fields: Range<Int>)? {
            self.skipWhitespace()
            guard self.take(UInt8(ascii: "{")) else { return nil }
            var id: String?
            var update: Range<Int>?
            while true {
                guard let name = self.memberName() else { return nil }
                if ByteScan.same(name, "id") {
                    guard id == nil, let value = self.simpleString() else { return nil }
                    let text = String(decoding: value, as: UTF8.self)
                    guard ExternalID.problem(with: text) == nil else { return nil }
                    id = text
                } else if ByteScan.same(name, "profile") {
                    guard update == nil, let decoded = self.profile() else { return nil }
                    update = decoded
                } else {
                    return nil
                }
                guard let more = self.nextMember() else { return nil }
                if !more { break }
            }
            // Without a profile the entry goes the general way: its fingerprint tells the two apart.
            guard let id, let update else { return nil }
            return (id, update)
        }

        /// A `profile`: an object of operator objects, its fields appended to ``fields``; the range
        /// they take there.
        private mutating func profile() -> Range<Int>? {
            guard self.take(UInt8(ascii: "{")) else { return nil }
            let start = self.fields.count
            self.skipWhitespace()
            if self.take(UInt8(ascii: "}")) { return start..<start }
            self.entryKeys.removeAll(keepingCapacity: true)
            var seen: UInt16 = 0
            while true {
                guard let name = self.memberName(), let operation = Self.flatOperator(name) else { return nil }
                let bit: UInt16 = 1 << UInt16(operation.rawValue)
                guard seen & bit == 0 else { return nil }
                seen |= bit
                guard self.take(UInt8(ascii: "{")) else { return nil }
                // An empty operator object (`"$set":{}`) is declined: the flat form would not keep it.
                while true {
                    self.skipWhitespace()
                    let nameStart = self.position
                    guard let key = self.memberName(), FlatUpdate.isMemberName(key),
                        self.fields.count - start < FlatUpdate.maximumFields,
                        !self.entryNames(contain: key),
                        let argument = self.argument(of: operation, key: key)
                    else { return nil }
                    self.fields.append(
                        FlatUpdate.Field(
                            operation: operation,
                            name: nameStart..<(nameStart + key.count + 2),
                            argument: argument.text,
                            integer: argument.integer
                        )
                    )
                    self.entryKeys.append(key)
                    guard let more = self.nextMember() else { return nil }
                    if !more { break }
                }
                guard let more = self.nextMember() else { return nil }
                if !more { break }
            }
            return start..<self.fields.count
        }

        /// The argument of `operation` on member `key`: any JSON value, checked by the strict
        /// parser, nesting at most ``maximumArgumentDepth`` levels, that passes the operator's
        /// checks. Its compact text's place in ``text``, and its value when it is an integer.
        private mutating func argument(
            of operation: UpdateOperator,
            key: UnsafeBufferPointer<UInt8>
        ) -> (text: Range<Int>, integer: Int64?)? {
            // The common arguments, a plain string or a small integer: their bytes in the line
            // are their compact text, and they pass every check of the operators that take them.
            let start = self.position
            if self.simpleString() != nil {
                guard FlatUpdate.acceptsScalar(operation, isString: true) else { return nil }
                return (start..<self.position, nil)
            }
            if let number = self.smallInteger() {
                guard FlatUpdate.acceptsScalar(operation, isString: false) else { return nil }
                if number == 0, self.bytes[start] == UInt8(ascii: "-") {
                    // `-0` is the integer 0, written `0`.
                    return (self.append(.int(0)), 0)
                }
                return (start..<self.position, number)
            }
            guard let end = StoredProfile.skipValue(self.bytes, from: start) else { return nil }
            guard
                let value = try? JSONParser.parse(
                    UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: self.bytes[start..<end]))
                ),
                Self.depth(of: value, limit: UpsertLine.maximumArgumentDepth) <= UpsertLine.maximumArgumentDepth,
                operation != .unset || !Self.isContainer(value),
                FlatUpdate.accepts(operation, memberName: String(decoding: key, as: UTF8.self), argument: value)
            else { return nil }
            self.position = end
            let integer: Int64? = if case .int(let number) = value { number } else { nil }
            return (self.append(value), integer)
        }

        /// Appends the compact text of `value` to ``text``; where it went.
        private mutating func append(_ value: JSON) -> Range<Int> {
            let start = self.text.count
            JSONWriter.write(value, into: &self.text)
            return start..<self.text.count
        }

        /// An integer of 1 to 18 digits, optionally negative, without a leading zero (other than
        /// `0` itself) and followed by a structural byte: what the parser reads as that `.int`.
        private mutating func smallInteger() -> Int64? {
            var index = self.position
            let negative = index < self.bytes.count && self.bytes[index] == UInt8(ascii: "-")
            if negative { index += 1 }
            let first = index
            var value: Int64 = 0
            while index < self.bytes.count, index - first < 18,
                self.bytes[index] >= UInt8(ascii: "0"), self.bytes[index] <= UInt8(ascii: "9")
            {
                value = value * 10 + Int64(self.bytes[index] - UInt8(ascii: "0"))
                index += 1
            }
            let digits = index - first
            guard digits > 0, digits == 1 || self.bytes[first] != UInt8(ascii: "0"), index < self.bytes.count else {
                return nil
            }
            switch self.bytes[index] {
            case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"): break
            default: return nil  // a fraction, an exponent, more digits, whitespace: the parser's
            }
            self.position = index
            return negative ? -value : value
        }

        /// The nesting depth of `value` (a scalar is 0), counted up to just past `limit`.
        private static func depth(of value: JSON, limit: Int) -> Int {
            guard limit >= 0 else { return 1 }
            switch value {
            case .array(let elements):
                return 1 + elements.reduce(0) { max($0, self.depth(of: $1, limit: limit - 1)) }
            case .object(let object):
                return 1 + object.members.reduce(0) { max($0, self.depth(of: $1.value, limit: limit - 1)) }
            default:
                return 0
            }
        }

        private static func isContainer(_ value: JSON) -> Bool {
            switch value {
            case .array, .object: return true
            default: return false
            }
        }

        // MARK: - Tokens

        /// A member name and its colon, after optional whitespace.
        private mutating func memberName() -> UnsafeBufferPointer<UInt8>? {
            self.skipWhitespace()
            guard let name = self.simpleString() else { return nil }
            self.skipWhitespace()
            guard self.take(UInt8(ascii: ":")) else { return nil }
            self.skipWhitespace()
            return name
        }

        /// After a member's value: true at a comma (another member follows), false at the
        /// object's closing brace, nil at anything else.
        private mutating func nextMember() -> Bool? {
            self.skipWhitespace()
            if self.take(UInt8(ascii: ",")) { return true }
            if self.take(UInt8(ascii: "}")) { return false }
            return nil
        }

        /// A string of printable ASCII without escapes, its bytes without the quotes.
        private mutating func simpleString() -> UnsafeBufferPointer<UInt8>? {
            guard self.position < self.bytes.count, self.bytes[self.position] == UInt8(ascii: "\"") else {
                return nil
            }
            let start = self.position + 1
            let end = ByteScan.plainStringEnd(in: self.bytes, from: start)
            guard end < self.bytes.count, self.bytes[end] == UInt8(ascii: "\"") else { return nil }
            self.position = end + 1
            return UnsafeBufferPointer(rebasing: self.bytes[start..<end])
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard self.position < self.bytes.count, self.bytes[self.position] == byte else { return false }
            self.position += 1
            return true
        }

        private mutating func skipWhitespace() {
            while self.position < self.bytes.count {
                switch self.bytes[self.position] {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): self.position += 1
                default: return
                }
            }
        }

        /// True when the entry's update already names `key`.
        private func entryNames(contain key: UnsafeBufferPointer<UInt8>) -> Bool {
            // By index: `contains(where:)` would retain the array's storage on every call.
            for index in self.entryKeys.indices where ByteScan.same(self.entryKeys[index], key) { return true }
            return false
        }

        /// The operator a flat update may hold, by its name.
        private static func flatOperator(_ name: UnsafeBufferPointer<UInt8>) -> UpdateOperator? {
            if ByteScan.same(name, "$set") { return .set }
            if ByteScan.same(name, "$inc") { return .inc }
            if ByteScan.same(name, "$push") { return .push }
            if ByteScan.same(name, "$unset") { return .unset }
            if ByteScan.same(name, "$setOnInsert") { return .setOnInsert }
            if ByteScan.same(name, "$currentDate") { return .currentDate }
            return nil
        }
    }

    /// The request members this decoder takes.
    private enum Member {
        case method, apiKey, requestId, contacts, idempotencyKey

        init?(_ name: UnsafeBufferPointer<UInt8>) {
            switch name.count {
            case 6 where ByteScan.same(name, "method"): self = .method
            case 6 where ByteScan.same(name, "apiKey"): self = .apiKey
            case 9 where ByteScan.same(name, "requestId"): self = .requestId
            case 8 where ByteScan.same(name, "contacts"): self = .contacts
            case 14 where ByteScan.same(name, "idempotencyKey"): self = .idempotencyKey
            default: return nil
            }
        }
    }
}
