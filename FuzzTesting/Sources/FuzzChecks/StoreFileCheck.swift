@_spi(Fuzzing) import ContactStore
import Glibc

/// FuzzJournal and FuzzSnapshot: bytes as the only journal segment or snapshot of a data
/// folder, loaded by recovery's own code (``RecoveryProbe``).
///
/// Input: byte 0 is a mode; the rest is the file. Mode bit 0 rewrites the checksums of the
/// header and of every frame before the file is written, bit 1 also writes the right magic and
/// version, so that mutations get past the checksums to the decoders; mode 0 writes the bytes
/// as they are. Checks: nothing traps; a load either succeeds (a journal's torn tail then
/// starts inside the file) or refuses as damaged, naming the file and a byte offset inside it
/// ("at byte N"); the load's CPU time stays about linear in the file's size. Allocation is
/// checked by the fuzz run's `-malloc_limit_mb`.
public enum StoreFileCheck {
    /// Checks `input` as a journal segment (`isJournal`) or a snapshot.
    public static func check(_ input: [UInt8], isJournal: Bool) throws(FuzzFailure) {
        let kind: RecoveryProbe.Kind = isJournal ? .journal : .snapshot
        guard let mode = input.first else { return }
        var file = Array(input.dropFirst())
        if mode & 1 != 0 {
            RecoveryProbe.repairChecksums(&file, as: kind, setMagic: mode & 2 != 0)
        }
        var template = Array("/tmp/contactd-fuzz-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw FuzzFailure("mkdtemp failed: errno \(errno)") }
        let directory = String(cString: made)
        defer { rmdir(directory) }
        let start = UpdateCheck.cpuTime()
        do {
            let loaded = try RecoveryProbe.load(file, as: kind, directory: directory)
            try Self.checkWork(since: start, bytes: file.count)
            if let validEnd = loaded.validEnd, !(0...file.count).contains(validEnd) {
                throw FuzzFailure("torn tail at byte \(validEnd) of a \(file.count)-byte file")
            }
        } catch let error as FuzzFailure {
            throw error
        } catch let error as StoreError {
            guard error.code == .damaged else { throw FuzzFailure("refused, but not as damaged: \(error)") }
            guard let offset = Self.offset(in: error.message) else {
                throw FuzzFailure("refusal names no offset: \(error)")
            }
            guard offset <= file.count else {
                throw FuzzFailure("refusal names byte \(offset) of a \(file.count)-byte file: \(error)")
            }
            try Self.checkWork(since: start, bytes: file.count)
        } catch {
            throw FuzzFailure("unexpected error \(error)")
        }
    }

    /// A load's CPU time stays under the same generous budget as an update's
    /// (``UpdateCheck/budget(forBytes:)``): reading a file is about linear in its size.
    static func checkWork(since start: Double, bytes: Int) throws(FuzzFailure) {
        let elapsed = UpdateCheck.cpuTime() - start
        let budget = UpdateCheck.budget(forBytes: bytes)
        guard elapsed <= budget else {
            throw FuzzFailure("loading \(bytes) bytes took \(elapsed) s of CPU, over \(budget) s")
        }
    }

    /// N in the first "at byte N" of `message`.
    static func offset(in message: String) -> Int? {
        let bytes = Array(message.utf8)
        let marker = Array("at byte ".utf8)
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker)
        {
            let digits = bytes[(start + marker.count)...].prefix { (0x30...0x39).contains($0) }
            return Int(String(decoding: digits, as: UTF8.self))
        }
        return nil
    }
}
