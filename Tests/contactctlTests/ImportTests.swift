import ContactClient
import ContactCore
import ContactdTesting
import Foundation
import Testing

/// `contactctl import`: CSV and JSON lines, bad rows reported by line and skipped, and re-runs
/// that apply nothing twice.
@Suite(.timeLimit(.minutes(1)))
struct ImportTests {
    /// The summary an import prints.
    struct Summary {
        var rows: Int64
        var inserted: Int64
        var updated: Int64
        var replayed: Int64
        var failed: Int64
        /// (line, error) of each failed row, by line.
        var errors: [(line: Int64, id: String?, error: String)]

        init(_ run: CtlRun) throws {
            let object = try #require(try JSONParser.parse(run.stdout.trimmingCharacters(in: .newlines)).objectValue)
            func int(_ name: String) throws -> Int64 {
                guard case .int(let value)? = object[name] else { throw HarnessError("no \(name) in \(run.stdout)") }
                return value
            }
            self.rows = try int("rows")
            self.inserted = try int("inserted")
            self.updated = try int("updated")
            self.replayed = try int("replayed")
            self.failed = try int("failed")
            self.errors = try (object["errors"]?.arrayValue ?? []).map { element in
                let error = try #require(element.objectValue)
                guard case .int(let line)? = error["line"], let message = error["error"]?.stringValue else {
                    throw HarnessError("bad error \(element)")
                }
                return (line, error["id"]?.stringValue, message)
            }
        }
    }

    /// 10,000 CSV rows plus bad ones: the bad rows are reported with their line numbers and
    /// skipped (exit 1); running it again inserts nothing and applies nothing; a clean file exits 0.
    @Test func csvImport() async throws {
        let daemon = try await TestDaemon.start()
        let path = daemon.directory + "/contacts.csv"
        var text = "id,firstName,age,address.city\n"
        var line = 1
        var expectedBad: [Int64: String] = [:]
        for index in 0..<10_000 {
            line += 1
            text += "c\(index),\"Name, \"\"\(index)\"\"\",\(index),City \(index % 7)\n"
            if index % 2_000 == 999 {
                line += 1
                text += ",Nobody,1,Nowhere\n"
                expectedBad[Int64(line)] = "missing id"
                line += 1
                text += "c-short-\(index),only two\n"
                expectedBad[Int64(line)] = "expected 4 fields"
            }
        }
        line += 1
        text += "\"multi\nline\",x,1,y\n"  // a quoted field spanning two lines: an id with a newline
        expectedBad[Int64(line)] = "control characters"
        line += 2
        text += "c-last,\"unterminated,1,z\n"
        expectedBad[Int64(line)] = "unterminated"
        try text.write(toFile: path, atomically: false, encoding: .utf8)

        let run = try await CtlRun.run(["import", path], in: daemon.directory)
        #expect(run.status == 1, "\(run.stderr)")
        #expect(!run.stderr.contains("importing"))  // no progress line when stderr is not a terminal
        let summary = try Summary(run)
        #expect(summary.rows == 10_000 + Int64(expectedBad.count))
        #expect(summary.inserted == 10_000)
        #expect(summary.updated == 0 && summary.replayed == 0)
        #expect(summary.failed == Int64(expectedBad.count))
        #expect(summary.errors.map(\.line) == expectedBad.keys.sorted())
        for error in summary.errors {
            #expect(error.error.contains(expectedBad[error.line] ?? "?"), "line \(error.line): \(error.error)")
        }

        let client = daemon.client()
        #expect(try await client.count() == 10_000)
        let contact = try await client.get("c4242")
        #expect(contact.profile["firstName"] == .string("Name, \"4242\""))
        #expect(contact.profile["age"] == .string("4242"))
        #expect(contact.profile["address"] == .object(JSONObject(["city": .string("City 0")])))

        // The same file again: every batch is answered from the idempotency memory.
        let again = try Summary(try await CtlRun.run(["import", path], in: daemon.directory))
        #expect(again.inserted == 0 && again.updated == 0)
        #expect(again.replayed == 10_000)
        #expect(again.errors.map(\.line) == expectedBad.keys.sorted())
        #expect(try await client.count() == 10_000)

        // A new salt applies it again: updates, no inserts. --typed sets numbers as numbers.
        let salted = try await CtlRun.run(["import", path, "--salt", "second", "--typed"], in: daemon.directory)
        let resalted = try Summary(salted)
        #expect(resalted.updated == 10_000 && resalted.inserted == 0 && resalted.replayed == 0)
        #expect(try await client.get("c4242").profile["age"] == .int(4242))
        #expect(try await client.count() == 10_000)

        // A file without bad rows exits 0.
        let clean = daemon.directory + "/clean.csv"
        try "id,plan\nc1,gold\nc2,\nnew,silver\n".write(toFile: clean, atomically: false, encoding: .utf8)
        let cleanRun = try await CtlRun.run(["import", clean], in: daemon.directory)
        #expect(cleanRun.status == 0, "\(cleanRun)")
        let cleanSummary = try Summary(cleanRun)
        #expect(cleanSummary.inserted == 1 && cleanSummary.updated == 2 && cleanSummary.failed == 0)
        #expect(try await client.get("c2").profile["plan"] == nil)  // an empty cell sets nothing

        // A header without an id column is a usage error.
        let noID = daemon.directory + "/noid.csv"
        try "name\nx\n".write(toFile: noID, atomically: false, encoding: .utf8)
        #expect(try await CtlRun.run(["import", noID], in: daemon.directory).status == 2)
        await client.close()
    }

