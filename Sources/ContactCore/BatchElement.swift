/// The shared first checks of one element of `contacts` or `messages` (PROTOCOL.md section 5):
/// it is an object with a valid string `id`.
enum BatchElement {
    /// Why an element fails: its id when it had a string one, else "".
    struct Rejection: Error {
        let id: String
        let error: String
    }

    /// The element's object and external id; `noun` names the element in messages ("an entry").
    static func decode(_ value: JSON, noun: String) -> Result<(object: JSONObject, id: String), Rejection> {
        guard case .object(let object) = value else {
            return .failure(Rejection(id: "", error: "\(noun) must be an object, got \(value.typeName)"))
        }
        switch object["id"] {
        case nil, .null?:
            return .failure(Rejection(id: "", error: "id is required"))
        case .string(let id)?:
            if let problem = ExternalID.problem(with: id) { return .failure(Rejection(id: id, error: problem)) }
            return .success((object, id))
        case let other?:
            return .failure(Rejection(id: "", error: "id must be a string, got \(other.typeName)"))
        }
    }
}
