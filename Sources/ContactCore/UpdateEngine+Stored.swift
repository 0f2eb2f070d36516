// MARK: - Updating a stored profile without parsing what the operators do not reach

extension UpdateEngine {
    /// Below this size a stored profile is parsed whole: core-ratio, seed update (CPU ns), a
    /// 125-byte profile parse+apply 1665 vs scan 1760; 330 bytes (20 tags) 3081 vs 1838.
    public static let storedScanMinimumBytes = 192

    /// Applies `operators` to a stored profile, given as the compact text this engine wrote, and
    /// returns the new profile's compact text: the same bytes and the same errors as parsing
    /// `stored`, calling ``apply(_:to:context:)`` and taking its `serialized`.
    ///
    /// An update of top-level members only (`$set`, `$setOnInsert`, `$unset`, `$inc`,
    /// `$currentDate`, a plain `$push`, no dotted path, not `id`) is applied in one pass over the
    /// stored bytes, whatever the profile's size (``applyFlat(_:toStored:context:)``). For any
    /// other update the cost follows the members the operators reach, not the whole profile. The top level is
    /// scanned once (member name → byte range). A member that no operator path starts with is a
    /// placeholder the engine never looks at (named "", its value a NaN whose payload is its byte
    /// range) and is written back by copying its bytes. A member that a `$set`, `$unset` or `$currentDate` of
    /// exactly its name replaces is not parsed (the engine does not read the old value). An array
    /// member that a plain `$push` (no modifiers) of exactly its name appends to starts as an empty
    /// array, and is written as its stored bytes with the pushed values spliced in before its `]`.
    /// Every other member an operator path starts with is parsed. Member order is the engine's:
    /// the placeholders keep their places among the members the engine moves, adds or removes.
    ///
    /// A profile shorter than `parsingBelow` bytes is parsed whole instead (for a small profile
    /// whose members the operators mostly reach, the scan costs more than the parse it saves).
    ///
    /// Returns nil when `stored` is not in the shape the engine writes (a member name with an
    /// escape, whitespace, a member that does not parse, a profile of 32 MiB or more); then parse
    /// it and use ``apply(_:to:context:)``.
    public static func apply(
        _ operators: JSONObject,
        toStored stored: [UInt8],
        context: UpdateContext,
        parsingBelow: Int = UpdateEngine.storedScanMinimumBytes
    ) throws(UpdateError) -> [UInt8]? {
        var scratch: [UInt8] = []
        return try self.apply(
            operators,
            toStored: stored,
            context: context,
            parsingBelow: parsingBelow,
            scratch: &scratch
        )
    }

    /// ``apply(_:toStored:context:parsingBelow:scratch:)`` for an entry's operators in either form.
    public static func apply(
        _ operators: UpdateOperators,
        toStored stored: [UInt8],
        context: UpdateContext,
        parsingBelow: Int = UpdateEngine.storedScanMinimumBytes,
        scratch: inout [UInt8]
    ) throws(UpdateError) -> [UInt8]? {
        // Room for the runs of a seed update at once: growing one at a time costs four allocations.
        var copies: [Int] = []
        copies.reserveCapacity(16)
        return try self.apply(
            operators,
            toStored: stored,
            context: context,
            parsingBelow: parsingBelow,
            scratch: &scratch,
            copies: &copies
        )
    }

    /// ``apply(_:toStored:context:parsingBelow:scratch:)`` for an entry's operators in either
    /// form, also telling which bytes of the new text are copied from `stored`: `copies` is
    /// emptied, then, when the one pass over the stored bytes made the result, holds one
    /// `(result start, stored start, count)` triple per run of copied bytes, in the result's
    /// order. (A journal can then record only the bytes that are new.)
    public static func apply(
        _ operators: UpdateOperators,
        toStored stored: [UInt8],
        context: UpdateContext,
        parsingBelow: Int = UpdateEngine.storedScanMinimumBytes,
        scratch: inout [UInt8],
        copies: inout [Int]
    ) throws(UpdateError) -> [UInt8]? {
        copies.removeAll(keepingCapacity: true)
        let update: FlatUpdate?
        switch operators {
        case .object(let object): update = FlatUpdate(object)
        case .flat(let flat): update = flat
        }
        if let update,
            let flat = stored.withUnsafeBufferPointer({
                self.applyFlat(update, toStored: $0, context: context, scratch: &scratch, copies: &copies)
            })
        {
            return flat
        }
        // The flat pass declined (or the update fails): straight to the general path, without
        // trying the flat pass again on the object.
        return try self.applyGeneral(operators.object, toStored: stored, context: context, parsingBelow: parsingBelow)
    }

    /// ``apply(_:toStored:context:parsingBelow:)``, writing through `scratch`, a buffer the caller
    /// keeps from one update to the next (a batch's updates then allocate one array each).
    public static func apply(
        _ operators: JSONObject,
        toStored stored: [UInt8],
        context: UpdateContext,
        parsingBelow: Int = UpdateEngine.storedScanMinimumBytes,
        scratch: inout [UInt8]
    ) throws(UpdateError) -> [UInt8]? {
        try self.apply(
            UpdateOperators.object(operators),
            toStored: stored,
            context: context,
            parsingBelow: parsingBelow,
            scratch: &scratch
        )
    }

