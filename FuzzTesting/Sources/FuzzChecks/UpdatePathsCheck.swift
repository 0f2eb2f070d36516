import ContactCore

/// The server's fast ways against the general way, for FuzzUpdate: the same line and the same
/// update must come out the same whichever way they go.
///
/// - A line ``UpsertLine`` takes is one the general way (`RequestEnvelope` + `Request.decode`)
///   takes too, as the same request: method, key, `requestId`, idempotency key, fingerprint and
///   every entry's id and operators.
/// - An update applied to the stored profile's compact text (``UpdateEngine/apply(_:toStored:context:parsingBelow:scratch:)``:
///   the flat pass, else the scan of the members the operators reach; the store's way) gives the
///   bytes, or the error message, that parsing the profile, applying and writing it gives. So
///   does the update as ``UpsertLine`` decoded it, when it took the line.
enum UpdatePathsCheck {
    /// The operators ``UpsertLine`` decoded for each entry of `line`, or nil when it declines the
    /// line. Fails when it takes a line the general way refuses or reads differently.
    static func fastOperators(
        _ line: [UInt8],
        envelope: RequestEnvelope?,
        upsert: UpsertRequest?
    ) throws(FuzzFailure) -> [UpdateOperators]? {
        guard let fast = line.withUnsafeBytes({ UpsertLine.decode($0, limits: ProtocolLimits()) }) else {
            return nil
        }
        guard let envelope, let upsert, envelope.method == .upsert else {
            throw FuzzFailure("UpsertLine took a line the general way refuses or does not read as an upsert")
        }
        guard envelope.apiKey == fast.apiKey, envelope.requestId == fast.requestId,
            upsert.idempotencyKey == fast.request.idempotencyKey
        else { throw FuzzFailure("UpsertLine read the key, requestId or idempotencyKey differently") }
        guard Fingerprint(of: envelope.object) == Fingerprint(of: fast.fingerprinted) else {
            throw FuzzFailure("UpsertLine's fingerprint differs: a retry would not match")
        }
        guard upsert.entries.count == fast.request.entries.count else {
            throw FuzzFailure(
                "UpsertLine read \(fast.request.entries.count) entries, the general way \(upsert.entries.count)"
            )
        }
        var operators: [UpdateOperators] = []
        for (index, (general, taken)) in zip(upsert.entries, fast.request.entries).enumerated() {
            guard case .valid(let id, let generalOperators, let createdAt) = general,
                case .valid(let takenID, let takenOperators, nil) = taken, id == takenID, createdAt == nil
            else { throw FuzzFailure("entry \(index): UpsertLine read \(taken), the general way \(general)") }
            guard generalOperators.object == takenOperators.object else {
                throw FuzzFailure("entry \(index): UpsertLine read other operators")
            }
            operators.append(takenOperators)
        }
        return operators
    }

    /// ``fastOperators(_:envelope:upsert:)`` for the line written again without the members only
    /// FuzzUpdate reads (`_stored`, `_limit`), which UpsertLine declines as unknown: so that the
    /// updates it decodes meet the stored profiles the inputs carry. Nil when the line has
    /// neither member or UpsertLine declines the line written again.
    static func fastOperatorsWithoutCheckMembers(
        _ envelope: RequestEnvelope,
        upsert: UpsertRequest
    ) throws(FuzzFailure) -> [UpdateOperators]? {
        var object = JSONObject()
        var removed = false
        for member in envelope.object.members {
            if member.key == "_stored" || member.key == "_limit" {
                removed = true
            } else {
                object.appendUnchecked(key: member.key, value: member.value)
            }
        }
        guard removed else { return nil }
        let line = JSONWriter.serialize(.object(object))
        let written = try? RequestEnvelope.decode(line)
        var writtenUpsert: UpsertRequest?
        if let written, case .upsert(let decoded)? = try? Request.decode(written, limits: ProtocolLimits()) {
            writtenUpsert = decoded
        }
        guard let operators = try self.fastOperators(line, envelope: written, upsert: writtenUpsert) else {
            return nil
        }
        guard operators.count == upsert.entries.count else {
            throw FuzzFailure("the line written without _stored and _limit has \(operators.count) entries")
        }
        return operators
    }

    /// Checks that `operators` applied to `stored` (the compact text of the profile the tree
    /// way started from) gives `expected`, the tree way's outcome: its bytes or its message.
    static func expectSameOutcome(
        _ operators: UpdateOperators,
        toStored stored: [UInt8],
        context: UpdateContext,
        expected: Result<UpdateResult, UpdateError>,
        label: String
    ) throws(FuzzFailure) {
        // 0: the scan even for a small profile; the default: as the store calls it.
        for parsingBelow in [0, UpdateEngine.storedScanMinimumBytes] {
            var scratch: [UInt8] = []
            let actual = Result { () throws(UpdateError) -> [UInt8]? in
                try UpdateEngine.apply(
                    operators,
                    toStored: stored,
                    context: context,
                    parsingBelow: parsingBelow,
                    scratch: &scratch
                )
            }
            switch (expected, actual) {
            case (_, .success(nil)):
                // Not the engine's shape: the store parses it and takes the tree way.
                continue
            case (.success(let tree), .success(let bytes?)):
                guard bytes == tree.serialized else {
                    throw FuzzFailure(
                        "\(label): the stored-text way wrote \(String(decoding: bytes, as: UTF8.self)), the tree way "
                            + String(decoding: tree.serialized, as: UTF8.self)
                    )
                }
            case (.failure(let tree), .failure(let error)):
                guard tree.message == error.message else {
                    throw FuzzFailure("\(label): the stored-text way said \"\(error)\", the tree way \"\(tree)\"")
                }
            case (.success, .failure(let error)):
                throw FuzzFailure("\(label): the stored-text way failed (\(error)), the tree way succeeded")
            case (.failure(let tree), .success):
                throw FuzzFailure("\(label): the stored-text way succeeded, the tree way failed (\(tree))")
            }
        }
    }
}
