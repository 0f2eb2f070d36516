/// A checked `$push` argument: one value, or `$each` with its `$position`, `$sort` and `$slice`.
struct PushArgument {
    /// How `$sort` orders the array.
    enum Sort {
        /// By whole elements in BSON order.
        case elements(descending: Bool)
        /// By these fields of the elements (dotted paths; a missing field sorts as `null`).
        case fields([(path: UpdatePath, descending: Bool)])
    }

    /// The value to append, when there is no `$each`.
    let single: JSON?
    /// The values of `$each`.
    let each: [JSON]
    /// `$position`: where to insert (negative counts from the end).
    let position: Int64?
    /// `$sort`.
    let sort: Sort?
    /// `$slice`: how many to keep from the start (negative: from the end).
    let slice: Int64?

    /// Checks `argument`, the value of one `$push` field at `path`.
    ///
    /// With `$each` (an array) the object may also hold `$slice`, `$position` (integers, or doubles
    /// with an integral value) and `$sort` (`1`, `-1` or a non-empty object of fields with `1` or
    /// `-1`), and nothing else. Without `$each` the argument is the value to push, and an object
    /// holding one of the modifiers fails.
    init(_ argument: JSON, path: UpdatePath) throws(UpdateError) {
        guard case .object(let object) = argument, object.index(ofKey: "$each") != nil else {
            if case .object(let object) = argument {
                for member in object.members where Self.isModifier(member.key) {
                    throw UpdateError("The \(member.key) modifier of $push at \(path.quoted) requires $each")
                }
            }
            self.single = argument
            self.each = []
            self.position = nil
            self.sort = nil
            self.slice = nil
            return
        }
        var each: [JSON] = []
        var position: Int64? = nil
        var sort: Sort? = nil
        var slice: Int64? = nil
        for member in object.members {
            switch member.key {
            case "$each":
                guard case .array(let values) = member.value else {
                    throw UpdateError(
                        "The argument to $each in $push at \(path.quoted) must be an array, not "
                            + member.value.typeName
                    )
                }
                each = values
            case "$slice":
                guard let value = UpdateEngine.integralValue(member.value) else {
                    throw UpdateError("The value of $slice in $push at \(path.quoted) must be an integer")
                }
                slice = value
            case "$position":
                guard let value = UpdateEngine.integralValue(member.value) else {
                    throw UpdateError("The value of $position in $push at \(path.quoted) must be an integer")
                }
                position = value
            case "$sort":
                sort = try Self.parseSort(member.value, path: path)
            default:
                throw UpdateError("Unrecognized clause in $push at \(path.quoted): \(UpdatePath.quote(member.key))")
            }
        }
        self.single = nil
        self.each = each
        self.position = position
        self.sort = sort
        self.slice = slice
    }

    /// Pushes into `array`: inserts `$each` at `$position` (or appends), then sorts, then slices,
    /// in MongoDB's order.
    func apply(to array: inout [JSON]) {
        if let single = self.single {
            array.append(single)
            return
        }
        let count = Int64(array.count)
        var insertAt = array.count
        if let position = self.position {
            insertAt = Int(position >= 0 ? Swift.min(position, count) : Swift.max(0, count + position))
        }
        array.insert(contentsOf: self.each, at: insertAt)
        if let sort = self.sort {
            Self.stableSort(&array, by: sort)
        }
        if let slice = self.slice {
            let count = array.count
            if slice >= 0 {
                if slice < Int64(count) { array.removeSubrange(Int(slice)..<count) }
            } else if slice.magnitude < UInt64(count) {
                array.removeFirst(count - Int(slice.magnitude))
            }
        }
    }

    // MARK: - $sort

    private static func parseSort(_ value: JSON, path: UpdatePath) throws(UpdateError) -> Sort {
        let invalid = UpdateError(
            "The $sort of $push at \(path.quoted) is invalid: use 1 or -1 to sort whole elements, or "
                + "{field: 1 or -1, ...} to sort by fields"
        )
        if let direction = UpdateEngine.integralValue(value) {
            guard direction == 1 || direction == -1 else { throw invalid }
            return .elements(descending: direction == -1)
        }
        guard case .object(let pattern) = value, !pattern.isEmpty else { throw invalid }
        guard pattern.count <= UpdateEngine.maximumConditionFields else {
            throw UpdateError(
                "The $sort of $push at \(path.quoted) names \(pattern.count) fields; at most "
                    + "\(UpdateEngine.maximumConditionFields) are allowed"
            )
        }
        var fields: [(path: UpdatePath, descending: Bool)] = []
        fields.reserveCapacity(pattern.count)
        for member in pattern.members {
            let field = UpdatePath(member.key)
            do {
                _ = try field.validate()
            } catch {
                throw UpdateError("The $sort of $push at \(path.quoted) has an invalid field: \(error.message)")
            }
            guard let direction = UpdateEngine.integralValue(member.value), direction == 1 || direction == -1 else {
                throw invalid
            }
            fields.append((field, direction == -1))
        }
        return .fields(fields)
    }

    /// Sorts `array` in place, keeping equal elements in their order.
    private static func stableSort(_ array: inout [JSON], by sort: Sort) {
        var keyed = Array(array.enumerated())
        keyed.sort { lhs, rhs in
            let order = Self.compare(lhs.element, rhs.element, by: sort)
            return order != 0 ? order < 0 : lhs.offset < rhs.offset
        }
        array = keyed.map(\.element)
    }

    private static func compare(_ lhs: JSON, _ rhs: JSON, by sort: Sort) -> Int {
        switch sort {
        case .elements(let descending):
            let order = JSON.bsonCompare(lhs, rhs)
            return descending ? -order : order
        case .fields(let fields):
            for field in fields {
                let order = JSON.bsonCompare(
                    Self.value(in: lhs, at: field.path) ?? .null,
                    Self.value(in: rhs, at: field.path) ?? .null
                )
                if order != 0 { return field.descending ? -order : order }
            }
            return 0
        }
    }

    /// The value at a dotted `path` inside `value` (objects by name, arrays by index); nil when missing.
    static func value(in value: JSON, at path: UpdatePath) -> JSON? {
        var current = value
        var start: String.Index? = path.startIndex
        while let position = start {
            let (name, next) = path.component(at: position)
            switch current {
            case .object(let object):
                guard let index = object.index(ofComponent: name) else { return nil }
                current = object.members[index].value
            case .array(let array):
                guard let index = UpdatePath.arrayIndex(name), index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
            start = next
        }
        return current
    }

    private static func isModifier(_ key: String) -> Bool {
        key == "$slice" || key == "$sort" || key == "$position"
    }
}
