/// A list of values asked "does it hold one deeply equal to this?", hashed when it is large.
struct DeepValueSet {
    /// The values, in order.
    let values: [JSON]
    private let hashed: Set<DeepEqualityKey>?

    /// A set of `values`, hashed when membership tests would otherwise cost too much.
    init(_ values: [JSON]) {
        self.values = values
        self.hashed = values.count > 8 ? Set(values.map(DeepEqualityKey.init(value:))) : nil
    }

    /// True when one of the values is deeply equal to `value`.
    func contains(_ value: JSON) -> Bool {
        if let hashed = self.hashed { return hashed.contains(DeepEqualityKey(value: value)) }
        for candidate in self.values where candidate.isDeeplyEqual(to: value) {
            return true
        }
        return false
    }
}
