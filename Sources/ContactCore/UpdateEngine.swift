/// Applies MongoDB-style update operators to a profile (PROTOCOL.md section 6).
///
/// One pass over the operators, in the order written and fields in order, to a copy of the
/// profile. Each field is first checked for everything that does not depend on the profile
/// (operator name, path, argument, stored member names, nesting depth, conflicts with the paths
/// before it) and then applied, walking its dotted path in place. A failure while applying is
/// held back until every remaining field has been checked, so a check failure anywhere wins over
/// it, whatever the profile holds (as MongoDB rejects a malformed update before running it). The
/// first failure throws and the copy is dropped: the caller's profile never changes. Finally
/// `profile.id` is checked (when a path reached it) and the result is serialized and measured.
///
/// Order: fields of different paths never touch the same value (conflicts fail), so the order
/// only shows in where new members go, and where a field indexes an array that another pads
/// (`{"$set":{"a.2":1},"$inc":{"a.1":1}}` on `a: []`). For the latter MongoDB (5.0 and later)
/// applies fields sorted by path, array indexes numerically; so when a path may index an array
/// below the top level, the update is applied again from the start in that order.
///
/// Cost: linear in the size of the operators plus, per path, the members on its way (objects
/// are searched linearly; profiles are small); only the containers on a path are copied.
public enum UpdateEngine {
    /// The deepest a profile may nest: the profile object is level 1.
    ///
    /// Four less than ``JSONParser/maximumDepth``, so that any stored profile can be sent back
    /// inside a `contacts.upsert` `$set` (whose members sit at depth 6) and inside every response.
    /// It also bounds the recursion of every walk over a profile.
    public static let maximumProfileDepth = JSONParser.maximumDepth - 4
    /// The most fields a `$sort` specification or a `$pull` condition (all its nested levels
    /// counted) may name (PROTOCOL.md section 6): their cost multiplies with the array's length.
    public static let maximumConditionFields = 32

    /// Applies `operators` (an entry's `profile` member: an object of update operators) to `profile`,
    /// all or nothing.
    public static func apply(
        _ operators: JSONObject,
        to profile: JSONObject,
        context: UpdateContext
    ) throws(UpdateError) -> UpdateResult {
        let profile = try self.applyUnserialized(operators, to: profile, context: context)
        var serialized: [UInt8] = []
        serialized.reserveCapacity(256)
        JSONWriter.writeObject(profile, into: &serialized)
        guard serialized.count <= context.maxProfileBytes else {
            throw UpdateError.profileTooLarge(serialized.count, limit: context.maxProfileBytes)
        }
        return UpdateResult(profile: profile, serialized: serialized)
    }

    /// ``apply(_:to:context:)`` up to the check of `profile.id`: the new profile, not yet
    /// serialized nor measured.
    static func applyUnserialized(
        _ operators: JSONObject,
        to original: JSONObject,
        context: UpdateContext
    ) throws(UpdateError) -> JSONObject {
        var profile = self.workingCopy(of: original)
        let touchesID = try self.run(operators, on: &profile, original: original, context: context)
        if touchesID {
            guard case .string(let id)? = profile["id"], JSON.bytewiseEqual(id, context.externalId) else {
                throw UpdateError.immutableID
            }
        }
        return profile
    }

