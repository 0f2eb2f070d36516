/// Writes compact JSON text: no whitespace, members in order, never a raw newline.
public enum JSONWriter {
    /// The compact UTF-8 text of `value`.
    public static func serialize(_ value: JSON) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        self.write(value, into: &bytes)
        return bytes
    }

    /// The compact text of `value` as a `String`.
    public static func string(_ value: JSON) -> String {
        String(decoding: self.serialize(value), as: UTF8.self)
    }

    /// Appends the compact text of `value` to `bytes`.
    public static func write(_ value: JSON, into bytes: inout [UInt8]) {
        switch value {
        case .null: self.appendLiteral("null", to: &bytes)
        case .bool(let flag): self.appendLiteral(flag ? "true" : "false", to: &bytes)
        case .int(let number): self.writeInteger(number, into: &bytes)
        case .double(let number): self.writeDouble(number, into: &bytes)
        case .string(let string): self.writeString(string, into: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                self.write(element, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            self.writeObject(object, into: &bytes)
        }
    }

    /// Appends the compact text of `object` to `bytes`.
    public static func writeObject(_ object: JSONObject, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        for (index, member) in object.members.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            self.writeString(member.key, into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            self.write(member.value, into: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// Appends `number` in decimal.
    public static func writeInteger(_ number: Int64, into bytes: inout [UInt8]) {
        if number >= 0 && number < 10 {
            bytes.append(UInt8(ascii: "0") + UInt8(number))
            return
        }
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var index = scratch.count
            repeat {
                index -= 1
                scratch[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if number < 0 {
                index -= 1
                scratch[index] = UInt8(ascii: "-")
            }
            bytes.append(contentsOf: scratch[index...])
        }
    }

    /// Appends a finite `number` in shortest round-trip form, always with a `.` or an exponent.
    public static func writeDouble(_ number: Double, into bytes: inout [UInt8]) {
        precondition(number.isFinite, "JSON has no representation for \(number)")
        // Swift's description is the shortest round-trip form ("2.0", "1e+21", "5e-324").
        bytes.append(contentsOf: number.description.utf8)
    }

    /// Appends `string` quoted, escaping `"`, `\` and control characters (U+0000–U+001F).
    public static func writeString(_ string: String, into bytes: inout [UInt8]) {
        // Fast path: no byte needs escaping, so the text goes in with one copy.
        let plain = string.utf8.withContiguousStorageIfAvailable { utf8 -> Bool in
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                return false
            }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: utf8)
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if plain == true { return }
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                runStart = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0xF)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func appendLiteral(_ literal: StaticString, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }
}
