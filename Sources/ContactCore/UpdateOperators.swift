/// A `contacts.upsert` entry's update operators (its `profile` member).
public enum UpdateOperators: Sendable {
    /// As parsed: any update.
    case object(JSONObject)
    /// Decoded straight from the request line into the flat form.
    case flat(FlatUpdate)

    /// The operators as a JSON object.
    public var object: JSONObject {
        switch self {
        case .object(let object): return object
        case .flat(let update): return update.object
        }
    }
}
