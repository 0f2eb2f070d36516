/// A property a fuzz target checks did not hold; the fuzz executables trap on it, the replay
/// tests record it as an issue.
public struct FuzzFailure: Error, Sendable, CustomStringConvertible {
    /// What did not hold, in words.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { self.message }
}

/// The checks, by fuzz target name (the folder names under `FuzzTesting/Corpus/`).
public enum FuzzTarget: String, CaseIterable, Sendable {
    case json = "FuzzJSON"
    case framing = "FuzzFraming"
    case update = "FuzzUpdate"
    case journal = "FuzzJournal"
    case snapshot = "FuzzSnapshot"

    /// Runs this target's check on one input.
    public func check(_ input: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .json: try JSONCheck.check(input)
        case .framing: try FramingCheck.check(input)
        case .update: try UpdateCheck.check(input)
        case .journal: try StoreFileCheck.check(input, isJournal: true)
        case .snapshot: try StoreFileCheck.check(input, isJournal: false)
        }
    }

    /// The entry point of a fuzz executable: runs the check and traps with its message when it
    /// fails, so that libFuzzer saves the input.
    public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> Int32 {
        let input = count == 0 ? [] : Array(UnsafeRawBufferPointer(start: start, count: count))
        do {
            try self.check(input)
        } catch {
            fatalError("\(self.rawValue): \(error.message)")
        }
        return 0
    }
}
