/// How an updated profile's text reuses the text it replaced: the runs of bytes it copies.
public struct ProfileCopies: Sendable, Equatable {
    /// The length of the text the runs copy from.
    public var baseCount: Int
    /// Where the runs are in the change set's ``ChangeSet/copiedRuns``: one `(result start,
    /// base start, count)` triple per run, in the result's order; runs do not overlap. (Kept
    /// there for all the changes of a request, so that a change needs no array of its own.)
    public var runs: Range<Int>

    /// The runs at `runs` of the change set's ``ChangeSet/copiedRuns``, copied from a text of
    /// `baseCount` bytes.
    public init(baseCount: Int, runs: Range<Int>) {
        self.baseCount = baseCount
        self.runs = runs
    }

    /// True when recording `runs` (triples, as ``UpdateEngine`` reports them) saves bytes over
    /// recording the whole result: each run costs a few bytes to describe.
    static func worthRecording(_ runs: [Int]) -> Bool {
        var copied = 0
        var index = 2
        while index < runs.count {
            copied += runs[index]
            index += 3
        }
        return copied >= 64 && copied > 16 * (runs.count / 3)
    }
}
