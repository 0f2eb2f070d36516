/// Why the daemon cannot start (or stopped on an error): printed as the last line on stderr.
struct StartFailure: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
