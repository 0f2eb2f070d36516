public import ContactCore

/// A Swift value that can stand for a ContactCore ``JSON`` value in an update or a query.
///
/// `JSON` itself, `String`, `Int`, `Int64`, `Double`, `Bool`, ``JSONObject``, ``Timestamp``
/// (written as its ISO 8601 text), arrays of convertible values and optionals (`nil` is `null`)
/// conform, so `ProfileUpdate().set("firstName", "Justin").set("age", 42)` needs no wrapping.
public protocol JSONConvertible: Sendable {
    /// The value as JSON.
    var json: JSON { get }
}

extension JSON: JSONConvertible {
    /// The value itself.
    public var json: JSON { self }
}

extension JSONObject: JSONConvertible {
    /// `.object(self)`.
    public var json: JSON { .object(self) }
}

extension String: JSONConvertible {
    /// `.string(self)`.
    public var json: JSON { .string(self) }
}

extension Substring: JSONConvertible {
    /// `.string(String(self))`.
    public var json: JSON { .string(String(self)) }
}

extension Int: JSONConvertible {
    /// `.int(Int64(self))`.
    public var json: JSON { .int(Int64(self)) }
}

extension Int64: JSONConvertible {
    /// `.int(self)`.
    public var json: JSON { .int(self) }
}

extension Int32: JSONConvertible {
    /// `.int(Int64(self))`.
    public var json: JSON { .int(Int64(self)) }
}

extension Double: JSONConvertible {
    /// `.double(self)`; the value must be finite, as JSON has no infinity or NaN.
    public var json: JSON { .double(self) }
}

extension Bool: JSONConvertible {
    /// `.bool(self)`.
    public var json: JSON { .bool(self) }
}

extension Timestamp: JSONConvertible {
    /// The ISO 8601 text (`2016-10-22T04:31:13.589Z`) as a string.
    public var json: JSON { .string(self.iso8601) }
}

extension Array: JSONConvertible where Element: JSONConvertible {
    /// An array of the elements' JSON.
    public var json: JSON { .array(self.map(\.json)) }
}

extension Optional: JSONConvertible where Wrapped: JSONConvertible {
    /// The wrapped value's JSON, or `null`.
    public var json: JSON {
        switch self {
        case .some(let value): return value.json
        case .none: return .null
        }
    }
}
