#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a file descriptor in chunks of up to 1 MiB.
struct ChunkedInput {
    /// An input error, with the system's reason.
    struct ReadError: Error, CustomStringConvertible {
        /// `strerror` of the failure.
        var description: String
    }

    private let descriptor: Int32
    private var scratch = [UInt8](repeating: 0, count: 1 << 20)

    /// Input from `descriptor` (not closed by this type).
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next bytes, or nil at end of input.
    mutating func nextChunk() throws(ReadError) -> ArraySlice<UInt8>? {
        let descriptor = self.descriptor
        while true {
            let count = self.scratch.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count > 0 { return self.scratch[0..<count] }
            if count == 0 { return nil }
            if errno == EINTR { continue }
            throw ReadError(description: String(cString: strerror(errno)))
        }
    }
}
