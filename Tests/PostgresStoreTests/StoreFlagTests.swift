import ContactdTesting
import Testing

/// PROTOCOL.md sections 10 and 13: a `--store` that cannot be used stops the start with the
/// reason as the last line on standard error.
struct StoreFlagTests {
    /// A bad URL, an unsupported sslmode or parameter, a database that does not exist.
    @Test(arguments: [
        ("mysql://root@localhost/db", "postgresql://"),
        ("postgresql://u@localhost/db?sslmode=verify-ca", "sslmode \"verify-ca\" is not supported"),
        ("postgresql://u@localhost/db?connect_timeout=3", "\"connect_timeout\" is not supported"),
        ("postgresql://u@localhost:99999/db", "port"),
    ])
    func badStoreFailsTheStart(url: String, mentions: String) async throws {
        let directory = try TemporaryDirectory()
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            ["--socket", directory.file("s.sock"), "--data", directory.file("data"), "--store", url],
            stdoutPath: directory.file("out"),
            stderrPath: directory.file("err")
        )
        #expect(try await process.wait(timeout: .seconds(20)) == .exited(1))
        #expect(process.lastStderrLine.contains(mentions), "\(process.stderrText)")
    }

    /// A database the server says does not exist stops the start, naming it.
    @Test func missingDatabaseFailsTheStart() async throws {
        let cluster = try await PostgresCluster.shared()
        let directory = try TemporaryDirectory()
        let process = try ChildProcess.spawn(
            Harness.daemonBinary,
            [
                "--socket", directory.file("s.sock"), "--data", directory.file("data"), "--store",
                cluster.url(database: "nosuchdb"),
            ],
            stdoutPath: directory.file("out"),
            stderrPath: directory.file("err")
        )
        #expect(try await process.wait(timeout: .seconds(30)) == .exited(1))
        #expect(process.lastStderrLine.contains("nosuchdb"), "\(process.stderrText)")
    }
}
