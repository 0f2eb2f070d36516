/// A JSON object: members in insertion order, names unique and compared bytewise (UTF-8).
public struct JSONObject: Sendable, Equatable {
    /// One member of an object.
    public struct Member: Sendable, Equatable {
        /// The member name.
        public var key: String
        /// The member value.
        public var value: JSON

        /// A member named `key` holding `value`.
        public init(key: String, value: JSON) {
            self.key = key
            self.value = value
        }
    }

    /// The members in order.
    public private(set) var members: [Member]

    /// An empty object.
    public init() {
        self.members = []
    }

    /// An object of `members`, which the caller promises have unique names.
    public init(uniqueMembers members: [Member]) {
        self.members = members
    }

    /// An object of `pairs`, which the caller promises have unique names.
    public init(_ pairs: KeyValuePairs<String, JSON>) {
        self.members = pairs.map { Member(key: $0.key, value: $0.value) }
    }

    /// The number of members.
    public var count: Int { self.members.count }

    /// True when the object has no members.
    public var isEmpty: Bool { self.members.isEmpty }

    /// The position of the member named `key`, compared bytewise.
    public func index(of key: String) -> Int? {
        self.members.firstIndex { JSON.bytewiseEqual($0.key, key) }
    }

    /// The value of the member named `key`; setting `nil` removes it, setting a value appends a
    /// new member or replaces an existing one in place.
    public subscript(key: String) -> JSON? {
        get {
            guard let index = self.index(of: key) else { return nil }
            return self.members[index].value
        }
        set {
            let index = self.index(of: key)
            switch (index, newValue) {
            case (let index?, let value?): self.members[index].value = value
            case (let index?, nil): self.members.remove(at: index)
            case (nil, let value?): self.members.append(Member(key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Appends a member without checking for an existing one of the same name.
    public mutating func appendUnchecked(key: String, value: JSON) {
        self.members.append(Member(key: key, value: value))
    }

    /// Replaces the value at `index`.
    public mutating func setValue(_ value: JSON, at index: Int) {
        self.members[index].value = value
    }

    /// Removes the member at `index`.
    public mutating func remove(at index: Int) {
        self.members.remove(at: index)
    }
}
