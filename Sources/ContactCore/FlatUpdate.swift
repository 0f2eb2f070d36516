/// An update whose every field names one top-level profile member other than `id` (no dot) with
/// `$set`, `$setOnInsert`, `$unset`, `$inc`, `$currentDate` or a plain `$push` (no modifiers), each
/// name once and every argument checked: the update ``UpdateEngine`` applies in one pass over a
/// stored profile's bytes, without parsing or building the profile.
public struct FlatUpdate: Sendable {
    /// The most fields a flat update has.
    static let maximumFields = 16

    /// One field: an operator, the member it names, its argument.
    struct Field: Sendable {
        let operation: UpdateOperator
        let key: String
        let argument: JSON
    }

    /// The fields in the order written (operators in order, fields in order within each). A slice:
    /// the updates of one request line share one array (``UpsertLine``), not one each.
    var fields: ArraySlice<Field> = []

    /// An empty update (`"profile": {}`).
    init() {}

    /// An update of `fields`, already checked.
    init(fields: ArraySlice<Field>) {
        self.fields = fields
    }

    /// The flat form of `operators`, or nil when it is not a flat update (or a check fails).
    init?(_ operators: JSONObject) {
        self.fields.reserveCapacity(operators.count)
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
    mutating func add(_ operation: UpdateOperator, key: String, argument: JSON) -> Bool {
        guard Self.isMemberName(key) else { return false }
        // Through the buffer the fields are borrowed, not copied (a copy retains its argument).
        let duplicate = self.fields.withUnsafeBufferPointer { fields in
            fields.indices.contains { JSON.bytewiseEqual(fields[$0].key, key) }
        }
        guard !duplicate, self.fields.count < Self.maximumFields,
            Self.accepts(operation, memberName: key, argument: argument)
        else { return false }
        self.fields.append(Field(operation: operation, key: key, argument: argument))
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

    /// The operators object the update was written as.
    public var object: JSONObject {
        var object = JSONObject()
        for field in self.fields {
            let name = field.operation.text
            var fields = object[name]?.objectValue ?? JSONObject()
            fields.appendUnchecked(key: field.key, value: field.argument)
            object[name] = .object(fields)
        }
        return object
    }
}
