/// One of the update operators of PROTOCOL.md section 6.
enum UpdateOperator: UInt8, Sendable {
    case set
    case unset
    case setOnInsert
    case inc
    case mul
    case min
    case max
    case rename
    case currentDate
    case push
    case addToSet
    case pop
    case pullAll
    case pull

    /// The operator named `name` (`"$set"`, …, compared bytewise), or nil for any other name.
    init?(name: String) {
        let parsed: UpdateOperator?
        if let contiguous = name.utf8.withContiguousStorageIfAvailable({ Self.parse($0) }) {
            parsed = contiguous
        } else {
            var name = name
            parsed = name.withUTF8 { Self.parse($0) }
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Picks the one candidate a name's length and a distinguishing byte allow, then compares
    /// every byte.
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> UpdateOperator? {
        guard bytes.count >= 4, bytes[0] == UInt8(ascii: "$") else { return nil }
        let candidate: UpdateOperator
        switch bytes.count {
        case 4:
            switch (bytes[1], bytes[2]) {
            case (UInt8(ascii: "s"), _): candidate = .set
            case (UInt8(ascii: "i"), _): candidate = .inc
            case (UInt8(ascii: "p"), _): candidate = .pop
            case (UInt8(ascii: "m"), UInt8(ascii: "u")): candidate = .mul
            case (UInt8(ascii: "m"), UInt8(ascii: "i")): candidate = .min
            default: candidate = .max
            }
        case 5: candidate = bytes[4] == UInt8(ascii: "h") ? .push : .pull
        case 6: candidate = .unset
        case 7: candidate = .rename
        case 8: candidate = .pullAll
        case 9: candidate = .addToSet
        case 12: candidate = bytes[1] == UInt8(ascii: "s") ? .setOnInsert : .currentDate
        default: return nil
        }
        let matches = candidate.name.withUTF8Buffer { expected in
            guard expected.count == bytes.count else { return false }
            for index in 1..<expected.count where expected[index] != bytes[index] {
                return false
            }
            return true
        }
        return matches ? candidate : nil
    }

    /// The operator's name, `$` included.
    var name: StaticString {
        switch self {
        case .set: return "$set"
        case .unset: return "$unset"
        case .setOnInsert: return "$setOnInsert"
        case .inc: return "$inc"
        case .mul: return "$mul"
        case .min: return "$min"
        case .max: return "$max"
        case .rename: return "$rename"
        case .currentDate: return "$currentDate"
        case .push: return "$push"
        case .addToSet: return "$addToSet"
        case .pop: return "$pop"
        case .pullAll: return "$pullAll"
        case .pull: return "$pull"
        }
    }

    /// The operator's name as a `String`, for messages.
    var text: String { self.name.description }

    /// True for the operators that create a missing path (all but `$unset`, `$pop`, `$pull`,
    /// `$pullAll`, which leave a missing path, or one through a scalar, alone).
    var createsPath: Bool {
        switch self {
        case .unset, .pop, .pull, .pullAll: return false
        default: return true
        }
    }
}
