/// A strict RFC 8259 parser over UTF-8 bytes (PROTOCOL.md section 3).
///
/// Rejects a byte-order mark, invalid UTF-8, raw control characters in strings, unpaired
/// surrogate escapes, duplicate member names (compared bytewise), `\u0000` in member names,
/// numbers that overflow a double, trailing characters and nesting of depth 65 or more (the
/// outermost value is depth 1).
public struct JSONParser: ~Copyable {
    /// The deepest accepted nesting: the outermost object or array is depth 1.
    public static let maximumDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses one complete JSON text.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONParseError) -> JSON {
        var parser = JSONParser(bytes.bindMemory(to: UInt8.self))
        return try parser.parseDocument()
    }

    /// Parses one complete JSON text.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSON {
        let result: Result<JSON, JSONParseError> = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(raw) }
        }
        return try result.get()
    }

    /// Parses one complete JSON text.
    public static func parse(_ text: String) throws(JSONParseError) -> JSON {
        try self.parse(Array(text.utf8))
    }

    // MARK: - Grammar

    private mutating func parseDocument() throws(JSONParseError) -> JSON {
        if self.bytes.count >= 3, self.bytes[0] == 0xEF, self.bytes[1] == 0xBB, self.bytes[2] == 0xBF {
            throw JSONParseError(offset: 0, reason: "a byte-order mark is not allowed")
        }
        self.skipWhitespace()
        let value = try self.parseValue()
        self.skipWhitespace()
        if self.position < self.bytes.count {
            throw self.error("unexpected \(self.describeByte()) after the JSON value")
        }
        return value
    }

    private mutating func parseValue() throws(JSONParseError) -> JSON {
        guard self.position < self.bytes.count else {
            throw self.error("unexpected end of input, expected a value")
        }
        switch self.bytes[self.position] {
        case UInt8(ascii: "{"): return try self.parseObject()
        case UInt8(ascii: "["): return try self.parseArray()
        case UInt8(ascii: "\""): return .string(try self.parseString(isMemberName: false))
        case UInt8(ascii: "t"):
            try self.expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try self.parseNumber()
        default: throw self.error("unexpected \(self.describeByte()), expected a value")
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        self.depth += 1
        if self.depth > Self.maximumDepth {
            throw self.error("nesting deeper than \(Self.maximumDepth) levels")
        }
        self.position += 1
    }

    private mutating func parseObject() throws(JSONParseError) -> JSON {
        try self.enterContainer()
        var members: [JSONObject.Member] = []
        var names: Set<MemberName>? = nil
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "}") {
            self.position += 1
            self.depth -= 1
            return .object(JSONObject())
        }
        members.reserveCapacity(8)
        while true {
            guard self.peek() == UInt8(ascii: "\"") else {
                throw self.error("unexpected \(self.describeByte()), expected a member name")
            }
            let nameOffset = self.position
            let key = try self.parseString(isMemberName: true)
            if members.count < 16 {
                if members.contains(where: { JSON.bytewiseEqual($0.key, key) }) {
                    throw JSONParseError(offset: nameOffset, reason: "duplicate member name \"\(key)\"")
                }
            } else {
                if names == nil { names = Set(members.map { MemberName($0.key) }) }
                if names!.insert(MemberName(key)).inserted == false {
                    throw JSONParseError(offset: nameOffset, reason: "duplicate member name \"\(key)\"")
                }
            }
            self.skipWhitespace()
            guard self.peek() == UInt8(ascii: ":") else {
                throw self.error("unexpected \(self.describeByte()), expected ':'")
            }
            self.position += 1
            self.skipWhitespace()
            let value = try self.parseValue()
            members.append(JSONObject.Member(key: key, value: value))
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","):
                self.position += 1
                self.skipWhitespace()
            case UInt8(ascii: "}"):
                self.position += 1
                self.depth -= 1
                return .object(JSONObject(uniqueMembers: members))
            default:
                throw self.error("unexpected \(self.describeByte()), expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws(JSONParseError) -> JSON {
        try self.enterContainer()
        var elements: [JSON] = []
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") {
            self.position += 1
            self.depth -= 1
            return .array(elements)
        }
        elements.reserveCapacity(4)
        while true {
            elements.append(try self.parseValue())
            self.skipWhitespace()
            switch self.peek() {
            case UInt8(ascii: ","):
                self.position += 1
                self.skipWhitespace()
            case UInt8(ascii: "]"):
                self.position += 1
                self.depth -= 1
                return .array(elements)
            default:
                throw self.error("unexpected \(self.describeByte()), expected ',' or ']'")
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let start = literal.utf8Start
        for index in 0..<count {
            guard self.position + index < self.bytes.count,
                self.bytes[self.position + index] == start[index]
            else {
                self.position += index
                throw self.error("invalid literal, expected '\(literal)'")
            }
        }
        self.position += count
    }

    // MARK: - Strings

    private mutating func parseString(isMemberName: Bool) throws(JSONParseError) -> String {
        let start = self.position + 1
        var index = start
        // Fast path: printable ASCII without escapes.
        while index < self.bytes.count {
            let byte = self.bytes[index]
            if byte == UInt8(ascii: "\"") {
                self.position = index + 1
                return String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<index]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            index += 1
        }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(index - start + 16)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: self.bytes[start..<index]))
        self.position = index
        while true {
            guard self.position < self.bytes.count else {
                throw self.error("unterminated string")
            }
            let byte = self.bytes[self.position]
            switch byte {
            case UInt8(ascii: "\""):
                self.position += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try self.parseEscape(into: &scratch, isMemberName: isMemberName)
            case 0..<0x20:
                throw self.error("raw control character 0x\(String(byte, radix: 16)) in a string")
            case 0x20..<0x80:
                scratch.append(byte)
                self.position += 1
            default:
                try self.copyUTF8Sequence(into: &scratch)
            }
        }
    }

    private mutating func parseEscape(into scratch: inout [UInt8], isMemberName: Bool) throws(JSONParseError) {
        let escapeStart = self.position
        guard self.position + 1 < self.bytes.count else { throw self.error("unterminated string") }
        let code = self.bytes[self.position + 1]
        self.position += 2
        switch code {
        case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.parseHex4(escapeStart: escapeStart)
            if (0xDC00...0xDFFF).contains(scalar) {
                throw JSONParseError(offset: escapeStart, reason: "unpaired surrogate escape")
            }
            if (0xD800...0xDBFF).contains(scalar) {
                guard self.position + 1 < self.bytes.count, self.bytes[self.position] == UInt8(ascii: "\\"),
                    self.bytes[self.position + 1] == UInt8(ascii: "u")
                else {
                    throw JSONParseError(offset: escapeStart, reason: "unpaired surrogate escape")
                }
                let lowStart = self.position
                self.position += 2
                let low = try self.parseHex4(escapeStart: lowStart)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONParseError(offset: escapeStart, reason: "unpaired surrogate escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            if scalar == 0 && isMemberName {
                throw JSONParseError(offset: escapeStart, reason: "\\u0000 is not allowed in a member name")
            }
            Self.appendUTF8(scalar, to: &scratch)
        default:
            throw JSONParseError(offset: escapeStart, reason: "invalid escape sequence")
        }
    }

    private mutating func parseHex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        guard self.position + 4 <= self.bytes.count else {
            throw JSONParseError(offset: escapeStart, reason: "invalid \\u escape")
        }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw JSONParseError(offset: escapeStart, reason: "invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
            self.position += 1
        }
        return value
    }

    private static func appendUTF8(_ scalar: UInt32, to bytes: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            bytes.append(UInt8(scalar))
        case 0x80..<0x800:
            bytes.append(UInt8(0xC0 | (scalar >> 6)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            bytes.append(UInt8(0xE0 | (scalar >> 12)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            bytes.append(UInt8(0xF0 | (scalar >> 18)))
            bytes.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            bytes.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            bytes.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// Validates one multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates) and copies it.
    private mutating func copyUTF8Sequence(into scratch: inout [UInt8]) throws(JSONParseError) {
        let lead = self.bytes[self.position]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upperBound = 0x9F
        case 0xF0:
            length = 4
            lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upperBound = 0x8F
        default: throw self.error("invalid UTF-8")
        }
        guard self.position + length <= self.bytes.count else { throw self.error("invalid UTF-8") }
        let second = self.bytes[self.position + 1]
        guard second >= lowerBound && second <= upperBound else { throw self.error("invalid UTF-8") }
        for offset in 2..<max(2, length) {
            let byte = self.bytes[self.position + offset]
            guard byte & 0xC0 == 0x80 else { throw self.error("invalid UTF-8") }
        }
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: self.bytes[self.position..<(self.position + length)]))
        self.position += length
    }

    // MARK: - Numbers

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = self.position
        var negative = false
        if self.bytes[self.position] == UInt8(ascii: "-") {
            negative = true
            self.position += 1
        }
        let integerStart = self.position
        guard self.position < self.bytes.count, self.isDigit(self.bytes[self.position]) else {
            throw self.error("invalid number, expected a digit")
        }
        if self.bytes[self.position] == UInt8(ascii: "0") {
            self.position += 1
            if self.position < self.bytes.count, self.isDigit(self.bytes[self.position]) {
                throw self.error("invalid number, leading zero")
            }
        } else {
            while self.position < self.bytes.count, self.isDigit(self.bytes[self.position]) { self.position += 1 }
        }
        let integerEnd = self.position
        var isInteger = true
        var fractionDigits = 0
        if self.position < self.bytes.count, self.bytes[self.position] == UInt8(ascii: ".") {
            isInteger = false
            self.position += 1
            let fractionStart = self.position
            while self.position < self.bytes.count, self.isDigit(self.bytes[self.position]) { self.position += 1 }
            fractionDigits = self.position - fractionStart
            if fractionDigits == 0 { throw self.error("invalid number, expected a digit after '.'") }
        }
        let fractionEnd = self.position
        var exponent = 0
        var exponentOverflow = false
        if self.position < self.bytes.count,
            self.bytes[self.position] == UInt8(ascii: "e") || self.bytes[self.position] == UInt8(ascii: "E")
        {
            isInteger = false
            self.position += 1
            var exponentNegative = false
            if self.position < self.bytes.count,
                self.bytes[self.position] == UInt8(ascii: "+") || self.bytes[self.position] == UInt8(ascii: "-")
            {
                exponentNegative = self.bytes[self.position] == UInt8(ascii: "-")
                self.position += 1
            }
            let exponentStart = self.position
            while self.position < self.bytes.count, self.isDigit(self.bytes[self.position]) {
                if exponent < 100_000 {
                    exponent = exponent * 10 + Int(self.bytes[self.position] - UInt8(ascii: "0"))
                } else {
                    exponentOverflow = true
                }
                self.position += 1
            }
            if self.position == exponentStart { throw self.error("invalid number, expected a digit in the exponent") }
            if exponentNegative { exponent = -exponent }
        }

        if isInteger {
            var value: Int64 = 0
            var fits = true
            for index in integerStart..<integerEnd {
                let digit = Int64(self.bytes[index] - UInt8(ascii: "0"))
                let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) =
                    negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
                if overflow1 || overflow2 {
                    fits = false
                    break
                }
                value = next
            }
            if fits { return .int(value) }
        }

        // Clinger's fast path: at most 15 significant digits and a small power of ten are exact.
        let digitCount = (integerEnd - integerStart) + fractionDigits
        if !exponentOverflow && digitCount <= 15 {
            var mantissa: Int64 = 0
            for index in integerStart..<fractionEnd where self.isDigit(self.bytes[index]) {
                mantissa = mantissa * 10 + Int64(self.bytes[index] - UInt8(ascii: "0"))
            }
            let power = exponent - fractionDigits
            if power >= -22 && power <= 22 {
                var value = Double(mantissa)
                value = power < 0 ? value / Self.exactPowersOfTen[-power] : value * Self.exactPowersOfTen[power]
                return .double(negative ? -value : value)
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError(offset: start, reason: "number out of range")
        }
        return .double(value)
    }

    // MARK: - Helpers

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    @inline(__always)
    private func peek() -> UInt8? {
        self.position < self.bytes.count ? self.bytes[self.position] : nil
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while self.position < self.bytes.count {
            switch self.bytes[self.position] {
            case 0x20, 0x0A, 0x0D, 0x09: self.position += 1
            default: return
            }
        }
    }

    private func describeByte() -> String {
        guard self.position < self.bytes.count else { return "end of input" }
        let byte = self.bytes[self.position]
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    private func error(_ reason: String) -> JSONParseError {
        JSONParseError(offset: self.position, reason: reason)
    }
}

/// A member name hashed and compared by its UTF-8 bytes (Swift's `String` equality normalises).
private struct MemberName: Hashable {
    let name: String

    init(_ name: String) { self.name = name }

    static func == (lhs: MemberName, rhs: MemberName) -> Bool {
        lhs.name.utf8.elementsEqual(rhs.name.utf8)
    }

    func hash(into hasher: inout Hasher) {
        for byte in self.name.utf8 { hasher.combine(byte) }
    }
}
