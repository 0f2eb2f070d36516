/// A JSON value whose objects keep their members in the order they were written.
///
/// Numbers keep the distinction PROTOCOL.md section 4 makes: a literal without fraction or
/// exponent that fits in a signed 64-bit integer is an ``int``; every other number is a ``double``.
/// `==` is exact structural equality (member order and number kind count); see
/// ``JSON/isDeeplyEqual(to:)`` for the looser equality of the update operators.
public enum JSON: Sendable, Equatable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer that fits in a signed 64-bit integer.
    case int(Int64)
    /// Any other (finite) number.
    case double(Double)
    /// A string.
    case string(String)
    /// An array.
    case array([JSON])
    /// An object with ordered members.
    case object(JSONObject)
}

extension JSON {
    /// The object, when this value is one.
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    /// The array, when this value is one.
    public var arrayValue: [JSON]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// The string, when this value is one.
    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// True for `.int` and `.double`.
    public var isNumber: Bool {
        switch self {
        case .int, .double: return true
        default: return false
        }
    }

    /// True for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The name of the value's JSON type, as used in error messages (`"string"`, `"object"`, …).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int: return "int"
        case .double: return "double"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}
