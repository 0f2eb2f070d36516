package import ContactCore

/// One response line: the raw text (for exact comparisons) and its parsed members, in order.
package struct Response: CustomStringConvertible {
    /// The line as received, without `\n`.
    package let raw: String
    /// The parsed object.
    package let object: JSONObject

    /// Parses `raw`; a response that is not a JSON object is an error.
    package init(raw: String) throws {
        self.raw = raw
        let value: JSON
        do {
            value = try JSONParser.parse(raw)
        } catch {
            throw HarnessError("response is not JSON (\(error)): \(raw.prefix(300))")
        }
        guard case .object(let object) = value else { throw HarnessError("response is not an object: \(raw)") }
        self.object = object
    }

    package var description: String { self.raw }

    /// The member names in order.
    package var keys: [String] { self.object.members.map(\.key) }

    /// The member `name`.
    package subscript(_ name: String) -> JSON? { self.object[name] }

    /// `statusCode`.
    package var status: Int64? { self["statusCode"]?.asInt }

    /// `success`.
    package var success: Bool? { self["success"]?.asBool }

    /// `error` (the reason phrase of a refusal).
    package var error: String? { self["error"]?.asString }

    /// `message` (what to do about a refusal).
    package var message: String? { self["message"]?.asString }

    /// The `contact` of a `contacts.get` reply.
    package var contact: JSONObject? { self["contact"]?.asObject }

    /// The `contact.profile` of a `contacts.get` reply.
    package var profile: JSON? { self.contact?["profile"] }

    /// A list member of strings (`inserted`, `failed`, `deleted`, …).
    package func strings(_ name: String) -> [String]? { self[name]?.asStrings }

    /// True for a refusal of the request as a whole with this status and reason phrase, in
    /// section 3's member order, carrying a non-empty message.
    package func isRefusal(_ status: Int64, _ reason: String, requestId: JSON? = nil) -> Bool {
        var expectedKeys = ["statusCode", "success", "error", "message"]
        if requestId != nil { expectedKeys.append("requestId") }
        return self.status == status && self.success == false && self.error == reason
            && !(self.message ?? "").isEmpty && self.keys == expectedKeys
            && (requestId == nil || self["requestId"] == requestId)
    }
}
