import NIOCore

extension ByteBuffer {
    /// Appends the decimal digits of a non-negative integer.
    @inline(__always)
    mutating func writeDecimal(_ value: Int) {
        precondition(value >= 0)
        let count = Self.decimalDigitCount(value)
        self.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { bytes in
            var rest = value
            var index = count
            repeat {
                index -= 1
                bytes[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                rest /= 10
            } while rest > 0
            return count
        }
    }

    /// How many decimal digits a non-negative integer has.
    @inline(__always)
    static func decimalDigitCount(_ value: Int) -> Int {
        var count = 1
        var rest = value
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }
}
