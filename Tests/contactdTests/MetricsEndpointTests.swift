import ContactCore
import ContactdTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The `--metrics` endpoint as an HTTP client sees it (PROTOCOL.md section 12); the metrics'
/// content is checked with the Prometheus parser in Tests/python/test_metrics.py.
struct MetricsEndpointTests {
    /// Sends one HTTP request to the metrics socket and returns the status line.
    static func statusLine(_ request: String, daemon: Daemon, path: String) async throws -> String {
        let client = try Client(path: path)
        defer { client.close() }
        try await client.send(request)
        return try await client.readLine().trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `GET /metrics` is a 200; another method is a 405, another path a 404.
    @Test func methodsAndPaths() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.sock")
        let daemon = try await Daemon.start(["--metrics", path], directory: directory)
        #expect(permissionBits(of: path) == 0o660)
        let get = "GET /metrics HTTP/1.1\r\nHost: contactd\r\n\r\n"
        #expect(try await Self.statusLine(get, daemon: daemon, path: path) == "HTTP/1.1 200 OK")
        let post = "POST /metrics HTTP/1.1\r\nHost: contactd\r\nContent-Length: 0\r\n\r\n"
        #expect(try await Self.statusLine(post, daemon: daemon, path: path) == "HTTP/1.1 405 Method Not Allowed")
        let other = "GET /other HTTP/1.1\r\nHost: contactd\r\n\r\n"
        #expect(try await Self.statusLine(other, daemon: daemon, path: path) == "HTTP/1.1 404 Not Found")
    }

    /// A scraper that connects and sends nothing does not hold the shutdown; the socket file is
    /// removed at exit.
    @Test func silentScraperDoesNotHoldShutdown() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.sock")
        let daemon = try await Daemon.start(["--metrics", path], directory: directory)
        let silent = try Client(path: path)
        defer { silent.close() }
        let status = try await daemon.stop(timeout: .seconds(20))
        #expect(status == .exited(0), "\(status): \(daemon.stderr)")
        #expect(!exists(path))
    }
}
