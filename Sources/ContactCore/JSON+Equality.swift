// MARK: - Deep equality (the equality of $addToSet, $pull and $pullAll)

extension JSON {
    /// True when both values are the same JSON value, looser than `==`.
    ///
    /// Object member order does not matter (names compare bytewise), numbers compare exactly by
    /// value whatever their kind (`1` equals `1.0`), strings compare bytewise in UTF-8 (no Unicode
    /// normalisation), and values of different types are never equal (`true` is not `1`).
    public func isDeeplyEqual(to other: JSON) -> Bool {
        switch (self, other) {
        case (.null, .null):
            return true
        case (.bool(let left), .bool(let right)):
            return left == right
        case (.int(let left), .int(let right)):
            return left == right
        case (.double(let left), .double(let right)):
            return left == right
        case (.int(let left), .double(let right)), (.double(let right), .int(let left)):
            return JSON.compare(left, right) == 0
        case (.string(let left), .string(let right)):
            return JSON.bytewiseEqual(left, right)
        case (.array(let left), .array(let right)):
            guard left.count == right.count else { return false }
            for index in 0..<left.count where !left[index].isDeeplyEqual(to: right[index]) {
                return false
            }
            return true
        case (.object(let left), .object(let right)):
            return left.isDeeplyEqual(to: right)
        default:
            return false
        }
    }

    /// Exact equality, for tests and fuzz checks of the parser and writer: the same cases,
    /// integers as integers, doubles bit for bit (`-0.0` is not `0.0`), strings and member names
    /// byte for byte, members in the same order.
    package static func identical(_ lhs: JSON, _ rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.double(let a), .double(let b)): return a.bitPattern == b.bitPattern
        case (.string(let a), .string(let b)): return self.bytewiseEqual(a, b)
        case (.array(let a), .array(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { self.identical($0, $1) }
        case (.object(let a), .object(let b)):
            return a.members.count == b.members.count
                && zip(a.members, b.members).allSatisfy {
                    self.bytewiseEqual($0.key, $1.key) && self.identical($0.value, $1.value)
                }
        default: return false
        }
    }

    /// True when the UTF-8 bytes of two strings are the same.
    static func bytewiseEqual(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return JSON.compareBytewise(lhs, rhs) == 0
    }

    /// Feeds the value to `hasher` so that deeply equal values (``isDeeplyEqual(to:)``) hash alike.
    func deepHash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let flag):
            hasher.combine(1 as UInt8)
            hasher.combine(flag)
        case .int(let number):
            hasher.combine(2 as UInt8)
            hasher.combine(number)
        case .double(let number):
            hasher.combine(2 as UInt8)
            // An integral double in range equals the integer of the same value: hash it as one.
            if number.rounded(.towardZero) == number, number >= -9_223_372_036_854_775_808.0,
                number < 9_223_372_036_854_775_808.0
            {
                hasher.combine(Int64(number))
            } else {
                hasher.combine(number)
            }
        case .string(let string):
            hasher.combine(3 as UInt8)
            JSON.hashBytes(of: string, into: &hasher)
        case .array(let elements):
            hasher.combine(4 as UInt8)
            hasher.combine(elements.count)
            for element in elements {
                element.deepHash(into: &hasher)
            }
        case .object(let object):
            hasher.combine(5 as UInt8)
            hasher.combine(object.count)
            // Member order does not matter: add up one independent hash per member.
            var sum = 0
            for member in object.members {
                var memberHasher = Hasher()
                JSON.hashBytes(of: member.key, into: &memberHasher)
                member.value.deepHash(into: &memberHasher)
                sum = sum &+ memberHasher.finalize()
            }
            hasher.combine(sum)
        }
    }

    private static func hashBytes(of string: String, into hasher: inout Hasher) {
        var string = string
        string.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(bytes))
        }
    }
}

extension JSONObject {
    /// True when both objects have the same member names (bytewise) with deeply equal values, in
    /// any order (see ``JSON/isDeeplyEqual(to:)``).
    public func isDeeplyEqual(to other: JSONObject) -> Bool {
        guard self.count == other.count else { return false }
        if self.count <= 16 {
            for member in self.members {
                guard let index = other.index(ofKey: member.key),
                    member.value.isDeeplyEqual(to: other.members[index].value)
                else { return false }
            }
            return true
        }
        let left = self.membersSortedByName()
        let right = other.membersSortedByName()
        for index in 0..<left.count {
            guard JSON.bytewiseEqual(left[index].key, right[index].key),
                left[index].value.isDeeplyEqual(to: right[index].value)
            else { return false }
        }
        return true
    }
}
