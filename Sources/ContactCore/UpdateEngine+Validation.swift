// MARK: - Checks that do not depend on the profile: arguments, stored values, conflicts

extension UpdateEngine {
    /// The operator a member of the update names; fails for an unknown name or a value that is
    /// not an object of fields.
    static func parseOperator(_ member: JSONObject.Member) throws(UpdateError) -> UpdateOperator {
        guard let operation = UpdateOperator(name: member.key) else {
            throw UpdateError(
                "Unknown modifier: \(UpdatePath.quote(member.key)). Expected one of $set, $unset, "
                    + "$setOnInsert, $inc, $mul, $min, $max, $rename, $currentDate, $push, $addToSet, $pop, "
                    + "$pullAll, $pull"
            )
        }
        guard case .object = member.value else {
            throw UpdateError(
                "Modifiers operate on fields but \(operation.text) has a value of type "
                    + "\(member.value.typeName) instead of an object"
            )
        }
        return operation
    }

    // MARK: - Arguments

    /// Checks the argument of one field of an operator other than `$rename`.
    static func validateArgument(
        _ operation: UpdateOperator,
        _ argument: JSON,
        at path: UpdatePath,
        components: Int
    ) throws(UpdateError) {
        let levelsLeft = self.maximumProfileDepth - components
        switch operation {
        case .set, .setOnInsert, .min, .max:
            try self.checkStorable(argument, levelsLeft: levelsLeft, checkingNames: true, path: path)
        case .unset, .rename:
            break
        case .inc, .mul:
            guard argument.isNumber else {
                let verb = operation == .inc ? "increment" : "multiply"
                throw UpdateError(
                    "Cannot \(verb) with non-numeric argument at \(path.quoted): "
                        + "\(operation.text) needs a number, not \(argument.typeName)"
                )
            }
        case .currentDate:
            guard self.isCurrentDateSpecification(argument) else {
                throw UpdateError(
                    "The $currentDate value at \(path.quoted) must be true or {\"$type\":\"date\"}, not "
                        + UpdateError.render(argument)
                )
            }
        case .push:
            guard levelsLeft > 0 else { throw UpdateError.tooDeep(path: path) }
            guard case .object = argument else {
                try self.checkStorable(argument, levelsLeft: levelsLeft - 1, checkingNames: true, path: path)
                return
            }
            let push = try PushArgument(argument, path: path)
            if let single = push.single {
                try self.checkStorable(single, levelsLeft: levelsLeft - 1, checkingNames: true, path: path)
            }
            for value in push.each {
                try self.checkStorable(value, levelsLeft: levelsLeft - 1, checkingNames: true, path: path)
            }
        case .addToSet:
            guard levelsLeft > 0 else { throw UpdateError.tooDeep(path: path) }
            guard case .object = argument else {
                try self.checkStorable(argument, levelsLeft: levelsLeft - 1, checkingNames: true, path: path)
                return
            }
            let values = try AddToSetArgument(argument, path: path)
            if let single = values.single {
                try self.checkStorable(single, levelsLeft: levelsLeft - 1, checkingNames: true, path: path)
            }
            for value in values.each {
                try self.checkStorable(value, levelsLeft: levelsLeft - 1, checkingNames: true, path: path)
            }
        case .pop:
            guard self.popDirection(argument) != nil else {
                throw UpdateError("$pop at \(path.quoted) expects 1 or -1, found: \(UpdateError.render(argument))")
            }
        case .pullAll:
            guard case .array = argument else {
                throw UpdateError(
                    "$pullAll at \(path.quoted) requires an array argument, not \(argument.typeName)"
                )
            }
        case .pull:
            _ = try PullMatcher(argument, path: path)
        }
    }

    /// Checks a `$rename` field and returns what validation learnt about its target path.
    static func validateRename(_ source: UpdatePath, argument: JSON) throws(UpdateError) -> UpdatePath.Summary {
        guard case .string(let text) = argument else {
            throw UpdateError(
                "The 'to' field for $rename must be a string: \(source.quoted) has a target of type "
                    + argument.typeName
            )
        }
        let target = UpdatePath(text)
        let summary = try target.validate()
        if text.utf8.contains(0) {  // only a string value can hold U+0000; a member name may not
            throw UpdateError(
                "The 'to' field for $rename \(target.quoted) contains U+0000, which a field name may not hold"
            )
        }
        if JSON.bytewiseEqual(source.text, target.text) {
            throw UpdateError("The source and target field for $rename must differ: \(source.quoted)")
        }
        if UpdatePath.overlap(source.text, target.text) {
            throw UpdateError(
                "The source and target field for $rename must not be on the same path: \(source.quoted) "
                    + "and \(target.quoted)"
            )
        }
        return summary
    }

    /// True for `true` and `{"$type":"date"}`.
    private static func isCurrentDateSpecification(_ argument: JSON) -> Bool {
        switch argument {
        case .bool(let flag):
            return flag
        case .object(let object):
            guard object.count == 1, let index = object.index(ofKey: "$type"),
                case .string(let type) = object.members[index].value
            else { return false }
            return JSON.bytewiseEqual(type, "date")
        default:
            return false
        }
    }