    /// Checks and applies every field; returns true when a path (a `$rename` target included)
    /// starts at `id`, so the result's `profile.id` must be checked.
    ///
    /// Conflicts: while there are few paths, each is compared with the earlier ones whose first
    /// component has the same key (in a stack buffer); beyond, all are sorted once at the end.
    private static func run(
        _ operators: JSONObject,
        on profile: inout JSONObject,
        original: JSONObject,
        context: UpdateContext
    ) throws(UpdateError) -> Bool {
        try withUnsafeTemporaryAllocation(of: PathMark.self, capacity: self.pairwiseConflictLimit) {
            (marks: UnsafeMutableBufferPointer<PathMark>) throws(UpdateError) -> Bool in
            var state = UpdateApplyState(context: context)
            var touchesID = false
            var pathCount = 0
            var deferred: UpdateError? = nil
            var inPathOrder = false
            for (operatorIndex, member) in operators.members.enumerated() {
                let operation = try self.parseOperator(member)
                guard case .object(let fields) = member.value else { continue }  // checked above
                let applies = operation != .setOnInsert || context.isInsert
                for (fieldIndex, field) in fields.members.enumerated() {
                    let summary = try UpdatePath(field.key).validate()
                    let path = UpdatePath(field.key, summary: summary)
                    if summary.startsAtID { touchesID = true }
                    if summary.mayIndexArray { inPathOrder = true }
                    var mark = PathMark(
                        key: summary.firstComponentKey,
                        operatorIndex: operatorIndex,
                        fieldIndex: fieldIndex,
                        isTarget: false
                    )
                    try self.checkConflict(mark, count: pathCount, marks: marks, operators: operators)
                    if pathCount < marks.count { marks.initializeElement(at: pathCount, to: mark) }
                    pathCount += 1
                    if operation == .rename {
                        let target = try self.validateRename(path, argument: field.value)
                        if target.startsAtID { touchesID = true }
                        mark.key = target.firstComponentKey
                        mark.isTarget = true
                        try self.checkConflict(mark, count: pathCount, marks: marks, operators: operators)
                        if pathCount < marks.count { marks.initializeElement(at: pathCount, to: mark) }
                        pathCount += 1
                    } else {
                        try self.validateArgument(operation, field.value, at: path, components: summary.components)
                    }
                    guard applies, deferred == nil, !inPathOrder else { continue }
                    do throws(UpdateError) {
                        try self.apply(operation, at: path, argument: field.value, to: &profile, state: &state)
                    } catch {
                        deferred = error
                    }
                }
            }
            if pathCount > marks.count {
                try self.checkConflictsBySorting(operators, pathCount: pathCount)
            }
            if inPathOrder {
                profile = self.workingCopy(of: original)
                try self.applyInPathOrder(operators, to: &profile, context: context)
                return touchesID
            }
            if let deferred { throw deferred }
            return touchesID
        }
    }

    /// Applies the (checked) fields of `operators` sorted in MongoDB's order: by path, array
    /// indexes numerically (``UpdatePath/applicationOrder(_:_:)``), a `$rename` at its target.
    private static func applyInPathOrder(
        _ operators: JSONObject,
        to profile: inout JSONObject,
        context: UpdateContext
    ) throws(UpdateError) {
        var steps: [(key: String, operation: UpdateOperator, path: String, argument: JSON)] = []
        for member in operators.members {
            guard let operation = UpdateOperator(name: member.key), case .object(let fields) = member.value else {
                continue  // checked: cannot happen
            }
            if operation == .setOnInsert, !context.isInsert { continue }
            for field in fields.members {
                var key = field.key
                if operation == .rename, case .string(let target) = field.value { key = target }
                steps.append((key, operation, field.key, field.value))
            }
        }
        var order = Array(steps.indices)
        order.sort { lhs, rhs in
            if UpdatePath.applicationOrder(steps[lhs].key, steps[rhs].key) { return true }
            if UpdatePath.applicationOrder(steps[rhs].key, steps[lhs].key) { return false }
            return lhs < rhs
        }
        var state = UpdateApplyState(context: context)
        for index in order {
            let step = steps[index]
            let path = UpdatePath(step.path)
            try self.apply(step.operation, at: path, argument: step.argument, to: &profile, state: &state)
        }
    }

    /// A copy of `profile` that the update owns, with room for a few more top-level members, so
    /// that neither the first change nor the first appends copy it again.
    private static func workingCopy(of profile: JSONObject) -> JSONObject {
        var members: [JSONObject.Member] = []
        members.reserveCapacity(profile.count + 8)
        members.append(contentsOf: profile.members)
        return JSONObject(uniqueMembers: members)
    }

    /// Applies one operator to one field of `profile`.
    static func apply(
        _ operation: UpdateOperator,
        at path: UpdatePath,
        argument: JSON,
        to profile: inout JSONObject,
        state: inout UpdateApplyState
    ) throws(UpdateError) {
        switch operation {
        case .set, .setOnInsert, .unset, .inc, .mul, .min, .max, .currentDate:
            try self.applyFieldOperator(operation, at: path, argument: argument, to: &profile, state: &state)
        case .rename:
            guard case .string(let target) = argument else { return }  // validated: cannot happen
            try self.rename(path, to: UpdatePath(target), in: &profile, state: &state)
        case .push, .addToSet, .pop, .pullAll, .pull:
            try self.applyArrayOperator(operation, at: path, argument: argument, to: &profile, state: &state)
        }
    }
}
