import ArgumentParser
import ContactClient
import ContactCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the daemon is and which key to use: flags first, then `CONTACTD_SOCKET` and
/// `CONTACTD_API_KEY`, then `./run/contactd.sock` and the key of project "default" in
/// `./data/keys.json` (what `make run` uses).
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "The daemon's socket (default $CONTACTD_SOCKET, else ./run/contactd.sock).")
    var socket: String?

    @Option(
        name: .customLong("api-key"),
        help: "The API key (default $CONTACTD_API_KEY, else the key of project \"default\" in ./data/keys.json)."
    )
    var apiKey: String?

    @Option(name: .long, help: "How many connections to use.")
    var connections: Int = 2

    @Option(name: .long, help: "Tries per call while the daemon cannot be reached (about 5 s for 10).")
    var tries: Int = 10

    /// The socket path to use.
    var socketPath: String {
        self.socket ?? Self.environment("CONTACTD_SOCKET") ?? "./run/contactd.sock"
    }

    /// A client for the resolved socket and key; throws a usage error when no key can be found.
    func makeClient(needsKey: Bool = true) throws -> ContactdClient {
        let key = needsKey ? try self.resolvedKey() : (self.apiKey ?? "")
        return ContactdClient(
            configuration: ClientConfiguration(
                socketPath: self.socketPath,
                apiKey: key,
                connections: self.connections,
                retry: RetryPolicy(
                    maxAttempts: self.tries,
                    initialBackoff: RetryPolicy.default.initialBackoff,
                    maxBackoff: RetryPolicy.default.maxBackoff
                )
            )
        )
    }

    private func resolvedKey() throws -> String {
        if let key = self.apiKey ?? Self.environment("CONTACTD_API_KEY") { return key }
        let path = "./data/keys.json"
        guard let bytes = readWholeFile(path) else {
            throw ValidationError("no API key: pass --api-key, set CONTACTD_API_KEY, or run where \(path) exists")
        }
        guard case .object(let keys)? = try? JSONParser.parse(bytes) else {
            throw ValidationError("\(path) is not a JSON object of API keys")
        }
        for member in keys.members
        where member.value == .string("default") && !member.key.lowercased().hasPrefix("sha256:") {
            return member.key
        }
        throw ValidationError("\(path) has no plain key for project \"default\": pass --api-key")
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}

/// The bytes of the file at `path`, or nil when it cannot be read.
func readWholeFile(_ path: String) -> [UInt8]? {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    var input = ChunkedInput(descriptor: descriptor)
    var bytes: [UInt8] = []
    while let chunk = try? input.nextChunk() {
        bytes.append(contentsOf: chunk)
    }
    return bytes
}
