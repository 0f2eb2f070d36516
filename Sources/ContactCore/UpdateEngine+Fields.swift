// MARK: - Field operators: $set, $setOnInsert, $unset, $inc, $mul, $min, $max, $currentDate, $rename

extension UpdateEngine {
    /// Applies a field operator (all but `$rename` and the array operators) at `path`.
    static func applyFieldOperator(
        _ operation: UpdateOperator,
        at path: UpdatePath,
        argument: JSON,
        to profile: inout JSONObject,
        state: inout UpdateApplyState
    ) throws(UpdateError) {
        switch operation {
        case .set, .setOnInsert:
            try self.modify(&profile, Walk(path, creates: true, readsValue: false), state: &state) {
                slot throws(UpdateError) in
                slot = argument
            }
        case .unset:
            try self.modify(&profile, Walk(path, creates: false, readsValue: false), state: &state) {
                slot throws(UpdateError) in
                slot = nil
            }
        case .inc, .mul:
            try self.modify(&profile, Walk(path, creates: true), state: &state) { slot throws(UpdateError) in
                slot = try self.arithmetic(operation, current: slot, argument: argument, path: path)
            }
        case .min, .max:
            try self.modify(&profile, Walk(path, creates: true), state: &state) { slot throws(UpdateError) in
                guard let current = slot else {
                    slot = argument
                    return
                }
                let order = JSON.bsonCompare(argument, current)
                if (operation == .min && order < 0) || (operation == .max && order > 0) {
                    slot = argument
                }
            }
        case .currentDate:
            let now = state.currentDateValue()
            try self.modify(&profile, Walk(path, creates: true, readsValue: false), state: &state) {
                slot throws(UpdateError) in
                slot = now
            }
        default:
            preconditionFailure("\(operation.text) is not a field operator")
        }
    }

    /// The result of `$inc` or `$mul` on `current` (nil when missing).
    ///
    /// Integers stay 64-bit integers and fail on overflow; an integer with a double gives a double,
    /// which must be finite. On a missing field `$inc` sets the increment and `$mul` sets zero of
    /// the multiplier's kind (`0` or `0.0`), as MongoDB does.
    static func arithmetic(
        _ operation: UpdateOperator,
        current: JSON?,
        argument: JSON,
        path: UpdatePath
    ) throws(UpdateError) -> JSON {
        let isIncrement = operation == .inc
        guard let current else {
            if isIncrement { return argument }
            if case .int = argument { return .int(0) }
            return .double(0)
        }
        let result: Double
        switch (current, argument) {
        case (.int(let left), .int(let right)):
            let (value, overflow) =
                isIncrement ? left.addingReportingOverflow(right) : left.multipliedReportingOverflow(by: right)
            guard !overflow else {
                throw UpdateError(
                    "Cannot apply \(operation.text) to \(left) with \(right) at \(path.quoted): the result "
                        + "overflows a 64-bit integer"
                )
            }
            return .int(value)
        case (.int(let left), .double(let right)):
            result = isIncrement ? Double(left) + right : Double(left) * right
        case (.double(let left), .int(let right)):
            result = isIncrement ? left + Double(right) : left * Double(right)
        case (.double(let left), .double(let right)):
            result = isIncrement ? left + right : left * right
        default:
            guard current.isNumber else { throw UpdateError.nonNumeric(operation, path: path) }
            let verb = isIncrement ? "increment" : "multiply"
            throw UpdateError("Cannot \(verb) with non-numeric argument at \(path.quoted)")
        }
        guard result.isFinite else {
            throw UpdateError(
                "Cannot apply \(operation.text) at \(path.quoted): the result is not a finite number"
            )
        }
        return .double(result)
    }

    /// Moves the value at `source` to `target` (`$rename`); a missing source does nothing.
    ///
    /// Neither path may run through an array; the target is replaced when it exists and created
    /// (with objects on the way) when it does not.
    static func rename(
        _ source: UpdatePath,
        to target: UpdatePath,
        in profile: inout JSONObject,
        state: inout UpdateApplyState
    ) throws(UpdateError) {
        var moved: JSON? = nil
        try self.modify(&profile, Walk(source, creates: false, renameRole: .source), state: &state) {
            slot throws(UpdateError) in
            moved = slot
            slot = nil
        }
        guard let moved else { return }
        let components = try target.validate().components
        try self.checkStorable(
            moved,
            levelsLeft: self.maximumProfileDepth - components,
            checkingNames: false,
            path: target
        )
        try self.modify(&profile, Walk(target, creates: true, renameRole: .destination), state: &state) {
            slot throws(UpdateError) in
            slot = moved
        }
    }
}