    /// ``apply(_:toStored:context:parsingBelow:)`` without the flat pass: the whole profile parsed
    /// below `parsingBelow` bytes, else only the members the operators reach.
    private static func applyGeneral(
        _ operators: JSONObject,
        toStored stored: [UInt8],
        context: UpdateContext,
        parsingBelow: Int
    ) throws(UpdateError) -> [UInt8]? {
        if stored.count < parsingBelow {
            guard case .object(let profile)? = try? JSONParser.parse(stored) else { return nil }
            return try self.apply(operators, to: profile, context: context).serialized
        }
        var reached = ReachedMembers(operators)
        let result: Result<[UInt8]?, UpdateError> = stored.withUnsafeBufferPointer { bytes in
            Result { () throws(UpdateError) -> [UInt8]? in
                guard let profile = StoredProfile.scan(bytes, reached: &reached) else { return nil }
                let updated = try self.applyUnserialized(operators, to: profile, context: context)
                var serialized: [UInt8] = []
                serialized.reserveCapacity(bytes.count + 64)
                StoredProfile.write(updated, stored: bytes, reached: reached, into: &serialized)
                guard serialized.count <= context.maxProfileBytes else {
                    throw UpdateError.profileTooLarge(serialized.count, limit: context.maxProfileBytes)
                }
                return serialized
            }
        }
        return try result.get()
    }
}

/// The top-level members an update's operator paths start with, and how each is reached.
struct ReachedMembers {
    /// How the operators reach a member.
    enum Use {
        /// Replaced or removed without being read (`$set`, `$unset`, `$currentDate` of the name).
        case replaced
        /// Appended to by a plain `$push` of the name (no modifiers).
        case appended
        /// Read (every other case, and any name reached by more than one field).
        case read
    }

    struct Member {
        /// The first component of a path.
        var name: String
        var use: Use
        /// For an appended array: the stored bytes of its member (`"name":[…]`), and whether the
        /// array was empty. Empty when the member was not stored as an array.
        var storedRange: Range<Int> = 0..<0
        var storedEmpty = false
    }

    var members: [Member] = []
    /// True when some member is appended to (the writer then looks names up).
    var hasAppended = false

    /// The members reached by the fields of `operators` (malformed ones are skipped: the engine
    /// rejects them before the profile matters).
    init(_ operators: JSONObject) {
        self.members.reserveCapacity(8)
        for member in operators.members {
            guard let operation = UpdateOperator(name: member.key), case .object(let fields) = member.value else {
                continue
            }
            for field in fields.members {
                let (name, isWhole) = Self.firstComponent(field.key)
                let use: Use
                switch operation {
                case .set, .unset, .currentDate:
                    use = isWhole ? .replaced : .read
                case .push:
                    if case .object = field.value { use = .read } else { use = isWhole ? .appended : .read }
                default:
                    use = .read
                }
                self.add(name, use)
                if operation == .rename, case .string(let target) = field.value {
                    self.add(Self.firstComponent(target).name, .read)
                }
            }
        }
        self.hasAppended = self.members.contains { $0.use == .appended }
    }

    private mutating func add(_ name: String, _ use: Use) {
        if let index = self.members.firstIndex(where: { JSON.bytewiseEqual($0.name, name) }) {
            self.members[index].use = .read
        } else {
            self.members.append(Member(name: name, use: use))
        }
    }

    /// The text before the first `.` of `path`, and true when there is no `.`.
    private static func firstComponent(_ path: String) -> (name: String, isWhole: Bool) {
        let dot = path.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            for index in 0..<bytes.count where bytes[index] == UInt8(ascii: ".") { return index }
            return nil
        }
        switch dot {
        case .some(nil): return (path, true)
        case .some(let offset?):
            return (String(path[..<path.utf8.index(path.utf8.startIndex, offsetBy: offset)]), false)
        case nil:
            guard let dot = path.utf8.firstIndex(of: UInt8(ascii: ".")) else { return (path, true) }
            return (String(path[..<dot]), false)
        }
    }

    /// The position of the member named by `bytes`, or nil.
    @inline(__always)
    func index(of bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        for index in self.members.indices where self.members[index].name.utf8.count == bytes.count {
            let equal = self.members[index].name.utf8.withContiguousStorageIfAvailable { name in
                for offset in 0..<name.count where name[offset] != bytes[offset] { return false }
                return true
            }
            if equal ?? self.members[index].name.utf8.elementsEqual(bytes) { return index }
        }
        return nil
    }

    /// The appended member named `name` that was stored as an array, or nil.
    func appendedArray(named name: String) -> Member? {
        for member in self.members where member.use == .appended && !member.storedRange.isEmpty {
            if JSON.bytewiseEqual(member.name, name) { return member }
        }
        return nil
    }
}

/// Reading and writing a stored profile's top level in place.
enum StoredProfile {
    /// The largest stored profile whose byte ranges fit in a placeholder.
    static let maximumBytes = 1 << 25

