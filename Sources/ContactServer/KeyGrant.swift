import ContactCore

/// What one API key may do (PROTOCOL.md sections 2, 10 and 12): the project its ordinary
/// methods act on, and whether it may call the `admin.*` methods.
public struct KeyGrant: Sendable, Equatable, CustomStringConvertible {
    /// The project of the ordinary methods; nil for an admin key that names none.
    public var project: String?
    /// True for an admin key.
    public var isAdmin: Bool

    /// A grant of `project`, an admin one when `isAdmin`.
    public init(project: String?, isAdmin: Bool) {
        self.project = project
        self.isAdmin = isAdmin
    }

    /// Reads a keys file's value: a project name, or `{"project": NAME, "admin": BOOL}` with a
    /// project, `"admin": true`, or both.
    init(keysFileValue value: JSON, source: String) throws(KeyRing.LoadError) {
        switch value {
        case .string(let project):
            try Self.check(project: project, source: source)
            self.init(project: project, isAdmin: false)
        case .object(let object):
            var project: String?
            var isAdmin = false
            for member in object.members {
                switch (member.key, member.value) {
                case ("project", .string(let name)):
                    try Self.check(project: name, source: source)
                    project = name
                case ("admin", .bool(let flag)):
                    isAdmin = flag
                case ("project", _), ("admin", _):
                    throw KeyRing.LoadError(
                        description:
                            "\(source): \(member.key) of a key must be a \(member.key == "admin" ? "boolean" : "string")"
                    )
                default:
                    throw KeyRing.LoadError(
                        description: "\(source): unknown member \(JSONWriter.string(.string(member.key))) in a key's "
                            + "object (expected project and admin)"
                    )
                }
            }
            guard project != nil || isAdmin else {
                throw KeyRing.LoadError(
                    description: "\(source): a key's object needs a project, \"admin\": true, or both"
                )
            }
            self.init(project: project, isAdmin: isAdmin)
        default:
            throw KeyRing.LoadError(
                description: "\(source): the value of a key must be a project name or an object with project and admin"
            )
        }
    }

    /// How logs and errors name the grant: its project, or that it is an admin key (never the key).
    public var description: String {
        switch (self.project, self.isAdmin) {
        case (let project?, false): return "project \(project)"
        case (let project?, true): return "project \(project) (admin)"
        case (nil, _): return "an admin key without project"
        }
    }

    private static func check(project: String, source: String) throws(KeyRing.LoadError) {
        guard KeyRing.isValidProjectName(project) else {
            throw KeyRing.LoadError(
                description:
                    "\(source): project name \(JSONWriter.string(.string(project))) must be 1 to 64 of A-Z a-z 0-9 _ -"
            )
        }
    }
}
