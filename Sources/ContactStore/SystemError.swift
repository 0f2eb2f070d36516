import Glibc

/// Turning `errno` into words.
enum SystemError {
    /// `strerror(code)` and the code.
    static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }
}
