public import ContactCore

/// The update operators of one upsert entry (PROTOCOL.md section 6), built fluently:
///
/// ```swift
/// let update = ProfileUpdate()
///     .set("firstName", "Justin")
///     .push("tags", "customer")
///     .inc("totalOrders", 1)
/// // {"$set":{"firstName":"Justin"},"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}
/// ```
///
/// Operators appear in the order they were first used; a path given twice to the same operator
/// keeps its first position and its last value. The builder checks nothing: the server validates
/// paths, types and conflicts, and reports a bad entry in ``UpsertResult/errors``.
public struct ProfileUpdate: Sendable, Equatable {
    /// The operators object sent as the entry's `profile`, e.g. `{"$set":{"firstName":"Justin"}}`.
    public private(set) var operators: JSONObject

    /// An update that changes nothing.
    public init() {
        self.operators = JSONObject()
    }

    /// An update made of `operators` as given (an object of operator objects, as in a Notifuse
    /// request). More operators can be chained onto it.
    public init(operators: JSONObject) {
        self.operators = operators
    }

    /// True when no operator was added.
    public var isEmpty: Bool { self.operators.isEmpty }

    /// ``operators`` as a JSON value.
    public var json: JSON { .object(self.operators) }

    /// The update with `path: value` added to the object of `operatorName` (for example
    /// `"$set"`), replacing an earlier value of the same path under that operator.
    public func adding(_ operatorName: String, _ path: String, _ value: JSON) -> ProfileUpdate {
        var copy = self
        var fields = copy.operators[operatorName]?.objectValue ?? JSONObject()
        fields[path] = value
        copy.operators[operatorName] = .object(fields)
        return copy
    }

    // MARK: - Field operators

    /// `$set`: sets `path` to `value`, creating the objects on the way.
    public func set(_ path: String, _ value: some JSONConvertible) -> ProfileUpdate {
        self.adding("$set", path, value.json)
    }

    /// `$unset`: removes `path` (a missing path is no change).
    public func unset(_ path: String) -> ProfileUpdate {
        self.adding("$unset", path, .string(""))
    }

    /// `$setOnInsert`: sets `path` to `value` only when the entry inserts the contact.
    public func setOnInsert(_ path: String, _ value: some JSONConvertible) -> ProfileUpdate {
        self.adding("$setOnInsert", path, value.json)
    }

    /// `$inc`: adds `amount` to the number at `path` (a missing field starts at 0).
    public func inc(_ path: String, _ amount: Int) -> ProfileUpdate {
        self.adding("$inc", path, .int(Int64(amount)))
    }

    /// `$inc`: adds `amount` to the number at `path`; the result is a double.
    public func inc(_ path: String, _ amount: Double) -> ProfileUpdate {
        self.adding("$inc", path, .double(amount))
    }

    /// `$inc` with `amount` as given (the server fails the entry when it is not a number).
    public func inc(_ path: String, _ amount: JSON) -> ProfileUpdate {
        self.adding("$inc", path, amount)
    }

    /// `$mul`: multiplies the number at `path` by `factor` (a missing field becomes 0).
    public func mul(_ path: String, _ factor: Int) -> ProfileUpdate {
        self.adding("$mul", path, .int(Int64(factor)))
    }

    /// `$mul`: multiplies the number at `path` by `factor`; the result is a double.
    public func mul(_ path: String, _ factor: Double) -> ProfileUpdate {
        self.adding("$mul", path, .double(factor))
    }

    /// `$mul` with `factor` as given (the server fails the entry when it is not a number).
    public func mul(_ path: String, _ factor: JSON) -> ProfileUpdate {
        self.adding("$mul", path, factor)
    }

    /// `$min`: sets `path` to `value` when `value` sorts before the current value (or the field
    /// is missing), in MongoDB's BSON order.
    public func min(_ path: String, _ value: some JSONConvertible) -> ProfileUpdate {
        self.adding("$min", path, value.json)
    }

    /// `$max`: sets `path` to `value` when `value` sorts after the current value (or the field is
    /// missing), in MongoDB's BSON order.
    public func max(_ path: String, _ value: some JSONConvertible) -> ProfileUpdate {
        self.adding("$max", path, value.json)
    }

    /// `$rename`: moves the value at `path` to `newPath` (a missing source is no change).
    public func rename(_ path: String, to newPath: String) -> ProfileUpdate {
        self.adding("$rename", path, .string(newPath))
    }

    /// `$currentDate`: sets `path` to the request's time as ISO 8601 text; the value sent is
    /// `true`, or `{"$type":"date"}` when `typeDate` is true (both mean the same to contactd).
    public func currentDate(_ path: String, typeDate: Bool = false) -> ProfileUpdate {
        let value: JSON = typeDate ? .object(JSONObject(["$type": .string("date")])) : .bool(true)
        return self.adding("$currentDate", path, value)
    }

    // MARK: - Array operators

    /// `$push`: appends `value` to the array at `path` (a missing field becomes `[value]`).
    public func push(_ path: String, _ value: some JSONConvertible) -> ProfileUpdate {
        self.adding("$push", path, value.json)
    }

    /// `$push` with `$each` and its modifiers: inserts `values` at `position` (default the end;
    /// negative counts from the end), then sorts the array with `sort`, then keeps the first
    /// `slice` elements (negative: the last ones). Sent as
    /// `{"$each":[…],"$slice":n,"$sort":…,"$position":n}` with only the modifiers given.
    public func push(
        _ path: String,
        each values: [any JSONConvertible],
        slice: Int? = nil,
        sort: PushSort? = nil,
        position: Int? = nil
    ) -> ProfileUpdate {
        var modifiers = JSONObject(["$each": .array(values.map(\.json))])
        if let slice { modifiers["$slice"] = .int(Int64(slice)) }
        if let sort { modifiers["$sort"] = sort.json }
        if let position { modifiers["$position"] = .int(Int64(position)) }
        return self.adding("$push", path, .object(modifiers))
    }

    /// `$addToSet`: appends `value` to the array at `path` unless an equal element is there.
    public func addToSet(_ path: String, _ value: some JSONConvertible) -> ProfileUpdate {
        self.adding("$addToSet", path, value.json)
    }

    /// `$addToSet` with `$each`: appends each of `values` not already in the array at `path`.
    public func addToSet(_ path: String, each values: [any JSONConvertible]) -> ProfileUpdate {
        self.adding("$addToSet", path, .object(JSONObject(["$each": .array(values.map(\.json))])))
    }

    /// `$pop` with `-1`: removes the first element of the array at `path`.
    public func popFirst(_ path: String) -> ProfileUpdate {
        self.adding("$pop", path, .int(-1))
    }

    /// `$pop` with `1`: removes the last element of the array at `path`.
    public func popLast(_ path: String) -> ProfileUpdate {
        self.adding("$pop", path, .int(1))
    }

    /// `$pullAll`: removes every element equal to one of `values` from the array at `path`.
    public func pullAll(_ path: String, _ values: [any JSONConvertible]) -> ProfileUpdate {
        self.adding("$pullAll", path, .array(values.map(\.json)))
    }

    /// `$pull`: removes every element equal to `value` (compared deeply) from the array at `path`.
    public func pull(_ path: String, _ value: some JSONConvertible) -> ProfileUpdate {
        self.adding("$pull", path, value.json)
    }

    /// `$pull`: removes every element matching `condition` from the array at `path`.
    public func pull(_ path: String, where condition: PullCondition) -> ProfileUpdate {
        self.adding("$pull", path, condition.json)
    }
}
