/// What `$pull` removes from an array: the elements its argument matches (PROTOCOL.md section 6).
///
/// - A value that is not an object removes the elements deeply equal to it.
/// - An object whose first member name starts with `$` is a condition on the element itself,
///   made of `$eq`, `$ne`, `$gt`, `$gte`, `$lt`, `$lte`, `$in` and `$nin`
///   (`{"$gte": 6}`, `{"$in": [1, 2]}`).
/// - Any other object is a query on object elements: each member names a field (dotted paths
///   allowed) that must equal its value, or satisfy its condition when the value is an object of
///   operators; the element may have other fields. Elements that are not objects never match.
///
/// Matching follows MongoDB's query rules: a condition holds for an array when it holds for the
/// array or for one of its elements, a missing field equals `null`, `$gt`/`$gte`/`$lt`/`$lte`
/// only compare values of the same BSON type, and `$ne`/`$nin` hold when `$eq`/`$in` do not.
struct PullMatcher {
    /// One operator of a condition.
    enum Condition {
        /// `$eq`.
        case equal(JSON)
        /// `$ne`.
        case notEqual(JSON)
        /// `$gt` (or `$gte` when `orEqual`).
        case greater(JSON, orEqual: Bool)
        /// `$lt` (or `$lte` when `orEqual`).
        case less(JSON, orEqual: Bool)
        /// `$in`.
        case within(DeepValueSet)
        /// `$nin`.
        case notWithin(DeepValueSet)
    }

    /// What one field of a query must satisfy.
    enum FieldTest {
        /// Equal to the value.
        case equal(JSON)
        /// Every condition holds.
        case conditions([Condition])
    }

    private enum Kind {
        case value(JSON)
        case conditions([Condition])
        case query([(path: UpdatePath, test: FieldTest)])
    }

    private let kind: Kind

    /// Checks `argument`, the value of one `$pull` field at `path`; any query operator but the
    /// eight above fails.
    init(_ argument: JSON, path: UpdatePath) throws(UpdateError) {
        guard case .object(let object) = argument else {
            self.kind = .value(argument)
            return
        }
        var fieldsLeft = UpdateEngine.maximumConditionFields
        guard Self.countFields(of: object, within: &fieldsLeft) else {
            throw UpdateError(
                "The $pull condition at \(path.quoted) names more than \(UpdateEngine.maximumConditionFields) "
                    + "fields (counting every nested level); at most \(UpdateEngine.maximumConditionFields) "
                    + "are allowed"
            )
        }
        if let first = object.members.first, Self.isOperatorName(first.key) {
            self.kind = .conditions(try Self.parseConditions(object, path: path))
            return
        }
        var fields: [(path: UpdatePath, test: FieldTest)] = []
        fields.reserveCapacity(object.count)
        for member in object.members {
            if Self.isOperatorName(member.key) {
                throw Self.unsupported(member.key, path: path)
            }
            let field = UpdatePath(member.key)
            do {
                _ = try field.validate()
            } catch {
                throw UpdateError("The $pull query at \(path.quoted) has an invalid field: \(error.message)")
            }
            if case .object(let condition) = member.value, let first = condition.members.first,
                Self.isOperatorName(first.key)
            {
                fields.append((field, .conditions(try Self.parseConditions(condition, path: path))))
            } else {
                fields.append((field, .equal(member.value)))
            }
        }
        self.kind = .query(fields)
    }

    /// True when `element` is to be removed.
    func matches(_ element: JSON) -> Bool {
        switch self.kind {
        case .value(let value):
            return element.isDeeplyEqual(to: value)
        case .conditions(let conditions):
            return conditions.allSatisfy { Self.holds($0, in: element, path: nil, from: nil) }
        case .query(let fields):
            guard case .object = element else { return false }
            return fields.allSatisfy { field in
                switch field.test {
                case .equal(let value):
                    return Self.anyReached(element, path: field.path, from: field.path.startIndex) {
                        Self.equal($0, value)
                    }
                case .conditions(let conditions):
                    return conditions.allSatisfy {
                        Self.holds($0, in: element, path: field.path, from: field.path.startIndex)
                    }
                }
            }
        }
    }

    // MARK: - Matching

