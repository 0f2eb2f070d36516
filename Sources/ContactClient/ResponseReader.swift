import ContactCore

/// Reads the documented fields of a 200 response, throwing ``ContactClientError/invalidResponse(_:)``
/// when one is missing or has the wrong type.
struct ResponseReader {
    /// The whole response object.
    let object: JSONObject

    /// The array of strings named `name`.
    func strings(_ name: String) throws(ContactClientError) -> [String] {
        guard let array = self.object[name]?.arrayValue else { throw self.missing(name, "an array") }
        var strings: [String] = []
        strings.reserveCapacity(array.count)
        for element in array {
            guard let string = element.stringValue else { throw self.missing(name, "an array of strings") }
            strings.append(string)
        }
        return strings
    }

    /// The integer named `name`.
    func int(_ name: String) throws(ContactClientError) -> Int64 {
        guard case .int(let value)? = self.object[name] else { throw self.missing(name, "an integer") }
        return value
    }

    /// The object named `name`.
    func object(_ name: String) throws(ContactClientError) -> JSONObject {
        guard let object = self.object[name]?.objectValue else { throw self.missing(name, "an object") }
        return object
    }

    /// The string named `name`, or nil when it is `null` or absent.
    func optionalString(_ name: String) throws(ContactClientError) -> String? {
        switch self.object[name] {
        case nil, .null?: return nil
        case .string(let string)?: return string
        default: throw self.missing(name, "a string or null")
        }
    }

    /// True when the response says `"replayed": true`.
    var replayed: Bool { self.object["replayed"] == .bool(true) }

    /// The `errors` array of a response with per-entry failures (empty when absent).
    func entryFailures() throws(ContactClientError) -> [EntryFailure] {
        guard let errors = self.object["errors"] else { return [] }
        guard let array = errors.arrayValue else { throw self.missing("errors", "an array") }
        var failures: [EntryFailure] = []
        failures.reserveCapacity(array.count)
        for element in array {
            guard let entry = element.objectValue, case .int(let index)? = entry["index"],
                let id = entry["id"]?.stringValue, let message = entry["error"]?.stringValue
            else { throw self.missing("errors", "an array of {index, id, error} objects") }
            failures.append(EntryFailure(index: Int(index), id: id, message: message))
        }
        return failures
    }

    private func missing(_ name: String, _ kind: String) -> ContactClientError {
        .invalidResponse("expected \(kind) in \"\(name)\": \(JSONWriter.string(.object(self.object)).prefix(300))")
    }
}
