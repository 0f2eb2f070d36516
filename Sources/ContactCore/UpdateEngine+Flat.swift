// MARK: - Updating top-level members of a stored profile in one pass over its bytes

extension UpdateEngine {
    /// A scratch buffer larger than this is not kept for the next update.
    static let scratchLimit = 1 << 20

    /// The new compact text of `stored` for an update that has a flat form (``FlatUpdate``), in
    /// one pass over the stored bytes and without building the profile.
    ///
    /// Returns nil for any other update, for stored text not in the engine's compact shape, and
    /// whenever the update would fail (a check, a stored value of the wrong type, an overflow,
    /// the size limit): the general path then gives the result or the error. For every update it
    /// takes it gives the bytes the general path gives.
    static func applyFlat(
        _ operators: JSONObject,
        toStored stored: UnsafeBufferPointer<UInt8>,
        context: UpdateContext,
        scratch: inout [UInt8]
    ) -> [UInt8]? {
        guard let update = FlatUpdate(operators) else { return nil }
        return self.applyFlat(update, toStored: stored, context: context, scratch: &scratch)
    }

    /// ``applyFlat(_:toStored:context:scratch:)`` for an update already in its flat form.
    ///
    /// The text is written into `scratch` (kept for the next call) and returned as an array of
    /// its own size, which a store keeps as it is.
    static func applyFlat(
        _ update: FlatUpdate,
        toStored stored: UnsafeBufferPointer<UInt8>,
        context: UpdateContext,
        scratch: inout [UInt8]
    ) -> [UInt8]? {
        var copies: [Int] = []
        return self.applyFlat(update, toStored: stored, context: context, scratch: &scratch, copies: &copies)
    }

    /// ``applyFlat(_:toStored:context:scratch:)``, also telling which bytes of the result were
    /// copied from `stored`: `copies` is emptied, then holds one `(result start, stored start,
    /// count)` triple per run of copied bytes, in the result's order (empty when it returns nil).
    static func applyFlat(
        _ update: FlatUpdate,
        toStored stored: UnsafeBufferPointer<UInt8>,
        context: UpdateContext,
        scratch: inout [UInt8],
        copies: inout [Int]
    ) -> [UInt8]? {
        scratch.removeAll(keepingCapacity: scratch.capacity <= Self.scratchLimit)
        copies.removeAll(keepingCapacity: true)
        // Through the buffer the fields are borrowed, not copied (a copy retains its key and argument).
        let written = update.fields.withUnsafeBufferPointer { fields in
            self.writeFlat(fields, stored: stored, context: context, into: &scratch, copies: &copies)
        }
        guard written else {
            copies.removeAll(keepingCapacity: true)
            return nil
        }
        return scratch.withUnsafeBufferPointer { Array($0) }
    }

    /// Appends `stored[range]` to `out` and records the run in `copies`, merged into the run
    /// before it when the bytes between the two are the same in `stored` and in `out`.
    @inline(__always)
    private static func copy(
        _ range: Range<Int>,
        of stored: UnsafeBufferPointer<UInt8>,
        into out: inout [UInt8],
        copies: inout [Int]
    ) {
        let resultStart = out.count
        out.append(contentsOf: UnsafeBufferPointer(rebasing: stored[range]))
        let last = copies.count - 3
        if last >= 0 {
            let resultEnd = copies[last] + copies[last + 2]
            let storedEnd = copies[last + 1] + copies[last + 2]
            let gap = resultStart - resultEnd
            // Up to 64 bytes: a `$set` to the value a member has is then copied too.
            if gap >= 0, gap <= 64, range.lowerBound - storedEnd == gap,
                (0..<gap).allSatisfy({ out[resultEnd + $0] == stored[storedEnd + $0] })
            {
                copies[last + 2] += gap + range.count
                return
            }
        }
        copies.append(resultStart)
        copies.append(range.lowerBound)
        copies.append(range.count)
    }

    /// What a field of `operation` does in `context`: `$setOnInsert` sets on an insert and does nothing
    /// otherwise (nil), `$currentDate` sets.
    @inline(__always)
    private static func effect(of operation: UpdateOperator, context: UpdateContext) -> UpdateOperator? {
        switch operation {
        case .setOnInsert: return context.isInsert ? .set : nil
        case .currentDate: return .set
        default: return operation
        }
    }