    private static func holds(
        _ condition: Condition,
        in value: JSON?,
        path: UpdatePath?,
        from start: String.Index?
    )
        -> Bool
    {
        switch condition {
        case .equal(let operand):
            return self.anyReached(value, path: path, from: start) { self.equal($0, operand) }
        case .notEqual(let operand):
            return !self.anyReached(value, path: path, from: start) { self.equal($0, operand) }
        case .greater(let operand, let orEqual):
            return self.anyReached(value, path: path, from: start) { candidate in
                let candidate = candidate ?? .null
                guard candidate.bsonTypeOrder == operand.bsonTypeOrder else { return false }
                let order = JSON.bsonCompare(candidate, operand)
                return order > 0 || (orEqual && order == 0)
            }
        case .less(let operand, let orEqual):
            return self.anyReached(value, path: path, from: start) { candidate in
                let candidate = candidate ?? .null
                guard candidate.bsonTypeOrder == operand.bsonTypeOrder else { return false }
                let order = JSON.bsonCompare(candidate, operand)
                return order < 0 || (orEqual && order == 0)
            }
        case .within(let set):
            return self.anyReached(value, path: path, from: start) { set.contains($0 ?? .null) }
        case .notWithin(let set):
            return !self.anyReached(value, path: path, from: start) { set.contains($0 ?? .null) }
        }
    }

    /// Equality as a query sees it: a missing field equals `null`.
    private static func equal(_ candidate: JSON?, _ operand: JSON) -> Bool {
        guard let candidate else { return operand.isNull }
        return candidate.isDeeplyEqual(to: operand)
    }

    /// True when `predicate` holds for some value the rest of `path` (from `start`; nil: none
    /// left) reaches in `value` (nil: missing), MongoDB style: at the end, the value itself or, for
    /// an array, one of its elements; on the way, an array is entered by index and through each
    /// of its object elements. A path that reaches nothing tests nil (missing).
    private static func anyReached(
        _ value: JSON?,
        path: UpdatePath?,
        from start: String.Index?,
        _ predicate: (JSON?) -> Bool
    ) -> Bool {
        guard let start, let path else {
            if predicate(value) { return true }
            if case .array(let elements)? = value {
                return elements.contains { predicate($0) }
            }
            return false
        }
        let (name, next) = path.component(at: start)
        switch value {
        case .object(let object)?:
            let child = object.index(ofComponent: name).map { object.members[$0].value }
            return self.anyReached(child, path: path, from: next, predicate)
        case .array(let elements)?:
            if let index = UpdatePath.arrayIndex(name), index < elements.count,
                self.anyReached(elements[index], path: path, from: next, predicate)
            {
                return true
            }
            var reachedObject = false
            for element in elements {
                guard case .object(let object) = element else { continue }
                reachedObject = true
                let child = object.index(ofComponent: name).map { object.members[$0].value }
                if self.anyReached(child, path: path, from: next, predicate) { return true }
            }
            return reachedObject ? false : predicate(nil)
        default:
            return predicate(nil)
        }
    }

    // MARK: - Parsing

    private static func parseConditions(_ object: JSONObject, path: UpdatePath) throws(UpdateError) -> [Condition] {
        var conditions: [Condition] = []
        conditions.reserveCapacity(object.count)
        for member in object.members {
            let operand = member.value
            switch member.key {
            case "$eq": conditions.append(.equal(operand))
            case "$ne": conditions.append(.notEqual(operand))
            case "$gt": conditions.append(.greater(operand, orEqual: false))
            case "$gte": conditions.append(.greater(operand, orEqual: true))
            case "$lt": conditions.append(.less(operand, orEqual: false))
            case "$lte": conditions.append(.less(operand, orEqual: true))
            case "$in", "$nin":
                guard case .array(let values) = operand else {
                    throw UpdateError(
                        "\(member.key) in the $pull at \(path.quoted) needs an array, not \(operand.typeName)"
                    )
                }
                let set = DeepValueSet(values)
                conditions.append(member.key == "$in" ? .within(set) : .notWithin(set))
            default:
                throw self.unsupported(member.key, path: path)
            }
        }
        return conditions
    }

    private static func unsupported(_ name: String, path: UpdatePath) -> UpdateError {
        UpdateError(
            "The $pull at \(path.quoted) uses \(UpdatePath.quote(name)), which is not a supported query "
                + "operator (use $eq, $ne, $gt, $gte, $lt, $lte, $in or $nin)"
        )
    }

    /// Counts the field names of `object` and of the objects nested in its values (operator
    /// names do not count, array elements are values) against `fieldsLeft`; false as soon as
    /// there are more, so the count stops early on a huge condition.
    private static func countFields(of object: JSONObject, within fieldsLeft: inout Int) -> Bool {
        for member in object.members {
            if !Self.isOperatorName(member.key) {
                fieldsLeft -= 1
                if fieldsLeft < 0 { return false }
            }
            if case .object(let nested) = member.value, !Self.countFields(of: nested, within: &fieldsLeft) {
                return false
            }
        }
        return true
    }

    private static func isOperatorName(_ name: String) -> Bool {
        name.utf8.first == UInt8(ascii: "$")
    }
}