    // MARK: - Stored values

    /// Checks a value about to be stored: it may nest `levelsLeft` more levels (an object or array
    /// takes one), and, when `checkingNames`, no member name in it may be empty, start with `$`
    /// or contain `.`. The walk stops at the depth limit, so it never recurses deeper.
    static func checkStorable(
        _ value: JSON,
        levelsLeft: Int,
        checkingNames: Bool,
        path: UpdatePath
    ) throws(UpdateError) {
        switch value {
        case .object(let object):
            guard levelsLeft > 0 else { throw UpdateError.tooDeep(path: path) }
            for member in object.members {
                if checkingNames { try self.checkMemberName(member.key, path: path) }
                try self.checkStorable(
                    member.value,
                    levelsLeft: levelsLeft - 1,
                    checkingNames: checkingNames,
                    path: path
                )
            }
        case .array(let elements):
            guard levelsLeft > 0 else { throw UpdateError.tooDeep(path: path) }
            for element in elements {
                try self.checkStorable(element, levelsLeft: levelsLeft - 1, checkingNames: checkingNames, path: path)
            }
        default:
            return
        }
    }

    private static func checkMemberName(_ name: String, path: UpdatePath) throws(UpdateError) {
        var name = name
        let problem: UInt8? = name.withUTF8 { bytes in
            guard let first = bytes.first else { return 0 }
            if first == UInt8(ascii: "$") { return first }
            for byte in bytes where byte == UInt8(ascii: ".") {
                return byte
            }
            return nil
        }
        switch problem {
        case nil:
            return
        case 0:
            throw UpdateError("An empty field name in the value for \(path.quoted) is not valid for storage")
        case UInt8(ascii: "$"):
            throw UpdateError(
                "The dollar ($) prefixed field \(UpdatePath.quote(name)) in the value for \(path.quoted) is "
                    + "not valid for storage"
            )
        default:
            throw UpdateError(
                "The dotted field \(UpdatePath.quote(name)) in the value for \(path.quoted) is not valid for storage"
            )
        }
    }

    // MARK: - Conflicts

    /// Up to this many paths, each is compared with the earlier ones as validation goes; beyond,
    /// all are sorted once at the end.
    static let pairwiseConflictLimit = 16

    /// Where a path of the update is, and a key that differs for paths that cannot overlap.
    struct PathMark {
        /// ``UpdatePath/Summary/firstComponentKey``.
        var key: UInt64
        /// The operator's position in the update.
        var operatorIndex: Int
        /// The field's position in the operator.
        var fieldIndex: Int
        /// True for a `$rename` target (the field's value), false for the field name.
        var isTarget: Bool

        /// The path text in `operators`.
        func path(in operators: JSONObject) -> String {
            guard case .object(let fields) = operators.members[self.operatorIndex].value else { return "" }
            let field = fields.members[self.fieldIndex]
            if self.isTarget, case .string(let target) = field.value { return target }
            return field.key
        }
    }

    /// Fails when the path of `mark` overlaps one of the first `count` marks (while they fit),
    /// naming it and the shorter path. Paths whose first components differ are never compared.
    static func checkConflict(
        _ mark: PathMark,
        count: Int,
        marks: UnsafeMutableBufferPointer<PathMark>,
        operators: JSONObject
    ) throws(UpdateError) {
        guard count <= marks.count else { return }
        for index in 0..<count where marks[index].key == mark.key {
            let earlier = marks[index].path(in: operators)
            let path = mark.path(in: operators)
            if UpdatePath.overlap(earlier, path) {
                throw UpdateError.conflict(path: path, at: earlier.utf8.count < path.utf8.count ? earlier : path)
            }
        }
    }

    /// Fails when two paths of the update (`$rename` targets included) are equal or one is inside
    /// the other, naming the later path and the shorter one: sorted component by component, a
    /// path comes right before the paths inside it, so neighbours are compared; O(n log n).
    static func checkConflictsBySorting(_ operators: JSONObject, pathCount: Int) throws(UpdateError) {
        var paths: [(text: String, ordinal: Int)] = []
        paths.reserveCapacity(pathCount)
        for member in operators.members {
            guard case .object(let fields) = member.value else { continue }
            let isRename = member.key == "$rename"
            for field in fields.members {
                paths.append((field.key, paths.count))
                if isRename, case .string(let target) = field.value {
                    paths.append((target, paths.count))
                }
            }
        }
        paths.sort { lhs, rhs in
            if UpdatePath.componentOrder(lhs.text, rhs.text) { return true }
            if UpdatePath.componentOrder(rhs.text, lhs.text) { return false }
            return lhs.ordinal < rhs.ordinal
        }
        for index in 1..<paths.count where UpdatePath.overlap(paths[index - 1].text, paths[index].text) {
            let first = paths[index - 1]
            let second = paths[index]
            let later = first.ordinal > second.ordinal ? first.text : second.text
            // Sorted: the first is the shorter (or equal) one.
            throw UpdateError.conflict(path: later, at: first.text)
        }
    }
}
