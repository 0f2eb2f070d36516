// MARK: - Array operators: $push, $addToSet, $pop, $pullAll, $pull

extension UpdateEngine {
    /// Applies an array operator at `path`.
    ///
    /// `$push` and `$addToSet` create a missing array; `$pop`, `$pull` and `$pullAll` leave a
    /// missing path (or one through a scalar) alone. All fail on a field that exists and is not an
    /// array.
    static func applyArrayOperator(
        _ operation: UpdateOperator,
        at path: UpdatePath,
        argument: JSON,
        to profile: inout JSONObject,
        state: inout UpdateApplyState
    ) throws(UpdateError) {
        switch operation {
        case .push:
            guard case .object = argument else {
                // The common case, one plain value: no modifiers to look at.
                try self.modify(&profile, Walk(path, creates: true), state: &state) { slot throws(UpdateError) in
                    var array = try self.takeArray(from: &slot, operation: operation, path: path) ?? []
                    array.append(argument)
                    slot = .array(array)
                }
                return
            }
            let push = try PushArgument(argument, path: path)
            try self.modify(&profile, Walk(path, creates: true), state: &state) { slot throws(UpdateError) in
                var array = try self.takeArray(from: &slot, operation: operation, path: path) ?? []
                push.apply(to: &array)
                slot = .array(array)
            }
        case .addToSet:
            let values = try AddToSetArgument(argument, path: path)
            try self.modify(&profile, Walk(path, creates: true), state: &state) { slot throws(UpdateError) in
                var array = try self.takeArray(from: &slot, operation: operation, path: path) ?? []
                values.apply(to: &array)
                slot = .array(array)
            }
        case .pop:
            guard let fromEnd = self.popDirection(argument) else { return }  // validated: cannot happen
            try self.modify(&profile, Walk(path, creates: false), state: &state) { slot throws(UpdateError) in
                guard var array = try self.takeArray(from: &slot, operation: operation, path: path) else { return }
                if !array.isEmpty {
                    if fromEnd { array.removeLast() } else { array.removeFirst() }
                }
                slot = .array(array)
            }
        case .pullAll:
            guard case .array(let values) = argument else { return }  // validated: cannot happen
            let set = DeepValueSet(values)
            try self.modify(&profile, Walk(path, creates: false), state: &state) { slot throws(UpdateError) in
                guard var array = try self.takeArray(from: &slot, operation: operation, path: path) else { return }
                array.removeAll { set.contains($0) }
                slot = .array(array)
            }
        case .pull:
            let matcher = try PullMatcher(argument, path: path)
            try self.modify(&profile, Walk(path, creates: false), state: &state) { slot throws(UpdateError) in
                guard var array = try self.takeArray(from: &slot, operation: operation, path: path) else { return }
                array.removeAll { matcher.matches($0) }
                slot = .array(array)
            }
        default:
            preconditionFailure("\(operation.text) is not an array operator")
        }
    }

    /// Takes the array out of `slot` (leaving nil, so the array is not shared and changes in
    /// place); nil when the slot is empty; fails when it holds something else.
    private static func takeArray(
        from slot: inout JSON?,
        operation: UpdateOperator,
        path: UpdatePath
    ) throws(UpdateError) -> [JSON]? {
        guard let value = slot else { return nil }
        guard case .array(let array) = value else {
            throw UpdateError.nonArray(operation, value: value, path: path)
        }
        slot = nil
        return array
    }

    /// `$pop`'s argument: true for `1` (remove the last element), false for `-1` (the first), nil
    /// for anything else. Integral doubles count as integers.
    static func popDirection(_ argument: JSON) -> Bool? {
        switch self.integralValue(argument) {
        case 1: return true
        case -1: return false
        default: return nil
        }
    }

    /// The integer value of an `.int`, or of a `.double` with an integral value (clamped to the
    /// 64-bit range); nil for anything else.
    static func integralValue(_ value: JSON) -> Int64? {
        switch value {
        case .int(let number):
            return number
        case .double(let number):
            guard number.isFinite, number.rounded(.towardZero) == number else { return nil }
            if number >= 9_223_372_036_854_775_807.0 { return .max }
            if number <= -9_223_372_036_854_775_808.0 { return .min }
            return Int64(number)
        default:
            return nil
        }
    }
}
