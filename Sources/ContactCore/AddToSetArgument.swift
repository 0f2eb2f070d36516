/// A checked `$addToSet` argument: one value, or `{"$each": [...]}`.
struct AddToSetArgument {
    /// The value to add, when there is no `$each`.
    let single: JSON?
    /// The values of `$each`.
    let each: [JSON]

    /// Checks `argument`, the value of one `$addToSet` field at `path`: an object holding `$each`
    /// must hold nothing else, and `$each` must be an array.
    init(_ argument: JSON, path: UpdatePath) throws(UpdateError) {
        guard case .object(let object) = argument, let index = object.index(ofKey: "$each") else {
            self.single = argument
            self.each = []
            return
        }
        guard object.count == 1 else {
            throw UpdateError("Found unexpected fields after $each in $addToSet at \(path.quoted)")
        }
        guard case .array(let values) = object.members[index].value else {
            throw UpdateError(
                "The argument to $each in $addToSet at \(path.quoted) must be an array, not "
                    + object.members[index].value.typeName
            )
        }
        self.single = nil
        self.each = values
    }

    /// Appends each value that `array` does not hold yet (deep equality), in order.
    ///
    /// Linear scans for small inputs; a hash set when `array.count × values` grows, so the cost
    /// stays linear in the sizes.
    func apply(to array: inout [JSON]) {
        if let single = self.single {
            if !array.contains(where: { $0.isDeeplyEqual(to: single) }) { array.append(single) }
            return
        }
        if (array.count + 1) * self.each.count <= 256 {
            for value in self.each where !array.contains(where: { $0.isDeeplyEqual(to: value) }) {
                array.append(value)
            }
            return
        }
        var present = Set(array.map(DeepEqualityKey.init(value:)))
        for value in self.each where present.insert(DeepEqualityKey(value: value)).inserted {
            array.append(value)
        }
    }
}
