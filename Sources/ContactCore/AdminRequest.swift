/// An `admin.*` request whose fields have been checked (PROTOCOL.md section 12).
public enum AdminRequest: Sendable, Equatable {
    /// `admin.stats`: daemon-wide figures.
    case stats
    /// `admin.snapshot`: snapshot every shard now.
    case snapshot
    /// `admin.backup`: a consistent copy of the data into the backup folder's `name`.
    case backup(name: String)

    /// Checks the fields of an `admin.*` request; nil for a method that is not an admin method.
    public static func decode(_ envelope: RequestEnvelope) throws(RequestFailure) -> AdminRequest? {
        let fields = RequestFields(object: envelope.object, requestId: envelope.requestId)
        switch envelope.method {
        case .adminStats:
            return .stats
        case .adminSnapshot:
            return .snapshot
        case .adminBackup:
            guard let name = try fields.optionalString("to") else { throw fields.failure("to is required") }
            if let problem = Self.backupNameProblem(name) { throw fields.failure(problem) }
            return .backup(name: name)
        default:
            return nil
        }
    }

    /// Why `name` cannot name a backup (1 to 64 of `A-Z a-z 0-9 _ . -`, not `.` or `..`), or nil.
    public static func backupNameProblem(_ name: String) -> String? {
        let utf8 = name.utf8
        let allowed = utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
        guard (1...64).contains(utf8.count), allowed, name != ".", name != ".." else {
            return "to \(RequestEnvelope.quoted(name)) must be 1 to 64 of A-Z a-z 0-9 _ . - and not . or .."
        }
        return nil
    }
}
