import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// PROTOCOL.md section 8: the data folder is 0700 and every file in it 0600, whatever the umask.
struct PrivateFilesTests {
    /// Started by hand under umask 000 without `--keys`, the daemon makes its data folder (and its
    /// missing parents) 0700 and every file it creates there 0600: LOCK, LAYOUT, the generated
    /// keys file, journals and snapshots.
    @Test func dataFolderAndFilesArePrivateUnderUmask000() async throws {
        let directory = try TemporaryDirectory()
        let socketPath = directory.file("s.sock")
        let parent = directory.file("a")
        let data = directory.file("a/b/data")
        let process = try ChildProcess.spawn(
            "/bin/sh",
            [
                "-c", #"umask 000; exec "$0" "$@""#, Harness.daemonBinary,
                "--socket", socketPath, "--data", data, "--snapshot-interval", "1",
            ],
            stdoutPath: directory.file("stdout.log"),
            stderrPath: directory.file("stderr.log")
        )
        let ready = try await eventually(timeout: .seconds(20)) {
            if !process.isRunning { return true }
            guard let probe = try? Client(path: socketPath) else { return false }
            return (try? await probe.pings()) == true
        }
        #expect(ready && process.isRunning, "\(process.stderrText)")
        let keysText = try String(contentsOfFile: data + "/keys.json", encoding: .utf8)
        let key = try #require(try json(keysText).asObject?.members.first?.key)
        let client = try Client(path: socketPath)
        #expect(
            try await client.upsert(#"{"id":"p1","profile":{"$set":{"a":1}}}"#, key: key).strings("inserted") == ["p1"]
        )
        try await pause(.milliseconds(2500))  // at least one periodic snapshot
        #expect(try await client.upsert(#"{"id":"p2"}"#, key: key).strings("inserted") == ["p2"])
        client.close()
        process.send(signal: SIGTERM)
        #expect(try await process.wait(timeout: .seconds(15)) == .exited(0))

        for folder in [parent, directory.file("a/b"), data] {
            #expect(permissionBits(of: folder) == 0o700, "\(folder)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: data)
        #expect(names.contains("keys.json") && names.contains("LOCK"))
        #expect(names.contains { $0.hasPrefix("snapshot.") } && names.contains { $0.hasPrefix("journal.") }, "\(names)")
        for name in names {
            #expect(permissionBits(of: data + "/" + name) == 0o600, "\(name)")
        }
    }
}
