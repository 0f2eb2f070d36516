public import ContactCore

/// What `$pull` removes from an array (PROTOCOL.md section 6): elements equal to a value, elements
/// matching comparison operators (`$eq $ne $gt $gte $lt $lte $in $nin`), or object elements
/// matching a query on their fields.
///
/// ```swift
/// ProfileUpdate().pull("scores", where: .greaterThanOrEqualTo(6).and(.lessThan(9)))
/// ProfileUpdate().pull("items", where: .fields(["qty": .lessThan(5), "kind": .value("box")]))
/// ```
public struct PullCondition: Sendable, Equatable {
    /// The condition's value as sent to the server.
    public let json: JSON

    /// A condition whose value is `json` as given.
    public init(json: JSON) {
        self.json = json
    }

    /// Elements (or, inside ``fields(_:)``, fields) equal to `value`, compared deeply.
    public static func value(_ value: some JSONConvertible) -> PullCondition {
        PullCondition(json: value.json)
    }

    /// `{"$eq": value}`.
    public static func equalTo(_ value: some JSONConvertible) -> PullCondition {
        self.operator("$eq", value.json)
    }

    /// `{"$ne": value}`.
    public static func notEqualTo(_ value: some JSONConvertible) -> PullCondition {
        self.operator("$ne", value.json)
    }

    /// `{"$gt": value}`.
    public static func greaterThan(_ value: some JSONConvertible) -> PullCondition {
        self.operator("$gt", value.json)
    }

    /// `{"$gte": value}`.
    public static func greaterThanOrEqualTo(_ value: some JSONConvertible) -> PullCondition {
        self.operator("$gte", value.json)
    }

    /// `{"$lt": value}`.
    public static func lessThan(_ value: some JSONConvertible) -> PullCondition {
        self.operator("$lt", value.json)
    }

    /// `{"$lte": value}`.
    public static func lessThanOrEqualTo(_ value: some JSONConvertible) -> PullCondition {
        self.operator("$lte", value.json)
    }

    /// `{"$in": [values…]}`.
    public static func oneOf(_ values: [any JSONConvertible]) -> PullCondition {
        self.operator("$in", .array(values.map(\.json)))
    }

    /// `{"$nin": [values…]}`.
    public static func noneOf(_ values: [any JSONConvertible]) -> PullCondition {
        self.operator("$nin", .array(values.map(\.json)))
    }

    /// A query on object elements: every listed field must equal its value or match its
    /// condition (`{"qty": {"$lt": 5}, "kind": "box"}`); extra fields in the element are allowed.
    public static func fields(_ fields: KeyValuePairs<String, PullCondition>) -> PullCondition {
        var object = JSONObject()
        for (field, condition) in fields {
            object[field] = condition.json
        }
        return PullCondition(json: .object(object))
    }

    /// Both conditions: their members merged into one object (`.greaterThan(1).and(.lessThan(5))`
    /// is `{"$gt": 1, "$lt": 5}`). When either side is not an object, `other` replaces `self`.
    public func and(_ other: PullCondition) -> PullCondition {
        guard case .object(var merged) = self.json, case .object(let more) = other.json else { return other }
        for member in more.members {
            merged[member.key] = member.value
        }
        return PullCondition(json: .object(merged))
    }

    private static func `operator`(_ name: String, _ value: JSON) -> PullCondition {
        PullCondition(json: .object(JSONObject(uniqueMembers: [JSONObject.Member(key: name, value: value)])))
    }
}
