/// A JSON value as a set or dictionary key, equal by ``JSON/isDeeplyEqual(to:)``.
struct DeepEqualityKey: Hashable {
    /// The value.
    let value: JSON

    static func == (lhs: DeepEqualityKey, rhs: DeepEqualityKey) -> Bool {
        lhs.value.isDeeplyEqual(to: rhs.value)
    }

    func hash(into hasher: inout Hasher) {
        self.value.deepHash(into: &hasher)
    }
}
