/// Writes bytes into memory whose room was made beforehand: each write is a store or a copy,
/// with no check of capacity or uniqueness (what an array append costs).
struct ByteCursor {
    /// Where the bytes go.
    let base: UnsafeMutablePointer<UInt8>
    /// How many bytes are written.
    private(set) var count = 0

    init(_ base: UnsafeMutablePointer<UInt8>) {
        self.base = base
    }

    /// The bytes written so far.
    var written: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: self.base, count: self.count)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        self.base[self.count] = byte
        self.count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        if let source = bytes.baseAddress {
            (self.base + self.count).initialize(from: source, count: bytes.count)
        }
        self.count += bytes.count
    }

    @inline(__always)
    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { self.append($0) }
    }

    /// Writes `number` in decimal.
    mutating func appendInteger(_ number: Int64) {
        if number < 0 { self.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits = 1
        var scale: UInt64 = 10
        while digits < 20, magnitude >= scale {
            digits += 1
            scale = scale &* 10
        }
        var index = self.count + digits
        self.count = index
        repeat {
            index -= 1
            self.base[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }
}
