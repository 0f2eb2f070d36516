import ContactClient
import ContactCore
import ContactdTesting
import Foundation
import Testing

/// `contactctl`'s subcommands, defaults and exit statuses (0 ok, 1 entries failed, 2 usage or
/// connection error).
@Suite(.timeLimit(.minutes(1)))
struct ContactCtlTests {
    /// With no flags it finds `./run/contactd.sock` and the "default" key in `./data/keys.json`.
    @Test func defaultsFromTheWorkingDirectory() async throws {
        let daemon = try await TestDaemon.start()
        let ping = try await CtlRun.run(["ping"], in: daemon.directory)
        #expect(ping.status == 0 && ping.stdout == "ok\n", "\(ping)")
        let upsert = try await CtlRun.run(["upsert", "--id", "a"], in: daemon.directory)
        #expect(upsert.status == 0, "\(upsert)")
        let count = try await CtlRun.run(["count"], in: daemon.directory)
        #expect(count.status == 0 && count.stdout == "1\n", "\(count)")
    }

    /// `CONTACTD_SOCKET` and `CONTACTD_API_KEY` are used when set; flags win over them.
    @Test func environmentAndFlags() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client(apiKey: TestDaemon.otherKey)
        _ = try await client.bulkUpsert([UpsertEntry(id: "o1"), UpsertEntry(id: "o2")])
        await client.close()
        let environment = ["CONTACTD_SOCKET": daemon.socketPath, "CONTACTD_API_KEY": TestDaemon.otherKey]
        let fromEnvironment = try await CtlRun.run(["count"], in: "/tmp", environment: environment)
        #expect(fromEnvironment.stdout == "2\n", "\(fromEnvironment)")
        let flags = try await CtlRun.run(
            ["count", "--api-key", TestDaemon.key, "--socket", daemon.socketPath],
            in: "/tmp",
            environment: environment
        )
        #expect(flags.stdout == "0\n", "\(flags)")
    }

    /// `upsert` prints the result; a failed entry exits 1; bad flags exit 2.
    @Test func upsert() async throws {
        let daemon = try await TestDaemon.start()
        let dir = daemon.directory
        let first = try await CtlRun.run(
            [
                "upsert", "--id", "123", "--set", "firstName=Justin", "--set", "note=a=b",
                "--json", #"{"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}"#,
            ],
            in: dir
        )
        #expect(first.status == 0, "\(first)")
        #expect(first.stdout == #"{"inserted":["123"],"updated":[],"failed":[]}"# + "\n")
        let get = try await CtlRun.run(["get", "123"], in: dir)
        #expect(get.status == 0)
        let contact = try JSONParser.parse(get.stdout.trimmingCharacters(in: .newlines))
        let profile = try #require(contact.objectValue?["profile"]?.objectValue)
        #expect(profile["firstName"] == .string("Justin"))
        #expect(profile["note"] == .string("a=b"))
        #expect(profile["tags"] == .array([.string("customer")]))
        #expect(profile["totalOrders"] == .int(1))

        let failed = try await CtlRun.run(
            ["upsert", "--id", "123", "--json", #"{"$inc":{"totalOrders":"x"}}"#],
            in: dir
        )
        #expect(failed.status == 1, "\(failed)")
        #expect(failed.stdout.contains(#""failed":["123"]"#))
        for arguments in [
            ["upsert", "--id", "x", "--json", "{"], ["upsert", "--id", "x", "--json", "[1]"],
            ["upsert", "--id", "x", "--set", "novalue"], ["upsert", "--set", "a=b"], ["upsert", "--id", ""],
        ] {
            let usage = try await CtlRun.run(arguments, in: dir)
            #expect(usage.status == 2, "\(arguments): \(usage)")
            #expect(!usage.stderr.isEmpty)
        }
    }

    /// `get` prints one contact; a missing id exits 1.
    @Test func get() async throws {
        let daemon = try await TestDaemon.start()
        _ = try await CtlRun.run(["upsert", "--id", "g"], in: daemon.directory)
        let found = try await CtlRun.run(["get", "g"], in: daemon.directory)
        #expect(found.status == 0)
        #expect(found.stdout.hasPrefix(#"{"id":""#) && found.stdout.contains(#""externalId":"g","project":"default""#))
        let missing = try await CtlRun.run(["get", "nope"], in: daemon.directory)
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("404 Not Found"))
        #expect(missing.stdout.isEmpty)
    }

    /// `list --limit N` prints N contacts and the cursor to go on with; `export` prints all.
    @Test func listAndExport() async throws {
        let daemon = try await TestDaemon.start()
        let client = daemon.client()
        _ = try await client.bulkUpsert((0..<1205).map { UpsertEntry(id: String(format: "e%05d", $0)) })
        await client.close()
        let list = try await CtlRun.run(["list", "--limit", "3"], in: daemon.directory)
        #expect(list.status == 0)
        #expect(list.lines.count == 3)
        #expect(list.lines[0].contains(#""externalId":"e00000""#))
        #expect(list.stderr.contains("--cursor "))
        let all = try await CtlRun.run(["list", "--limit", "5000"], in: daemon.directory)
        #expect(all.lines.count == 1205 && all.stderr.isEmpty)
        let export = try await CtlRun.run(["export"], in: daemon.directory)
        #expect(export.status == 0)
        #expect(export.lines.count == 1205)
        #expect(export.lines.last?.contains(#""externalId":"e01204""#) == true)
        #expect(export.stdout == all.stdout)
        #expect(export.stderr.isEmpty)  // no progress line when standard error is not a terminal
        // On a terminal (script(1) gives it one), export draws "exporting: N of M contacts done".
        let onTerminal = try await CtlRun.run(
            ["-q", "-e", "-c", "\(Harness.contactctlBinary) export > export.jsonl", "/dev/null"],
            in: daemon.directory,
            executable: "/usr/bin/script"
        )
        #expect(onTerminal.status == 0, "\(onTerminal)")
        #expect(onTerminal.stdout.contains("exporting: 1 of 1205 contacts done"), "\(onTerminal)")
        let exported = try String(contentsOfFile: daemon.directory + "/export.jsonl", encoding: .utf8)
        #expect(exported == export.stdout)
        let bad = try await CtlRun.run(["list", "--limit", "0"], in: daemon.directory)
        #expect(bad.status == 2)
    }

    /// `delete` exits 1 when an id was not found, 0 when all were deleted.
    @Test func delete() async throws {
        let daemon = try await TestDaemon.start()
        let dir = daemon.directory
        let client = daemon.client()
        _ = try await client.bulkUpsert((0..<60).map { UpsertEntry(id: "d\($0)") })
        await client.close()
        let partly = try await CtlRun.run(["delete", "d0", "ghost"], in: dir)
        #expect(partly.status == 1)
        #expect(partly.stdout == #"{"deleted":["d0"],"notFound":["ghost"]}"# + "\n")
        let many = try await CtlRun.run(["delete"] + (1..<60).map { "d\($0)" }, in: dir)
        #expect(many.status == 0, "\(many)")
        #expect(try await CtlRun.run(["count"], in: dir).stdout == "0\n")
        #expect(try await CtlRun.run(["delete"], in: dir).status == 2)
    }

    /// `record-message` counts by month; an unknown id exits 1, a bad date 2.
    @Test func recordMessage() async throws {
        let daemon = try await TestDaemon.start()
        let dir = daemon.directory
        _ = try await CtlRun.run(["upsert", "--id", "r"], in: dir)
        let recorded = try await CtlRun.run(["record-message", "r", "--at", "2016-10-22T04:31:13Z"], in: dir)
        #expect(recorded.status == 0, "\(recorded)")
        #expect(recorded.stdout == #"{"recorded":["r"],"failed":[]}"# + "\n")
        let get = try await CtlRun.run(["get", "r"], in: dir)
        #expect(get.stdout.contains(#""stats":{"2016":{"10":1}}"#))
        let unknown = try await CtlRun.run(["record-message", "r", "ghost"], in: dir)
        #expect(unknown.status == 1)
        #expect(unknown.stdout.contains(#""failed":["ghost"]"#))
        #expect(try await CtlRun.run(["record-message", "r", "--at", "yesterday"], in: dir).status == 2)
    }

    /// Usage errors, a bad key and an unreachable daemon exit 2; help exits 0.
    @Test func errorExitStatuses() async throws {
        let daemon = try await TestDaemon.start()
        let dir = daemon.directory
        let unknown = try await CtlRun.run(["frobnicate"], in: dir)
        #expect(unknown.status == 2 && !unknown.stderr.isEmpty)
        #expect(try await CtlRun.run(["get"], in: dir).status == 2)
        let badKey = try await CtlRun.run(["count", "--api-key", "wrong"], in: dir)
        #expect(badKey.status == 2)
        #expect(badKey.stderr.contains("401 Unauthorized"))
        let noDaemon = try await CtlRun.run(["count", "--socket", dir + "/none.sock", "--tries", "2"], in: dir)
        #expect(noDaemon.status == 2)
        #expect(noDaemon.stderr.contains("cannot connect"))
        let noKeys = try await CtlRun.run(["count", "--socket", daemon.socketPath], in: "/")
        #expect(noKeys.status == 2 && noKeys.stderr.contains("API key"), "\(noKeys)")
        let help = try await CtlRun.run(["--help"], in: dir)
        #expect(help.status == 0 && help.stdout.contains("import"))
        let missingFile = try await CtlRun.run(["import", dir + "/none.jsonl"], in: dir)
        #expect(missingFile.status == 2)
    }
}