    /// Writes the value setting field `index` of `fields` writes: its argument, or for
    /// `$currentDate` the update's instant. The field is borrowed, not copied.
    @inline(__always)
    private static func writeValue(
        of fields: UnsafeBufferPointer<FlatUpdate.Field>,
        at index: Int,
        currentDate: JSON?,
        into out: inout [UInt8]
    ) {
        if fields[index].operation == .currentDate {
            JSONWriter.write(currentDate ?? .null, into: &out)
        } else {
            JSONWriter.write(fields[index].argument, into: &out)
        }
    }

    /// The pass over `stored` for ``applyFlat(_:toStored:context:scratch:)``: members no field
    /// names are copied, the others written as their fields say, and missing members added.
    private static func writeFlat(
        _ fields: UnsafeBufferPointer<FlatUpdate.Field>,
        stored: UnsafeBufferPointer<UInt8>,
        context: UpdateContext,
        into out: inout [UInt8],
        copies: inout [Int]
    ) -> Bool {
        let count = stored.count
        guard count >= 2, stored[0] == UInt8(ascii: "{") else { return false }
        let currentDate: JSON? =
            fields.indices.contains { fields[$0].operation == .currentDate } ? .string(context.now.iso8601) : nil
        /// Bit i: the stored profile has the member field i names.
        var found: UInt32 = 0
        out.reserveCapacity(count + 64)
        Self.copy(0..<1, of: stored, into: &out, copies: &copies)
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
                let index = Self.flatField(named: name, in: fields)
                if let index { found |= 1 << UInt32(index) }
                switch index.flatMap({ Self.effect(of: fields[$0].operation, context: context) }) {
                case nil:
                    if wrote { out.append(UInt8(ascii: ",")) }
                    Self.copy(memberStart..<valueEnd, of: stored, into: &out, copies: &copies)
                    wrote = true
                case .unset?:
                    break
                case .inc?:
                    guard let index,
                        let current = try? JSONParser.parse(
                            UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: stored[valueStart..<valueEnd]))
                        ),
                        current.isNumber,
                        let sum = try? self.arithmetic(
                            .inc,
                            current: current,
                            argument: fields[index].argument,
                            path: UpdatePath(fields[index].key)
                        )
                    else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    Self.copy(memberStart..<valueStart, of: stored, into: &out, copies: &copies)
                    JSONWriter.write(sum, into: &out)
                    wrote = true
                case .push?:
                    guard let index, stored[valueStart] == UInt8(ascii: "[") else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    Self.copy(memberStart..<(valueEnd - 1), of: stored, into: &out, copies: &copies)
                    if valueEnd - valueStart > 2 { out.append(UInt8(ascii: ",")) }
                    JSONWriter.write(fields[index].argument, into: &out)
                    out.append(UInt8(ascii: "]"))
                    wrote = true
                case .some:
                    guard let index else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    Self.copy(memberStart..<valueStart, of: stored, into: &out, copies: &copies)
                    Self.writeValue(of: fields, at: index, currentDate: currentDate, into: &out)
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
        for index in fields.indices where found & (1 << UInt32(index)) == 0 {
            guard let operation = Self.effect(of: fields[index].operation, context: context), operation != .unset
            else { continue }
            if wrote { out.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(fields[index].key, into: &out)
            out.append(UInt8(ascii: ":"))
            if operation == .push {
                out.append(UInt8(ascii: "["))
                JSONWriter.write(fields[index].argument, into: &out)
                out.append(UInt8(ascii: "]"))
            } else {
                Self.writeValue(of: fields, at: index, currentDate: currentDate, into: &out)
            }
            wrote = true
        }
        Self.copy((count - 1)..<count, of: stored, into: &out, copies: &copies)
        return out.count <= context.maxProfileBytes
    }

    /// The index of the field whose key has the bytes of `name`.
    @inline(__always)
    private static func flatField(
        named name: UnsafeBufferPointer<UInt8>,
        in fields: UnsafeBufferPointer<FlatUpdate.Field>
    ) -> Int? {
        for index in fields.indices {
            let key = fields[index].key.utf8
            guard key.count == name.count else { continue }
            let same =
                key.withContiguousStorageIfAvailable { bytes in
                    for offset in 0..<bytes.count where bytes[offset] != name[offset] { return false }
                    return true
                } ?? key.elementsEqual(name)
            if same { return index }
        }
        return nil
    }
}
