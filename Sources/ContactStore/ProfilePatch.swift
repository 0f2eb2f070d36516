import ContactCore

/// An updated contact as a journal record holds it (change tag 4 in docs/STORAGE.md): its
/// external id, its new `updatedAt`, and its new profile as the bytes that are new and runs
/// copied from the profile it had before.
struct ProfilePatch: Equatable {
    /// The contact's external id.
    var externalId: String
    /// Its `updatedAt` after the update.
    var updatedAt: Timestamp
    /// The length of the profile the patch applies to.
    var baseCount: Int
    /// The length of the new profile.
    var resultCount: Int
    /// CRC-32C of the new profile: replay rebuilds exactly the bytes that were acknowledged.
    var resultChecksum: UInt32
    /// The number of copied runs.
    var runCount: Int
    /// The runs as encoded: per run the literal bytes before it (bytes), its start in the base
    /// (varint) and its length (varint); then the literal bytes after the last run (bytes).
    var pieces: [UInt8]

    /// The new profile, or nil when `base` is not the profile the patch was made from.
    func apply(to base: [UInt8]) -> [UInt8]? {
        // The runs copy the base in order, each byte at most once, so the new profile is at most
        // the base and the literal bytes: a damaged count cannot make replay allocate more.
        guard base.count == self.baseCount, self.resultCount <= base.count + self.pieces.count else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(self.resultCount)
        let built = self.pieces.withUnsafeBytes { pieces -> Bool in
            var reader = BinaryReader(pieces)
            var baseEnd = 0
            do throws(BinaryDecodingError) {
                for _ in 0..<self.runCount {
                    result.append(contentsOf: try reader.rawBytes())
                    let start = try reader.int()
                    let count = try reader.int()
                    guard start >= baseEnd, start <= base.count, count <= base.count - start else { return false }
                    result.append(contentsOf: base[start..<(start + count)])
                    baseEnd = start + count
                }
                result.append(contentsOf: try reader.rawBytes())
            } catch {
                return false
            }
            return reader.isAtEnd
        }
        guard built, result.count == self.resultCount, CRC32C.checksum(result) == self.resultChecksum else {
            return nil
        }
        return result
    }
}
