// MARK: - Updating top-level members of a stored profile in one pass over its bytes

extension UpdateEngine {
    /// The most fields an update may have for ``applyFlat(_:toStored:context:)`` to take it.
    static let flatFieldLimit = 16
    /// A scratch buffer larger than this is not kept for the next update.
    static let scratchLimit = 1 << 20

    /// One field of a flat update.
    private struct FlatField {
        /// What the field does: `set` stands for `$set`, `$currentDate` and `$setOnInsert` on an
        /// insert; `nil` for a `$setOnInsert` on an update, which only counts for conflicts.
        var operation: UpdateOperator?
        /// The member name (the whole path).
        var key: String
        /// The value written, the increment or the value pushed.
        var argument: JSON
        /// True once the stored profile had the member.
        var found = false
    }

    /// The new compact text of `stored` for an update whose every field names one top-level
    /// member other than `id` (no dot) with `$set`, `$setOnInsert`, `$unset`, `$inc`,
    /// `$currentDate` or a plain `$push` (no modifiers), in one pass over the stored bytes and
    /// without building the profile.
    ///
    /// Returns nil for any other update, for stored text not in the engine's compact shape, and
    /// whenever the update would fail (a check, a stored value of the wrong type, an overflow,
    /// the size limit): the general path then gives the result or the error. For every update it
    /// takes it gives the bytes the general path gives.
    ///
    /// The text is written into `scratch` (kept for the next call) and returned as an array of
    /// its own size, which a store keeps as it is.
    static func applyFlat(
        _ operators: JSONObject,
        toStored stored: UnsafeBufferPointer<UInt8>,
        context: UpdateContext,
        scratch: inout [UInt8]
    ) -> [UInt8]? {
        withUnsafeTemporaryAllocation(of: FlatField.self, capacity: self.flatFieldLimit) { fields in
            var count = 0
            defer { _ = fields.prefix(count).deinitialize() }
            var currentDate: JSON?
            for member in operators.members {
                guard let operation = UpdateOperator(name: member.key), case .object(let object) = member.value else {
                    return nil
                }
                switch operation {
                case .set, .setOnInsert, .unset, .inc, .push, .currentDate: break
                default: return nil
                }
                for field in object.members {
                    guard count < self.flatFieldLimit,
                        let summary = try? UpdatePath(field.key).validate(),
                        summary.components == 1, !summary.startsAtID
                    else { return nil }
                    if operation == .push, case .object = field.value { return nil }
                    do {
                        try self.validateArgument(
                            operation,
                            field.value,
                            at: UpdatePath(field.key, summary: summary),
                            components: 1
                        )
                    } catch {
                        return nil
                    }
                    for index in 0..<count where JSON.bytewiseEqual(fields[index].key, field.key) { return nil }
                    var flat = FlatField(operation: operation, key: field.key, argument: field.value)
                    switch operation {
                    case .currentDate:
                        if currentDate == nil { currentDate = .string(context.now.iso8601) }
                        flat.operation = .set
                        flat.argument = currentDate ?? .null
                    case .setOnInsert:
                        flat.operation = context.isInsert ? .set : nil
                    default:
                        break
                    }
                    fields.initializeElement(at: count, to: flat)
                    count += 1
                }
            }
            scratch.removeAll(keepingCapacity: scratch.capacity <= Self.scratchLimit)
            guard
                self.writeFlat(
                    UnsafeMutableBufferPointer(rebasing: fields[0..<count]),
                    stored: stored,
                    context: context,
                    into: &scratch
                )
            else { return nil }
            return scratch.withUnsafeBufferPointer { Array($0) }
        }
    }

    /// The pass over `stored` for ``applyFlat(_:toStored:context:)``.
    private static func writeFlat(
        _ fields: UnsafeMutableBufferPointer<FlatField>,
        stored: UnsafeBufferPointer<UInt8>,
        context: UpdateContext,
        into out: inout [UInt8]
    ) -> Bool {
        let count = stored.count
        guard count >= 2, stored[0] == UInt8(ascii: "{") else { return false }
        out.reserveCapacity(count + 64)
        out.append(UInt8(ascii: "{"))
        var wrote = false
        var position = 1
        if stored[1] == UInt8(ascii: "}") {
            guard count == 2 else { return false }
        } else {
            while true {
                let memberStart = position
                guard position < count, stored[position] == UInt8(ascii: "\"") else { return false }
                position += 1
                let nameStart = position
                while position < count, stored[position] != UInt8(ascii: "\"") {
                    if stored[position] == UInt8(ascii: "\\") { return false }
                    position += 1
                }
                guard position + 1 < count, stored[position + 1] == UInt8(ascii: ":") else { return false }
                let name = UnsafeBufferPointer(rebasing: stored[nameStart..<position])
                let valueStart = position + 2
                guard let valueEnd = StoredProfile.skipValue(stored, from: valueStart), valueEnd < count else {
                    return false
                }
                position = valueEnd
                let field = Self.flatField(named: name, in: fields)
                let operation = field.map { fields[$0].operation } ?? nil
                if let field { fields[field].found = true }
                switch operation {
                case nil:
                    if wrote { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: stored[memberStart..<valueEnd]))
                    wrote = true
                case .unset?:
                    break
                case .inc?:
                    guard let field,
                        let current = try? JSONParser.parse(
                            UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: stored[valueStart..<valueEnd]))
                        ),
                        current.isNumber,
                        let sum = try? self.arithmetic(
                            .inc,
                            current: current,
                            argument: fields[field].argument,
                            path: UpdatePath(fields[field].key)
                        )
                    else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: stored[memberStart..<valueStart]))
                    JSONWriter.write(sum, into: &out)
                    wrote = true
                case .push?:
                    guard let field, stored[valueStart] == UInt8(ascii: "[") else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: stored[memberStart..<(valueEnd - 1)]))
                    if valueEnd - valueStart > 2 { out.append(UInt8(ascii: ",")) }
                    JSONWriter.write(fields[field].argument, into: &out)
                    out.append(UInt8(ascii: "]"))
                    wrote = true
                case .some:
                    guard let field else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: stored[memberStart..<valueStart]))
                    JSONWriter.write(fields[field].argument, into: &out)
                    wrote = true
                }
                if stored[position] == UInt8(ascii: "}") {
                    guard position == count - 1 else { return false }
                    break
                }
                guard stored[position] == UInt8(ascii: ",") else { return false }
                position += 1
            }
        }
        // Members the profile did not have are added in field order, as the engine adds them.
        for field in fields where !field.found {
            guard let operation = field.operation, operation != .unset else { continue }
            if wrote { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(field.key, into: &out)
            out.append(UInt8(ascii: ":"))
            if operation == .push {
                out.append(UInt8(ascii: "["))
                JSONWriter.write(field.argument, into: &out)
                out.append(UInt8(ascii: "]"))
            } else {
                JSONWriter.write(field.argument, into: &out)
            }
            wrote = true
        }
        out.append(UInt8(ascii: "}"))
        return out.count <= context.maxProfileBytes
    }

    /// The index of the field whose key has the bytes of `name`.
    @inline(__always)
    private static func flatField(
        named name: UnsafeBufferPointer<UInt8>,
        in fields: UnsafeMutableBufferPointer<FlatField>
    ) -> Int? {
        for index in fields.indices {
            var key = fields[index].key
            let same = key.withUTF8 { bytes in
                guard bytes.count == name.count else { return false }
                for offset in 0..<bytes.count where bytes[offset] != name[offset] { return false }
                return true
            }
            if same { return index }
        }
        return nil
    }
}
