#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to a file descriptor.
struct FileDescriptorOutput {
    static let standardError = FileDescriptorOutput(descriptor: 2)

    let descriptor: CInt

    func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(self.descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
