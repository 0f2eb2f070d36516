public import ContactCore

/// The `$sort` modifier of `$push` (PROTOCOL.md section 6): sort whole elements, or sort
/// object elements by some of their fields (MongoDB's BSON order; a missing field sorts as `null`).
public struct PushSort: Sendable, Equatable {
    /// The modifier's value as sent: `1`, `-1` or `{"field": 1, …}`.
    public let json: JSON

    /// A sort whose value is `json` as given (for values this type has no constructor for).
    public init(json: JSON) {
        self.json = json
    }

    /// Elements in ascending order (`"$sort": 1`).
    public static let ascending = PushSort(json: .int(1))

    /// Elements in descending order (`"$sort": -1`).
    public static let descending = PushSort(json: .int(-1))

    /// Object elements by one field (`"$sort": {"score": -1}`).
    public static func by(_ field: String, ascending: Bool = true) -> PushSort {
        PushSort(json: .object(JSONObject([field: .int(ascending ? 1 : -1)])))
    }

    /// Object elements by several fields in order; `true` is ascending
    /// (`.fields(["score": false, "name": true])` is `{"score": -1, "name": 1}`).
    public static func fields(_ fields: KeyValuePairs<String, Bool>) -> PushSort {
        var object = JSONObject()
        for (field, ascending) in fields {
            object[field] = .int(ascending ? 1 : -1)
        }
        return PushSort(json: .object(object))
    }
}
