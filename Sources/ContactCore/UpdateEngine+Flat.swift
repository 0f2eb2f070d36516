#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        copies.removeAll(keepingCapacity: true)
        // The most the pass writes: the stored bytes, and per field its name, its argument and
        // room for a sum, an instant and punctuation.
        var bound = stored.count
        for field in update.fields { bound += field.name.count + field.argument.count + Self.fieldRoom }
        // The scratch buffer's count is its room: the pass writes into it in place.
        if scratch.count < bound { scratch = [UInt8](repeating: 0, count: max(bound, 2 * scratch.count)) }
        defer { if scratch.count > Self.scratchLimit { scratch = [] } }
        // Through the buffer the fields are borrowed, not copied.
        let written = update.fields.withUnsafeBufferPointer { fields in
            update.text.withUnsafeBufferPointer { text in
                scratch.withUnsafeMutableBufferPointer { room -> [UInt8]? in
                    guard let base = room.baseAddress else { return nil }
                    var out = ByteCursor(base)
                    guard
                        self.writeFlat(
                            fields,
                            text: text,
                            stored: stored,
                            context: context,
                            into: &out,
                            copies: &copies
                        )
                    else { return nil }
                    return Array(out.written)
                }
            }
        }
        if written == nil { copies.removeAll(keepingCapacity: true) }
        return written
    }

    /// The room a field may take in the result besides its name and argument: a sum or an
    /// instant instead of the argument, a comma, a colon, brackets.
    private static let fieldRoom = 48

    /// Appends `stored[range]` to `out` and records the run in `copies`, merged into the run
    /// before it when the bytes between the two are the same in `stored` and in `out`.
    @inline(__always)
    private static func copy(
        _ range: Range<Int>,
        of stored: UnsafeBufferPointer<UInt8>,
        into out: inout ByteCursor,
        copies: inout [Int]
    ) {
        let resultStart = out.count
        out.append(UnsafeBufferPointer(rebasing: stored[range]))
        let last = copies.count - 3
        if last >= 0 {
            let resultEnd = copies[last] + copies[last + 2]
            let storedEnd = copies[last + 1] + copies[last + 2]
            let gap = resultStart - resultEnd
            // Up to 64 bytes: a `$set` to the value a member has is then copied too.
            if gap >= 0, gap <= 64, range.lowerBound - storedEnd == gap,
                gap == 0 || memcmp(out.base + resultEnd, stored.baseAddress! + storedEnd, gap) == 0
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

    /// Writes the value setting `field` writes: its argument, or for `$currentDate` the
    /// update's instant (its compact text).
    @inline(__always)
    private static func writeValue(
        of field: FlatUpdate.Field,
        text: UnsafeBufferPointer<UInt8>,
        currentDate: [UInt8],
        into out: inout ByteCursor
    ) {
        if field.operation == .currentDate {
            out.append(currentDate)
        } else {
            out.append(UnsafeBufferPointer(rebasing: text[field.argument]))
        }
    }

    /// The pass over `stored` for ``applyFlat(_:toStored:context:scratch:)``: members no field
    /// names are copied, the others written as their fields say, and missing members added.
    /// `out` has room for everything it may write.
    private static func writeFlat(
        _ fields: UnsafeBufferPointer<FlatUpdate.Field>,
        text: UnsafeBufferPointer<UInt8>,
        stored: UnsafeBufferPointer<UInt8>,
        context: UpdateContext,
        into out: inout ByteCursor,
        copies: inout [Int]
    ) -> Bool {
        let count = stored.count
        guard count >= 2, stored[0] == UInt8(ascii: "{") else { return false }
        var currentDate: [UInt8] = []
        if fields.indices.contains(where: { fields[$0].operation == .currentDate }) {
            JSONWriter.write(.string(context.now.iso8601), into: &currentDate)
        }
        /// Bit i: the stored profile has the member field i names.
        var found: UInt32 = 0
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
                position = ByteScan.quoteOrBackslash(in: stored, from: position)
                guard position + 1 < count, stored[position] == UInt8(ascii: "\""),
                    stored[position + 1] == UInt8(ascii: ":")
                else { return false }
                // The name with its quotes, as the fields keep theirs.
                let name = UnsafeBufferPointer(rebasing: stored[(nameStart - 1)...position])
                let valueStart = position + 2
                guard let valueEnd = StoredProfile.skipValue(stored, from: valueStart), valueEnd < count else {
                    return false
                }
                position = valueEnd
                let index = Self.flatField(named: name, in: fields, text: text)
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
                        let sum = Self.increment(
                            UnsafeBufferPointer(rebasing: stored[valueStart..<valueEnd]),
                            by: fields[index],
                            text: text
                        )
                    else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    Self.copy(memberStart..<valueStart, of: stored, into: &out, copies: &copies)
                    if case .int(let number) = sum {
                        out.appendInteger(number)
                    } else {
                        out.append(JSONWriter.serialize(sum))
                    }
                    wrote = true
                case .push?:
                    guard let index, stored[valueStart] == UInt8(ascii: "[") else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    Self.copy(memberStart..<(valueEnd - 1), of: stored, into: &out, copies: &copies)
                    if valueEnd - valueStart > 2 { out.append(UInt8(ascii: ",")) }
                    out.append(UnsafeBufferPointer(rebasing: text[fields[index].argument]))
                    out.append(UInt8(ascii: "]"))
                    wrote = true
                case .some:
                    guard let index else { return false }
                    if wrote { out.append(UInt8(ascii: ",")) }
                    Self.copy(memberStart..<valueStart, of: stored, into: &out, copies: &copies)
                    Self.writeValue(of: fields[index], text: text, currentDate: currentDate, into: &out)
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
            out.append(UnsafeBufferPointer(rebasing: text[fields[index].name]))
            out.append(UInt8(ascii: ":"))
            if operation == .push {
                out.append(UInt8(ascii: "["))
                out.append(UnsafeBufferPointer(rebasing: text[fields[index].argument]))
                out.append(UInt8(ascii: "]"))
            } else {
                Self.writeValue(of: fields[index], text: text, currentDate: currentDate, into: &out)
            }
            wrote = true
        }
        Self.copy((count - 1)..<count, of: stored, into: &out, copies: &copies)
        return out.count <= context.maxProfileBytes
    }

    /// The index of the field whose quoted name has the bytes of `name` (quotes included).
    @inline(__always)
    private static func flatField(
        named name: UnsafeBufferPointer<UInt8>,
        in fields: UnsafeBufferPointer<FlatUpdate.Field>,
        text: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        for index in fields.indices where ByteScan.same(UnsafeBufferPointer(rebasing: text[fields[index].name]), name) {
            return index
        }
        return nil
    }

    /// The stored number `current` (its compact text) plus the argument of the `$inc` `field`,
    /// or nil when `current` is not a number or the sum fails (the general path then reports it).
    private static func increment(
        _ current: UnsafeBufferPointer<UInt8>,
        by field: FlatUpdate.Field,
        text: UnsafeBufferPointer<UInt8>
    ) -> JSON? {
        if let right = field.integer, let left = Self.integer(current) {
            let (sum, overflow) = left.addingReportingOverflow(right)
            return overflow ? nil : .int(sum)
        }
        guard let number = try? JSONParser.parse(UnsafeRawBufferPointer(current)), number.isNumber,
            let argument = try? JSONParser.parse(
                UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: text[field.argument]))
            )
        else { return nil }
        // The path names the member only in an error message, and an error declines.
        return try? self.arithmetic(.inc, current: number, argument: argument, path: UpdatePath(""))
    }

    /// The integer whose compact text is `bytes` when it has 1 to 18 digits (so that it cannot
    /// overflow), else nil.
    @inline(__always)
    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        let first = negative ? 1 : 0
        let digits = bytes.count - first
        guard digits > 0, digits <= 18 else { return nil }
        var value: Int64 = 0
        for index in first..<bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return negative ? -value : value
    }
}