    /// 10,000 JSON lines with `$inc`, plus bad lines (invalid JSON, missing or non-string id,
    /// a server-side failure): reported by line, skipped, exit 1; running it again does not
    /// apply `$inc` twice; a new salt does.
    @Test func jsonLinesImport() async throws {
        let daemon = try await TestDaemon.start()
        let path = daemon.directory + "/contacts.jsonl"
        var text = ""
        var line = 0
        var expectedBad: [Int64: String] = [:]
        for index in 0..<10_000 {
            line += 1
            text += #"{"id":"j\#(index)","profile":{"$inc":{"visits":1},"$set":{"i":\#(index)}}}"# + "\n"
            switch index {
            case 10:
                line += 1
                text += "{\"id\":\"broken\",\n"
                expectedBad[Int64(line)] = "invalid JSON"
            case 20:
                line += 1
                text += #"{"profile":{"$set":{"a":1}}}"# + "\n"
                expectedBad[Int64(line)] = "missing id"
            case 30:
                line += 1
                text += #"{"id":42}"# + "\n"
                expectedBad[Int64(line)] = "id must be a string"
            case 40:
                line += 1
                text += "   \n"  // blank: skipped, not a row
            case 5_000:
                line += 1
                text += #"{"id":"j-bad","profile":{"$inc":{"visits":"x"}}}"# + "\n"
                expectedBad[Int64(line)] = "visits"
            case 6_000:
                line += 1
                text += #"[1,2]"# + "\r\n"
                expectedBad[Int64(line)] = "not a JSON object"
            default: break
            }
        }
        try text.write(toFile: path, atomically: false, encoding: .utf8)

        let first = try await CtlRun.run(["import", path, "--connections", "3"], in: daemon.directory)
        #expect(first.status == 1, "\(first.stderr)")
        let summary = try Summary(first)
        #expect(summary.rows == 10_000 + Int64(expectedBad.count))
        #expect(summary.inserted == 10_000)
        #expect(summary.failed == Int64(expectedBad.count))
        #expect(summary.errors.map(\.line) == expectedBad.keys.sorted())
        for error in summary.errors {
            #expect(error.error.contains(expectedBad[error.line] ?? "?"), "line \(error.line): \(error.error)")
        }
        #expect(summary.errors.first { $0.error.contains("visits") }?.id == "j-bad")

        // Again, from standard input: nothing applies twice.
        let again = try await CtlRun.run(["import", "-"], in: daemon.directory, stdinPath: path)
        let replay = try Summary(again)
        #expect(again.status == 1)
        #expect(replay.replayed == 10_000 && replay.inserted == 0 && replay.updated == 0)
        let client = daemon.client()
        #expect(try await client.count() == 10_000)
        var visits: [Int64: Int] = [:]
        for try await contact in client.allContacts() {
            guard case .int(let count)? = contact.profile["visits"] else {
                Issue.record("\(contact)")
                continue
            }
            visits[count, default: 0] += 1
        }
        #expect(visits == [1: 10_000])

        // A deliberate second application with a new salt.
        let salted = try Summary(try await CtlRun.run(["import", path, "--salt", "run-2"], in: daemon.directory))
        #expect(salted.updated == 10_000 && salted.inserted == 0)
        #expect(try await client.get("j9999").profile["visits"] == .int(2))

        // A file with only good lines exits 0, and the format can be forced.
        let clean = daemon.directory + "/clean.txt"
        try #"{"id":"z1"}"#.write(toFile: clean, atomically: false, encoding: .utf8)  // no final newline
        let cleanRun = try await CtlRun.run(["import", clean, "--format", "jsonl"], in: daemon.directory)
        #expect(cleanRun.status == 0, "\(cleanRun)")
        #expect(try Summary(cleanRun).inserted == 1)
        await client.close()
    }

    /// An interrupted import (only its first batches applied) finishes when run again, and the
    /// batches that were applied are not applied twice.
    @Test func resumeAfterInterruption() async throws {
        let daemon = try await TestDaemon.start()
        let full = daemon.directory + "/full.jsonl"
        let head = daemon.directory + "/head.jsonl"
        let lines = (0..<500).map { #"{"id":"k\#($0)","profile":{"$inc":{"n":1}}}"# }
        try (lines.joined(separator: "\n") + "\n").write(toFile: full, atomically: false, encoding: .utf8)
        try (lines.prefix(200).joined(separator: "\n") + "\n").write(toFile: head, atomically: false, encoding: .utf8)
        #expect(try Summary(try await CtlRun.run(["import", head], in: daemon.directory)).inserted == 200)
        let rest = try await CtlRun.run(["import", full], in: daemon.directory)
        #expect(rest.status == 0)
        let summary = try Summary(rest)
        #expect(summary.replayed == 200 && summary.inserted == 300)
        let client = daemon.client()
        #expect(try await client.get("k0").profile["n"] == .int(1))
        #expect(try await client.get("k499").profile["n"] == .int(1))
        await client.close()
    }
}
