// MARK: - Walking a dotted path to the slot an operator changes

extension UpdateEngine {
    /// How a walk treats what it finds on the way.
    struct Walk {
        /// The path.
        let path: UpdatePath
        /// True to create a missing path (objects on the way, `null` padding in arrays) and to fail
        /// on a path through a scalar or `null`; false to leave both alone.
        let creates: Bool
        /// For `$rename`: fail when the path runs into an array (the message names the role).
        let renameRole: RenameRole?
        /// False when the operator ignores the old value (`$set`, `$unset`, …): its body then gets
        /// nil, and what it leaves replaces the old value (nil removes it).
        let readsValue: Bool

        /// A walk along `path`.
        init(_ path: UpdatePath, creates: Bool, renameRole: RenameRole? = nil, readsValue: Bool = true) {
            self.path = path
            self.creates = creates
            self.renameRole = renameRole
            self.readsValue = readsValue
        }
    }

    /// Which end of a `$rename` a walk follows.
    enum RenameRole {
        /// The field moved away.
        case source
        /// The field moved to.
        case destination
    }

    /// What an operator does at the end of a path: it gets the value there (nil when missing) and
    /// leaves the new one (nil removes a member; in an array it leaves `null`).
    typealias SlotBody = (inout JSON?) throws(UpdateError) -> Void

    /// Walks `walk.path` from the top of `profile` and lets `body` change the value at its end.
    ///
    /// Containers on the way are taken out of their parents while they change, so each is copied
    /// at most once (when the caller still shares it) and never again. The path is read as UTF-8
    /// bytes in place; components are byte ranges.
    static func modify(
        _ profile: inout JSONObject,
        _ walk: Walk,
        state: inout UpdateApplyState,
        body: SlotBody
    ) throws(UpdateError) {
        if walk.path.isSingleComponent {
            // The common case, a top-level member: one lookup.
            let index = state.index(ofKey: walk.path.text, in: profile, objectPath: [])
            try self.finish(
                &profile,
                at: index,
                readsValue: walk.readsValue,
                name: walk.path.text,
                objectPath: [],
                state: &state,
                body: body
            )
            return
        }
        var text = walk.path.text
        let result: Result<Void, UpdateError> = text.withUTF8 { bytes in
            Result { () throws(UpdateError) -> Void in
                let path = PathBytes(bytes: bytes, walk: walk)
                try self.modify(&profile, path, at: 0, state: &state, body: body)
            }
        }
        try result.get()
    }

    /// Lets `body` change the member at `index` of `object` (nil: missing, then what it leaves is
    /// added as `name`; the object sits at the path whose UTF-8 bytes are `objectPath`).
    @inline(__always)
    private static func finish(
        _ object: inout JSONObject,
        at index: Int?,
        readsValue: Bool,
        name: @autoclosure () -> String,
        objectPath: @autoclosure () -> [UInt8],
        state: inout UpdateApplyState,
        body: SlotBody
    ) throws(UpdateError) {
        guard let index else {
            var slot: JSON? = nil
            try body(&slot)
            if let slot {
                let name = name()
                object.appendUnchecked(key: name, value: slot)
                state.noteAdded(name, objectPath: objectPath())
            }
            return
        }
        var slot: JSON? = nil
        if readsValue {
            slot = object.members[index].value
            object.setValue(.null, at: index)
        }
        try body(&slot)
        switch consume slot {
        case .some(let value): object.setValue(value, at: index)
        case .none: object.remove(at: index)
        }
    }

    /// The path of a walk as UTF-8 bytes, valid while the walk runs.
    private struct PathBytes {
        let bytes: UnsafeBufferPointer<UInt8>
        let walk: Walk

        /// The component starting at byte `start`, and where the next one starts (nil for the last).
        @inline(__always)
        func component(at start: Int) -> (range: Range<Int>, next: Int?) {
            var index = start
            while index < self.bytes.count {
                if self.bytes[index] == UInt8(ascii: ".") { return (start..<index, index + 1) }
                index += 1
            }
            return (start..<self.bytes.count, nil)
        }

