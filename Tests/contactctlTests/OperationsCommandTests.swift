import ContactClient
import ContactCore
import ContactdTesting
import Foundation
import Testing

/// `contactctl stats` and `contactctl admin stats|snapshot|backup NAME`.
@Suite(.timeLimit(.minutes(1)))
struct OperationsCommandTests {
    /// `stats` prints the project's figures, one `name: value` a line.
    @Test func stats() async throws {
        let daemon = try await TestDaemon.start()
        _ = try await CtlRun.run(["upsert", "--id", "a"], in: daemon.directory)
        let run = try await CtlRun.run(["stats"], in: daemon.directory)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.hasPrefix("project: default\ncontacts: 1\nidempotencyKeys: "), "\(run)")
        #expect(run.stdout.contains("profileBytes: "))
    }

    /// `admin` prints the reply's figures as one JSON line; an ordinary key exits 2 saying 403;
    /// a backup name that exists exits 2 saying so.
    @Test func admin() async throws {
        let backups = try TemporaryDirectory()
        let daemon = try await TestDaemon.start(["--backup-dir", backups.path])
        let key = ["--api-key", TestDaemon.adminKey]
        let stats = try await CtlRun.run(["admin", "stats"] + key, in: daemon.directory)
        #expect(stats.status == 0, "\(stats)")
        let figures = try json(stats.stdout.trimmingCharacters(in: .newlines))
        #expect(figures.member("shards")?.asArray != nil)
        #expect(figures.member("statusCode") == nil)
        let snapshot = try await CtlRun.run(["admin", "snapshot"] + key, in: daemon.directory)
        #expect(snapshot.status == 0 && snapshot.stdout.hasPrefix(#"{"shards":["#), "\(snapshot)")
        let backup = try await CtlRun.run(["admin", "backup", "nightly"] + key, in: daemon.directory)
        #expect(backup.status == 0 && backup.stdout.contains(backups.file("nightly")), "\(backup)")
        let again = try await CtlRun.run(["admin", "backup", "nightly"] + key, in: daemon.directory)
        #expect(again.status == 2 && again.stderr.contains("exists already"), "\(again)")
        let forbidden = try await CtlRun.run(["admin", "stats"], in: daemon.directory)
        #expect(forbidden.status == 2 && forbidden.stderr.contains("admin key"), "\(forbidden)")
    }
}
