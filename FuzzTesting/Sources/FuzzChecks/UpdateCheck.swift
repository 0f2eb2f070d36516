import ContactCore
import Glibc

/// FuzzUpdate: bytes as a request line, through ``RequestEnvelope/decode(_:)-([UInt8])`` and
/// ``Request/decode(_:limits:)``; for `contacts.upsert`, every valid entry through
/// ``UpdateEngine/apply(_:to:context:)``.
///
/// The stored profile comes from the input too: the request's top-level member `_stored`
/// (ignored by the server, as every unknown member) is the stored profile of every entry's
/// contact, when it is an object within the limits; without it the entries insert. `_limit`
/// (an integer from 64 to 65536) sets the profile limit. Entries of one request apply in
/// order, each to the result of the one before for the same id, as the server does.
///
/// Checks: nothing traps; a failed entry has a message and leaves the profile unchanged; a
/// succeeded entry's profile is within the size and depth limits, keeps `id`, and its
/// serialized text is the writer's text of the profile and parses back to it; one apply's CPU
/// time stays under ``budget(forBytes:)``; the server's fast ways agree with it
/// (``UpdatePathsCheck``: the line as ``UpsertLine`` reads it, the update applied to the
/// stored profile's text).
public enum UpdateCheck {
    /// The CPU time one apply may take, for `bytes` of request and stored profile: generous
    /// (debug build, AddressSanitizer, a busy machine), so that only work that grows much
    /// faster than the input fails.
    public static func budget(forBytes bytes: Int) -> Double {
        0.25 + Double(bytes) * 50e-6
    }

    public static func check(_ input: [UInt8]) throws(FuzzFailure) {
        let envelope: RequestEnvelope
        let request: Request
        do {
            envelope = try RequestEnvelope.decode(input)
            request = try Request.decode(envelope, limits: ProtocolLimits())
        } catch {
            guard !error.message.isEmpty, error.status != .ok else {
                throw FuzzFailure("a refusal without message or with status 200: \(error)")
            }
            _ = try UpdatePathsCheck.fastOperators(input, envelope: nil, upsert: nil)
            return
        }
        guard case .upsert(let upsert) = request else {
            _ = try UpdatePathsCheck.fastOperators(input, envelope: envelope, upsert: nil)
            return
        }
        var fast = try UpdatePathsCheck.fastOperators(input, envelope: envelope, upsert: upsert)
        if fast == nil { fast = try UpdatePathsCheck.fastOperatorsWithoutCheckMembers(envelope, upsert: upsert) }

        var limit = 65_536
        if case .int(let value)? = envelope.object["_limit"], (64...65_536).contains(value) {
            limit = Int(value)
        }
        var stored: JSONObject?
        if case .object(let object)? = envelope.object["_stored"],
            JSONCheck.depth(of: .object(object)) <= UpdateEngine.maximumProfileDepth,
            JSONWriter.serialize(.object(object)).count <= limit
        {
            stored = object
        }
        var profiles: [String: JSONObject] = [:]
        for (index, entry) in upsert.entries.enumerated() {
            guard case .valid(let id, let operators, _) = entry else { continue }
            let isInsert = stored == nil && profiles[id] == nil
            let profile = profiles[id] ?? Self.profile(stored ?? JSONObject(), id: id)
            let before = JSONWriter.serialize(.object(profile))
            let context = UpdateContext(
                isInsert: isInsert,
                externalId: id,
                now: Timestamp(milliseconds: 1_700_000_000_000),
                maxProfileBytes: limit
            )
            let start = Self.cpuTime()
            let result: Result<UpdateResult, UpdateError> = Result { () throws(UpdateError) in
                try UpdateEngine.apply(operators.object, to: profile, context: context)
            }
            let elapsed = Self.cpuTime() - start
            let budget = Self.budget(forBytes: input.count + before.count)
            guard elapsed <= budget else {
                throw FuzzFailure(
                    "entry \(index): apply took \(elapsed) s of CPU, over \(budget) s for \(input.count) bytes "
                        + "of request and \(before.count) of profile"
                )
            }
            guard JSONWriter.serialize(.object(profile)) == before else {
                throw FuzzFailure("entry \(index): apply changed the caller's profile")
            }
            try UpdatePathsCheck.expectSameOutcome(
                operators,
                toStored: before,
                context: context,
                expected: result,
                label: "entry \(index)"
            )
            if let fast {
                try UpdatePathsCheck.expectSameOutcome(
                    fast[index],
                    toStored: before,
                    context: context,
                    expected: result,
                    label: "entry \(index) as UpsertLine read it"
                )
            }
            switch result {
            case .failure(let error):
                guard !error.message.isEmpty else { throw FuzzFailure("entry \(index): failure without message") }
            case .success(let updated):
                try Self.checkResult(updated, id: id, limit: limit, entry: index)
                profiles[id] = updated.profile
            }
        }
    }

    private static func checkResult(_ result: UpdateResult, id: String, limit: Int, entry: Int) throws(FuzzFailure) {
        let text = JSONWriter.serialize(.object(result.profile))
        guard text == result.serialized else {
            throw FuzzFailure("entry \(entry): serialized differs from the writer's text of the profile")
        }
        guard text.count <= limit else {
            throw FuzzFailure("entry \(entry): profile of \(text.count) bytes over the limit \(limit)")
        }
        let depth = JSONCheck.depth(of: .object(result.profile))
        guard depth <= UpdateEngine.maximumProfileDepth else {
            throw FuzzFailure("entry \(entry): profile of depth \(depth)")
        }
        guard case .string(let stored)? = result.profile["id"], stored.utf8.elementsEqual(id.utf8) else {
            throw FuzzFailure("entry \(entry): profile.id is no longer \(id)")
        }
        guard let reparsed = try? JSONParser.parse(text), JSON.identical(reparsed, .object(result.profile)) else {
            throw FuzzFailure("entry \(entry): the profile's text does not parse back to it")
        }
    }

    /// `object` with `id` set to `id` (first, as an insert writes it, when missing).
    private static func profile(_ object: JSONObject, id: String) -> JSONObject {
        var profile = object
        if let index = profile.index(of: "id") {
            profile.setValue(.string(id), at: index)
            return profile
        }
        var withID = JSONObject()
        withID.appendUnchecked(key: "id", value: .string(id))
        for member in profile.members { withID.appendUnchecked(key: member.key, value: member.value) }
        return withID
    }

    /// This thread's CPU time in seconds (not wall time: other processes on the machine do not
    /// count against the budget).
    static func cpuTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
    }
}