    /// A placeholder for the member at `range`: a NaN (no profile value is one) carrying the range.
    @inline(__always)
    static func placeholder(_ range: Range<Int>) -> JSON {
        .double(Double(bitPattern: 0x7FF8_0000_0000_0000 | UInt64(range.lowerBound) << 25 | UInt64(range.upperBound)))
    }

    /// The range a placeholder carries.
    @inline(__always)
    static func range(of placeholder: Double) -> Range<Int> {
        let bits = placeholder.bitPattern
        let mask: UInt64 = (1 << 25) - 1
        return Int((bits >> 25) & mask)..<Int(bits & mask)
    }

    /// The profile with placeholders, or nil when `bytes` are not compact JSON text of an object
    /// (as far as the scan looks) or a reached member does not parse.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, reached: inout ReachedMembers) -> JSONObject? {
        let count = bytes.count
        guard count >= 2, count < self.maximumBytes, bytes[0] == UInt8(ascii: "{") else { return nil }
        var members: [JSONObject.Member] = []
        members.reserveCapacity(8)
        var position = 1
        if bytes[1] == UInt8(ascii: "}") {
            return count == 2 ? JSONObject(uniqueMembers: members) : nil
        }
        while true {
            let memberStart = position
            guard position < count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            position += 1
            let nameStart = position
            while position < count, bytes[position] != UInt8(ascii: "\"") {
                if bytes[position] == UInt8(ascii: "\\") { return nil }
                position += 1
            }
            guard position < count else { return nil }
            let name = UnsafeBufferPointer(rebasing: bytes[nameStart..<position])
            position += 1
            guard position < count, bytes[position] == UInt8(ascii: ":") else { return nil }
            position += 1
            let valueStart = position
            guard let valueEnd = self.skipValue(bytes, from: valueStart) else { return nil }
            position = valueEnd
            guard position < count else { return nil }
            // A member no operator reaches is never looked up by name: it keeps no name of its
            // own (paths have no empty component, so no lookup or new member is ever named "").
            var key = ""
            let value: JSON
            if let index = reached.index(of: name) {
                key = reached.members[index].name
                switch reached.members[index].use {
                case .replaced:
                    value = .null
                case .appended where bytes[valueStart] == UInt8(ascii: "["):
                    reached.members[index].storedRange = memberStart..<valueEnd
                    reached.members[index].storedEmpty = valueEnd - valueStart == 2
                    value = .array([])
                case .appended, .read:
                    guard
                        let parsed = try? JSONParser.parse(
                            UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd]))
                        )
                    else { return nil }
                    value = parsed
                }
            } else {
                value = self.placeholder(memberStart..<valueEnd)
            }
            members.append(JSONObject.Member(key: key, value: value))
            switch bytes[position] {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "}"):
                return position == count - 1 ? JSONObject(uniqueMembers: members) : nil
            default:
                return nil
            }
        }
    }

    /// The end of the value starting at `start` (compact text), or nil.
    static func skipValue(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start < bytes.count else { return nil }
        switch bytes[start] {
        case UInt8(ascii: "\""):
            return self.skipString(bytes, from: start)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var position = start
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: "\""):
                    guard let end = self.skipString(bytes, from: position) else { return nil }
                    position = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return position + 1 }
                default:
                    break
                }
                position += 1
            }
            return nil
        default:
            var position = start
            while position < bytes.count {
                switch bytes[position] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"):
                    return position > start ? position : nil
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    return nil
                default:
                    position += 1
                }
            }
            return nil
        }
    }

    /// The end of the string whose opening quote is at `start`, or nil.
    @inline(__always)
    private static func skipString(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var position = start + 1
        while true {
            position = ByteScan.quoteOrBackslash(in: bytes, from: position)
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: "\"") { return position + 1 }
            position += 2
        }
    }

    /// Appends the compact text of `profile` (the engine's result on a scanned profile), copying
    /// the bytes of placeholders and of appended arrays from `stored`.
    static func write(
        _ profile: JSONObject,
        stored: UnsafeBufferPointer<UInt8>,
        reached: ReachedMembers,
        into bytes: inout [UInt8]
    ) {
        bytes.append(UInt8(ascii: "{"))
        for (index, member) in profile.members.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            if case .double(let number) = member.value, number.isNaN {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: stored[self.range(of: number)]))
                continue
            }
            if reached.hasAppended, case .array(let pushed) = member.value,
                let appended = reached.appendedArray(named: member.key)
            {
                let range = appended.storedRange
                bytes.append(
                    contentsOf: UnsafeBufferPointer(rebasing: stored[range.lowerBound..<(range.upperBound - 1)])
                )
                for (position, element) in pushed.enumerated() {
                    if position > 0 || !appended.storedEmpty { bytes.append(UInt8(ascii: ",")) }
                    JSONWriter.write(element, into: &bytes)
                }
                bytes.append(UInt8(ascii: "]"))
                continue
            }
            JSONWriter.writeString(member.key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONWriter.write(member.value, into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }
}
