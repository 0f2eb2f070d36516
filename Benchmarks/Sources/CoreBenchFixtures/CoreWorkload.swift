import ContactCore

/// parse+apply+write through ContactCore's public API, as the server does it for one entry.
///
/// "parse" is the entry (or the whole request line) and the stored profile (above
/// `UpdateEngine.storedScanMinimumBytes`, only what the operators reach); "apply" is `UpdateEngine.apply(_:toStored:context:)`, which also writes the
/// result (copying the members no operator reaches); "write" appends the compact profile to
/// `output`, the buffer a journal record or a response would be built in.
public enum CoreWorkload {
    /// One seed contact: parse the entry and the stored profile, apply, write.
    /// Returns the bytes written (so the optimizer keeps the work).
    @inline(never)
    public static func seedContact(
        entry: [UInt8],
        profile: [UInt8],
        output: inout [UInt8]
    ) throws -> Int {
        let (id, operators) = try self.decodeEntry(entry)
        return try self.applyAndWrite(id: id, operators: operators, profile: profile, output: &output)
    }

    /// A whole `contacts.upsert` line decoded as the server does (``UpsertLine`` when it takes the
    /// line, else envelope and method fields), then each entry applied to its stored profile and
    /// written, telling the runs it copied as the store asks (for its journal record). Returns the
    /// bytes written.
    @inline(never)
    public static func batch(
        line: [UInt8],
        profiles: [[UInt8]],
        output: inout [UInt8]
    ) throws -> Int {
        let request: UpsertRequest
        if let decoded = line.withUnsafeBytes({ UpsertLine.decode($0, limits: ProtocolLimits()) }) {
            request = decoded.request
        } else {
            let envelope = try RequestEnvelope.decode(line)
            guard case .upsert(let general) = try Request.decode(envelope, limits: ProtocolLimits()) else {
                throw WorkloadFailure("the batch line is not a contacts.upsert")
            }
            request = general
        }
        guard request.entries.count == profiles.count else {
            throw WorkloadFailure("\(request.entries.count) entries for \(profiles.count) profiles")
        }
        var written = 0
        // Kept from entry to entry, as the store keeps them through a request.
        var scratch: [UInt8] = []
        var copies: [Int] = []
        copies.reserveCapacity(16)
        for (index, entry) in request.entries.enumerated() {
            guard case .valid(let id, let operators, _) = entry else {
                throw WorkloadFailure("entry \(index) is invalid")
            }
            let context = UpdateContext(
                isInsert: false,
                externalId: id,
                now: Fixtures.now,
                maxProfileBytes: Fixtures.maxProfileBytes
            )
            guard
                let serialized = try UpdateEngine.apply(
                    operators,
                    toStored: profiles[index],
                    context: context,
                    scratch: &scratch,
                    copies: &copies
                )
            else { throw WorkloadFailure("the stored profile is not the engine's compact text") }
            output.append(contentsOf: serialized)
            written += serialized.count
        }
        return written
    }

    // MARK: - Steps (also timed on their own by core-ratio's breakdown)

    /// Parses one entry and checks its shape as `contacts.upsert` does.
    @inline(never)
    public static func decodeEntry(_ entry: [UInt8]) throws -> (id: String, operators: JSONObject) {
        guard case .valid(let id, let operators, _) = UpsertEntry(decoding: try JSONParser.parse(entry)) else {
            throw WorkloadFailure("the entry is invalid")
        }
        return (id, operators.object)
    }

    /// Parses a stored profile.
    @inline(never)
    public static func parseProfile(_ profile: [UInt8]) throws -> JSONObject {
        guard case .object(let stored) = try JSONParser.parse(profile) else {
            throw WorkloadFailure("the stored profile is not an object")
        }
        return stored
    }

    /// Applies `operators` to an already parsed profile (the engine serializes the result).
    @inline(never)
    public static func apply(id: String, operators: JSONObject, to stored: JSONObject) throws -> UpdateResult {
        let context = UpdateContext(
            isInsert: false,
            externalId: id,
            now: Fixtures.now,
            maxProfileBytes: Fixtures.maxProfileBytes
        )
        return try UpdateEngine.apply(operators, to: stored, context: context)
    }

    /// Applies `operators` to a stored profile's compact text as the store does
    /// (`UpdateEngine.apply(_:toStored:context:)`: a small profile is parsed whole, a larger
    /// one only where the operators reach).
    @inline(never)
    public static func applyStored(id: String, operators: JSONObject, to profile: [UInt8]) throws -> [UInt8] {
        let context = UpdateContext(
            isInsert: false,
            externalId: id,
            now: Fixtures.now,
            maxProfileBytes: Fixtures.maxProfileBytes
        )
        guard let serialized = try UpdateEngine.apply(operators, toStored: profile, context: context) else {
            throw WorkloadFailure("the stored profile is not the engine's compact text")
        }
        return serialized
    }

    @inline(__always)
    static func applyAndWrite(
        id: String,
        operators: JSONObject,
        profile: [UInt8],
        output: inout [UInt8]
    ) throws -> Int {
        let serialized = try self.applyStored(id: id, operators: operators, to: profile)
        output.append(contentsOf: serialized)
        return serialized.count
    }
}
