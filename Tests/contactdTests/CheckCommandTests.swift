import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `contactd check --data DIR [--repair]` (PROTOCOL.md section 12).
struct CheckCommandTests {
    /// Runs `contactd check` and returns its exit status, standard output and standard error.
    static func check(
        _ arguments: [String],
        in directory: TemporaryDirectory
    ) async throws -> (
        ChildExitStatus, String, String
    ) {
        let name = UUID().uuidString.prefix(8)
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["check"] + arguments,
            stdoutPath: directory.file("check-\(name).out"),
            stderrPath: directory.file("check-\(name).err")
        )
        let status = try await process.wait(timeout: .seconds(60))
        return (status, process.stdoutText, process.stderrText)
    }

    /// A store whose single journal holds records a, b, c; returns the journal's path and its
    /// size after each record (the first entry: before any).
    static func journalOfThreeRecords() async throws -> (Daemon, String, [Int]) {
        let daemon = try await Daemon.start(["--shards", "1", "--fsync", "always"])
        let client = try daemon.connect()
        let files = try FileManager.default.contentsOfDirectory(atPath: daemon.dataPath)
        let journal = daemon.dataPath + "/" + (try #require(files.first { $0.hasPrefix("journal.1.0.") }))
        var sizes = [try Self.size(journal)]
        for id in ["a", "b", "c"] {
            #expect(try await client.upsert(#"{"id":"\#(id)","profile":{"$set":{"n":"\#(id)"}}}"#).status == 200)
            sizes.append(try Self.size(journal))
        }
        #expect(try await daemon.stop(signal: SIGKILL) == .signaled(SIGKILL))
        return (daemon, journal, sizes)
    }

    static func size(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? -1
    }

    /// A sound folder: exit 0, each file with what it holds.
    @Test func soundFolder() async throws {
        let (daemon, journal, _) = try await Self.journalOfThreeRecords()
        let (status, output, _) = try await Self.check(["--data", daemon.dataPath], in: daemon.directory)
        #expect(status == .exited(0), "\(output)")
        #expect(output.contains("\(journal): "))
        #expect(output.contains("records 1 to 3 (3); shard after it: 1 projects, 3 contacts"))
        #expect(output.contains("sound"))
    }

    /// A folder a running daemon holds is refused (exit 2) and left alone.
    @Test func refusesAFolderInUse() async throws {
        let daemon = try await Daemon.start()
        let (status, _, errors) = try await Self.check(["--data", daemon.dataPath], in: daemon.directory)
        #expect(status == .exited(2))
        #expect(errors.contains("another contactd is already running"))
        #expect(try await daemon.connect().pings())
    }

    /// A torn tail is reported with its offset (exit 1); `--repair` keeps the cut bytes beside
    /// the journal, cuts them, and the folder is sound and starts with every record.
    @Test func tornTailAndRepair() async throws {
        let (daemon, journal, sizes) = try await Self.journalOfThreeRecords()
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([1, 2, 3, 4, 5, 6, 7]))
        try handle.close()
        let end = sizes[3]
        let (status, output, _) = try await Self.check(["--data", daemon.dataPath], in: daemon.directory)
        #expect(status == .exited(1))
        #expect(output.contains("torn tail: 7 bytes at byte \(end)"))
        #expect(try Self.size(journal) == end + 7)

        let (repaired, repairOutput, _) = try await Self.check(
            ["--data", daemon.dataPath, "--repair"],
            in: daemon.directory
        )
        #expect(repaired == .exited(0), "\(repairOutput)")
        #expect(try Self.size(journal) == end)
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(journal).cut-\(end)")) == Data([1, 2, 3, 4, 5, 6, 7]))
        let again = try await Daemon.start(["--shards", "1"], directory: daemon.directory)
        #expect(try await again.connect().listAllIds() == ["a", "b", "c"])
    }

    /// Damage in the middle (a bad record followed by a valid one) is reported at the bad
    /// record's offset (exit 1) and changes nothing; `--repair` cuts from there, keeping the
    /// cut bytes beside the file, and the records before it remain.
    @Test func midFileDamageAndRepair() async throws {
        let (daemon, journal, sizes) = try await Self.journalOfThreeRecords()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: journal))
        bytes[sizes[1] + 6] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: journal))
        let (status, output, _) = try await Self.check(["--data", daemon.dataPath], in: daemon.directory)
        #expect(status == .exited(1))
        #expect(output.contains("damaged record at byte \(sizes[1])"), "\(output)")
        #expect(output.contains("a valid record follows at byte \(sizes[2])"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: journal)) == bytes)

        let (repaired, _, _) = try await Self.check(["--data", daemon.dataPath, "--repair"], in: daemon.directory)
        #expect(repaired == .exited(0))
        #expect(try Self.size(journal) == sizes[1])
        let cut = try Data(contentsOf: URL(fileURLWithPath: "\(journal).cut-\(sizes[1])"))
        #expect(cut == bytes[sizes[1]...])
        let again = try await Daemon.start(["--shards", "1"], directory: daemon.directory)
        #expect(try await again.connect().listAllIds() == ["a"])
    }

    /// A missing folder is refused (exit 2) and not created.
    @Test func missingFolder() async throws {
        let directory = try TemporaryDirectory()
        let (status, _, errors) = try await Self.check(["--data", directory.file("nothing")], in: directory)
        #expect(status == .exited(2))
        #expect(errors.contains("no such data folder"))
        #expect(!exists(directory.file("nothing")))
    }
}
