// MARK: - MongoDB's BSON comparison order

extension JSON {
    /// The rank of the value's type in MongoDB's BSON comparison order:
    /// null (0) < numbers (1) < strings (2) < objects (3) < arrays (4) < booleans (5).
    ///
    /// `.int` and `.double` share a rank: numbers compare by value whatever their kind.
    public var bsonTypeOrder: Int {
        switch self {
        case .null: return 0
        case .int, .double: return 1
        case .string: return 2
        case .object: return 3
        case .array: return 4
        case .bool: return 5
        }
    }

    /// Compares two values in MongoDB's BSON order; returns -1, 0 or 1.
    ///
    /// Values of different types order by ``bsonTypeOrder``. Numbers compare exactly by value (an
    /// `.int` and a `.double` are compared without rounding; `1` equals `1.0`, `0.0` equals `-0.0`).
    /// Strings compare bytewise in UTF-8, `false < true`. Arrays compare element by element, a
    /// prefix first. Objects compare member by member after both are sorted by member name
    /// (bytewise), each pair comparing the values' type order, then the names, then the values,
    /// the object with fewer members first when one is a prefix of the other.
    public static func bsonCompare(_ lhs: JSON, _ rhs: JSON) -> Int {
        switch (lhs, rhs) {
        case (.null, .null):
            return 0
        case (.int(let left), .int(let right)):
            return left < right ? -1 : (left == right ? 0 : 1)
        case (.double(let left), .double(let right)):
            return left < right ? -1 : (left == right ? 0 : 1)
        case (.int(let left), .double(let right)):
            return self.compare(left, right)
        case (.double(let left), .int(let right)):
            return -self.compare(right, left)
        case (.string(let left), .string(let right)):
            return self.compareBytewise(left, right)
        case (.bool(let left), .bool(let right)):
            return left == right ? 0 : (left ? 1 : -1)
        case (.array(let left), .array(let right)):
            return self.compareArrays(left, right)
        case (.object(let left), .object(let right)):
            return self.compareObjects(left, right)
        default:
            let difference = lhs.bsonTypeOrder - rhs.bsonTypeOrder
            return difference < 0 ? -1 : (difference == 0 ? 0 : 1)
        }
    }

    /// Compares an integer with a double exactly (no rounding of the integer); -1, 0 or 1.
    static func compare(_ integer: Int64, _ double: Double) -> Int {
        if double.isNaN { return 1 }  // MongoDB orders NaN below every other number.
        if double >= 9_223_372_036_854_775_808.0 { return -1 }
        if double < -9_223_372_036_854_775_808.0 { return 1 }
        let truncated = double.rounded(.towardZero)
        let whole = Int64(truncated)
        if integer != whole { return integer < whole ? -1 : 1 }
        let fraction = double - truncated
        return fraction > 0 ? -1 : (fraction < 0 ? 1 : 0)
    }

    /// Compares the UTF-8 bytes of two strings; -1, 0 or 1.
    static func compareBytewise(_ lhs: String, _ rhs: String) -> Int {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in
            rhs.withUTF8 { right in
                let common = min(left.count, right.count)
                var index = 0
                while index < common {
                    let a = left[index]
                    let b = right[index]
                    if a != b { return a < b ? -1 : 1 }
                    index += 1
                }
                return left.count < right.count ? -1 : (left.count == right.count ? 0 : 1)
            }
        }
    }

    private static func compareArrays(_ lhs: [JSON], _ rhs: [JSON]) -> Int {
        let common = min(lhs.count, rhs.count)
        for index in 0..<common {
            let order = self.bsonCompare(lhs[index], rhs[index])
            if order != 0 { return order }
        }
        return lhs.count < rhs.count ? -1 : (lhs.count == rhs.count ? 0 : 1)
    }

    private static func compareObjects(_ lhs: JSONObject, _ rhs: JSONObject) -> Int {
        let left = lhs.membersSortedByName()
        let right = rhs.membersSortedByName()
        let common = min(left.count, right.count)
        for index in 0..<common {
            let a = left[index]
            let b = right[index]
            let typeDifference = a.value.bsonTypeOrder - b.value.bsonTypeOrder
            if typeDifference != 0 { return typeDifference < 0 ? -1 : 1 }
            let nameOrder = self.compareBytewise(a.key, b.key)
            if nameOrder != 0 { return nameOrder }
            let valueOrder = self.bsonCompare(a.value, b.value)
            if valueOrder != 0 { return valueOrder }
        }
        return left.count < right.count ? -1 : (left.count == right.count ? 0 : 1)
    }
}

extension JSONObject {
    /// The members sorted by name, bytewise (names are unique, so the order is total).
    func membersSortedByName() -> [Member] {
        let members = self.members
        var sorted = true
        var index = 1
        while index < members.count {
            if JSON.compareBytewise(members[index - 1].key, members[index].key) > 0 {
                sorted = false
                break
            }
            index += 1
        }
        if sorted { return members }
        return members.sorted { JSON.compareBytewise($0.key, $1.key) < 0 }
    }
}
