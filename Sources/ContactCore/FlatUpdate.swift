/// An update whose every field names one top-level profile member other than `id` (no dot) with
/// `$set`, `$setOnInsert`, `$unset`, `$inc`, `$currentDate` or a plain `$push` (no modifiers), each
/// name once and every argument checked: the update ``UpdateEngine`` applies in one pass over a
/// stored profile's bytes, without parsing or building the profile.
///
/// Member names and arguments are kept as their compact JSON text (a name with its quotes), so
/// that the pass copies them into the new profile and compares names as bytes.
public struct FlatUpdate: Sendable {
    /// The most fields a flat update has.
    static let maximumFields = 16

    /// One field: an operator, the member it names, its argument.
    struct Field: Sendable {
        let operation: UpdateOperator
        /// Where the member name is in ``FlatUpdate/text``, as a JSON string with its quotes.
        let name: Range<Int>
        /// Where the argument's compact text is in ``FlatUpdate/text``.
        let argument: Range<Int>
        /// The argument when it is an integer (what `$inc` adds without parsing it again).
        let integer: Int64?
    }

    /// The fields in the order written (operators in order, fields in order within each). A slice:
    /// the updates of one request line share one array (``UpsertLine``), not one each.
    var fields: ArraySlice<Field> = []

    /// The bytes the fields' ranges point into; the updates of one request line share it.
    var text: [UInt8] = []

    /// An empty update (`"profile": {}`).
    init() {}

    /// An update of `fields` over `text`, already checked.
    init(fields: ArraySlice<Field>, text: [UInt8]) {
        self.fields = fields
        self.text = text
    }

    /// The flat form of `operators`, or nil when it is not a flat update (or a check fails).
    init?(_ operators: JSONObject) {
        self.fields.reserveCapacity(operators.count)
        // Room for a seed update's text at once: growing it append by append costs an allocation each time.
        self.text.reserveCapacity(256)
        for member in operators.members {
            guard let operation = UpdateOperator(name: member.key), case .object(let object) = member.value else {
                return nil
            }
            for field in object.members {
                guard self.add(operation, key: field.key, argument: field.value) else { return nil }
            }
        }
    }

    /// Adds a field after the checks the engine makes before it looks at a profile; false when
    /// the field does not belong in a flat update or fails a check (the general path then
    /// reports it).
    private mutating func add(_ operation: UpdateOperator, key: String, argument: JSON) -> Bool {
        guard Self.isMemberName(key), self.fields.count < Self.maximumFields,
            Self.accepts(operation, memberName: key, argument: argument)
        else { return false }
        let nameStart = self.text.count
        JSONWriter.writeString(key, into: &self.text)
        let name = nameStart..<self.text.count
        let duplicate = self.text.withUnsafeBufferPointer { text in
            self.fields.contains {
                ByteScan.same(UnsafeBufferPointer(rebasing: text[$0.name]), UnsafeBufferPointer(rebasing: text[name]))
            }
        }
        guard !duplicate else { return false }
        JSONWriter.write(argument, into: &self.text)
        let integer: Int64? = if case .int(let value) = argument { value } else { nil }
        self.fields.append(
            Field(operation: operation, name: name, argument: name.upperBound..<self.text.count, integer: integer)
        )
        return true
    }

    /// True when a field of `operation` on the checked member name `key` with `argument` belongs in
    /// a flat update and passes the checks made before a profile is looked at (the caller counts
    /// the fields against ``maximumFields`` and finds repeated names).
    static func accepts(_ operation: UpdateOperator, memberName key: String, argument: JSON) -> Bool {
        switch operation {
        case .set, .setOnInsert, .unset, .inc, .push, .currentDate: break
        default: return false
        }
        if operation == .push, case .object = argument { return false }
        do {
            try UpdateEngine.validateArgument(operation, argument, at: UpdatePath(key), components: 1)
        } catch {
            return false
        }
        return true
    }

    /// ``accepts(_:memberName:argument:)`` for an argument that is a string (`isString`) or an
    /// integer, without the argument: such a scalar passes every check of the operators it
    /// belongs with.
    static func acceptsScalar(_ operation: UpdateOperator, isString: Bool) -> Bool {
        switch operation {
        case .set, .setOnInsert, .unset, .push: return true
        case .inc: return !isString
        default: return false
        }
    }

    /// True when `key` is a valid update path of one component other than `id`
    /// (``UpdatePath/validate()``): not empty, no dot, not starting with `$`, not `id`.
    private static func isMemberName(_ key: String) -> Bool {
        // A native or small string's bytes are contiguous: read in place, not through the view's
        // generic iteration (which cost 4% of a seed upsert's CPU).
        key.utf8.withContiguousStorageIfAvailable { Self.isMemberName($0) }
            ?? Array(key.utf8).withUnsafeBufferPointer { Self.isMemberName($0) }
    }

    /// ``isMemberName(_:)-(String)`` for the bytes of a key.
    static func isMemberName(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, first != UInt8(ascii: "$") else { return false }
        if bytes.count == 2, first == UInt8(ascii: "i"), bytes[1] == UInt8(ascii: "d") { return false }
        return !bytes.contains(UInt8(ascii: "."))
    }

    /// The member name of `field`.
    func key(of field: Field) -> String {
        guard case .string(let key) = self.value(at: field.name) else {
            preconditionFailure("a flat update's name is not the JSON string it wrote")
        }
        return key
    }

    /// The argument of `field`.
    func argument(of field: Field) -> JSON {
        self.value(at: field.argument)
    }

    /// The JSON value whose compact text is `text[range]`.
    private func value(at range: Range<Int>) -> JSON {
        let parsed = self.text.withUnsafeBytes { text in
            try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: text[range]))
        }
        guard let parsed else { preconditionFailure("a flat update holds text that is not the JSON it wrote") }
        return parsed
    }

    /// The operators object the update was written as.
    public var object: JSONObject {
        var object = JSONObject()
        for field in self.fields {
            let name = field.operation.text
            var fields = object[name]?.objectValue ?? JSONObject()
            fields.appendUnchecked(key: self.key(of: field), value: self.argument(of: field))
            object[name] = .object(fields)
        }
        return object
    }
}