        /// The bytes of `range`.
        @inline(__always)
        func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: self.bytes[range])
        }

        /// The UTF-8 bytes of the path before the component starting at `start` (the path of the
        /// object holding it).
        func objectPath(before start: Int) -> [UInt8] {
            start == 0 ? [] : Array(self.bytes[0..<(start - 1)])
        }

        /// The component `range` as a member name.
        func name(_ range: Range<Int>) -> String {
            if range.count == self.bytes.count { return self.walk.path.text }
            return String(decoding: self.slice(range), as: UTF8.self)
        }
    }

    private static func modify(
        _ object: inout JSONObject,
        _ path: PathBytes,
        at start: Int,
        state: inout UpdateApplyState,
        body: SlotBody
    ) throws(UpdateError) {
        let (range, next) = path.component(at: start)
        let index = state.index(of: path.slice(range), in: object, objectPath: path.objectPath(before: start))
        guard let next else {
            try self.finish(
                &object,
                at: index,
                readsValue: path.walk.readsValue,
                name: path.name(range),
                objectPath: path.objectPath(before: start),
                state: &state,
                body: body
            )
            return
        }
        if let index {
            var child = object.members[index].value
            object.setValue(.null, at: index)
            try self.modify(&child, named: range, path, at: next, state: &state, body: body)
            object.setValue(child, at: index)
        } else if path.walk.creates {
            var slot: JSON? = nil
            try body(&slot)
            if let slot {
                let name = path.name(range)
                object.appendUnchecked(key: name, value: self.nest(slot, in: path, from: next))
                state.noteAdded(name, objectPath: path.objectPath(before: start))
            }
        }
    }

    private static func modify(
        _ value: inout JSON,
        named name: Range<Int>,
        _ path: PathBytes,
        at start: Int,
        state: inout UpdateApplyState,
        body: SlotBody
    ) throws(UpdateError) {
        switch value {
        case .object(var object):
            value = .null
            try self.modify(&object, path, at: start, state: &state, body: body)
            value = .object(object)
        case .array(var array):
            if let role = path.walk.renameRole {
                let which = role == .source ? "source" : "destination"
                throw UpdateError(
                    "The \(which) field for $rename cannot be inside an array: \(path.walk.path.quoted) runs "
                        + "through the array \(UpdatePath.quote(path.name(0..<name.upperBound)))"
                )
            }
            value = .null
            try self.modify(&array, named: name, path, at: start, state: &state, body: body)
            value = .array(array)
        default:
            guard path.walk.creates else { return }
            throw UpdateError.cannotCreate(
                field: path.name(path.component(at: start).range),
                inElement: path.name(name),
                value: value,
                path: path.walk.path
            )
        }
    }

    private static func modify(
        _ array: inout [JSON],
        named name: Range<Int>,
        _ path: PathBytes,
        at start: Int,
        state: inout UpdateApplyState,
        body: SlotBody
    ) throws(UpdateError) {
        let (range, next) = path.component(at: start)
        guard let index = UpdatePath.arrayIndex(path.slice(range)) else {
            guard path.walk.creates else { return }
            throw UpdateError.cannotCreate(
                field: path.name(range),
                inElement: path.name(name),
                value: .array(array),
                path: path.walk.path
            )
        }
        if index < array.count {
            if let next {
                var child = array[index]
                array[index] = .null
                try self.modify(&child, named: range, path, at: next, state: &state, body: body)
                array[index] = child
            } else {
                var slot: JSON? = nil
                if path.walk.readsValue {
                    slot = array[index]
                    array[index] = .null
                }
                try body(&slot)
                array[index] = slot ?? .null
            }
            return
        }
        guard path.walk.creates else { return }
        // Past the end: pad with null, unless the padding alone would break the profile limit.
        let padding = index - array.count
        if padding > 0 {
            guard padding <= state.paddingBudget / 5 else {
                throw UpdateError(
                    "Updating the path \(path.walk.path.quoted) would pad an array with \(padding) nulls: the "
                        + "profile would be over the limit of \(state.maxProfileBytes) bytes"
                )
            }
        }
        var slot: JSON? = nil
        try body(&slot)
        guard let slot else { return }
        if padding > 0 {
            state.paddingBudget -= padding * 5
            array.reserveCapacity(index + 1)
            for _ in 0..<padding {
                array.append(.null)
            }
        }
        array.append(next.map { self.nest(slot, in: path, from: $0) } ?? slot)
    }

    /// `value` inside objects named by the components of `path` from `start` on
    /// (`nest(1, "a.b.c", from: b)` is `{"b":{"c":1}}`).
    private static func nest(_ value: JSON, in path: PathBytes, from start: Int) -> JSON {
        let (range, next) = path.component(at: start)
        let inner = next.map { self.nest(value, in: path, from: $0) } ?? value
        return .object(JSONObject(uniqueMembers: [JSONObject.Member(key: path.name(range), value: inner)]))
    }
}
