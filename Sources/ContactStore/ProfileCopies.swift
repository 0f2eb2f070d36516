/// How an updated profile's text reuses the text it replaced: the runs of bytes it copies.
public struct ProfileCopies: Sendable, Equatable {
    /// The length of the text the runs copy from.
    public var baseCount: Int
    /// One `(result start, base start, count)` triple per run, in the result's order; runs do
    /// not overlap.
    public var runs: [Int]

    /// The runs `runs` (triples, as ``UpdateEngine`` reports them) copied from a text of
    /// `baseCount` bytes.
    public init(baseCount: Int, runs: [Int]) {
        self.baseCount = baseCount
        self.runs = runs
    }

    /// `runs` when recording them saves bytes over recording the whole result (each run costs a
    /// few bytes to describe), else nil.
    static func worthRecording(_ runs: [Int], baseCount: Int) -> ProfileCopies? {
        var copied = 0
        var index = 2
        while index < runs.count {
            copied += runs[index]
            index += 3
        }
        guard copied >= 64, copied > 16 * (runs.count / 3) else { return nil }
        return ProfileCopies(baseCount: baseCount, runs: runs)
    }
}
