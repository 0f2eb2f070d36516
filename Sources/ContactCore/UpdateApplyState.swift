/// What one `UpdateEngine.apply` call carries from field to field.
struct UpdateApplyState {
    /// The largest allowed profile, in bytes (from the context).
    let maxProfileBytes: Int
    /// The instant `$currentDate` writes (from the context).
    let now: Timestamp
    /// Bytes of `null` padding (5 bytes each, `null,`) the update may still add to arrays before
    /// the profile is certain to exceed `maxProfileBytes`.
    var paddingBudget: Int
    /// The `$currentDate` value, computed on first use.
    private var currentDate: JSON?
    /// How many member lookups so far searched an object of at least `largeObject` members.
    private var largeLookups = 0
    /// For large objects searched often: the names each has or had, by the path of the object
    /// (`""` for the profile), so that looking up a missing name costs one hash instead of a scan.
    private var memberNames: [[UInt8]: Set<String>] = [:]

    /// Objects with fewer members are always searched linearly.
    private static let largeObject = 32
    /// After this many searches of large objects, they get name sets.
    private static let lookupsBeforeIndexing = 16

    /// The state at the start of an update in `context`.
    init(context: UpdateContext) {
        self.maxProfileBytes = context.maxProfileBytes
        self.now = context.now
        self.paddingBudget = Swift.max(0, context.maxProfileBytes)
        self.currentDate = nil
    }

    /// `now` as the ISO 8601 string `$currentDate` writes (the same for the whole update).
    mutating func currentDateValue() -> JSON {
        if let currentDate = self.currentDate { return currentDate }
        let value = JSON.string(self.now.iso8601)
        self.currentDate = value
        return value
    }

    // MARK: - Member lookup

    /// The position of the member named `name` (UTF-8 bytes) in `object`, which sits at the path
    /// whose UTF-8 bytes are `objectPath` (empty for the profile).
    ///
    /// A linear search, except when many searches hit large objects (an update of thousands of
    /// fields on a profile of thousands of members would otherwise cost their product): then a
    /// set of the object's names, built once, answers "not there" at once. Names compare
    /// bytewise; the set (canonical equality) only ever says "maybe" for a name that is there.
    @inline(__always)
    mutating func index(
        of name: UnsafeBufferPointer<UInt8>,
        in object: JSONObject,
        objectPath: @autoclosure () -> [UInt8]
    ) -> Int? {
        guard object.count >= Self.largeObject else { return object.index(ofBytes: name) }
        return self.indexInLargeObject(of: String(decoding: name, as: UTF8.self), in: object, objectPath: objectPath())
    }

    /// The position of the member named `name` in `object`, which sits at the path whose UTF-8
    /// bytes are `objectPath` (see ``index(of:in:objectPath:)``).
    @inline(__always)
    mutating func index(ofKey name: String, in object: JSONObject, objectPath: @autoclosure () -> [UInt8]) -> Int? {
        guard object.count >= Self.largeObject else { return object.index(ofKey: name) }
        return self.indexInLargeObject(of: name, in: object, objectPath: objectPath())
    }

    private mutating func indexInLargeObject(of name: String, in object: JSONObject, objectPath: [UInt8]) -> Int? {
        self.largeLookups += 1
        guard self.largeLookups > Self.lookupsBeforeIndexing else { return object.index(ofKey: name) }
        if self.memberNames[objectPath] == nil {
            self.memberNames[objectPath] = Set(object.members.lazy.map(\.key))
        }
        guard self.memberNames[objectPath]?.contains(name) != false else { return nil }
        return object.index(ofKey: name)
    }

    /// Notes that a member `name` was added to the object at the path whose UTF-8 bytes are
    /// `objectPath`.
    @inline(__always)
    mutating func noteAdded(_ name: String, objectPath: @autoclosure () -> [UInt8]) {
        guard !self.memberNames.isEmpty else { return }
        let path = objectPath()
        if self.memberNames[path] != nil { self.memberNames[path]?.insert(name) }
    }
}
