import ContactCore
import Foundation
import SeededRandom
import Testing

/// Helpers shared by the ContactCore JSON, timestamp and id tests (namespaced to stay clear of
/// other test files in the module).
enum CoreTestKit {

    /// Parses `bytes`, returning the error instead of throwing it.
    static func parse(_ bytes: [UInt8]) -> Result<JSON, JSONParseError> {
        Result { () throws(JSONParseError) -> JSON in try JSONParser.parse(bytes) }
    }

    /// Whether Foundation's `JSONSerialization` result `oracle` has the same content as `value`
    /// (Foundation objects are unordered, and its numbers are `NSNumber`s).
    static func oracleMatches(_ value: JSON, _ oracle: Any) -> Bool {
        switch value {
        case .null:
            return oracle is NSNull
        case .bool(let flag):
            guard let number = oracle as? NSNumber else { return false }
            return number.boolValue == flag
        case .int(let integer):
            guard let number = oracle as? NSNumber else { return false }
            return number.int64Value == integer
        case .double(let double):
            // Foundation keeps long numbers as decimals whose `doubleValue` can be an ulp off; their
            // text is exact.
            guard let number = oracle as? NSNumber else { return false }
            return number.doubleValue == double || Double(number.stringValue) == double
        case .string(let string):
            // Foundation on Linux drops some U+FEFF characters from strings; ignore them.
            guard let other = oracle as? String else { return false }
            return other.unicodeScalars.filter { $0 != "\u{FEFF}" }
                .elementsEqual(string.unicodeScalars.filter { $0 != "\u{FEFF}" })
        case .array(let elements):
            guard let other = oracle as? [Any], other.count == elements.count else { return false }
            return zip(elements, other).allSatisfy { self.oracleMatches($0, $1) }
        case .object(let object):
            guard let other = oracle as? [String: Any], other.count == object.count else { return false }
            return object.members.allSatisfy { member in
                guard let otherValue = other[member.key] else { return false }
                return self.oracleMatches(member.value, otherValue)
            }
        }
    }

    /// Parses `bytes` with Foundation's `JSONSerialization`.
    static func foundationParse(_ bytes: [UInt8]) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
    }
}

extension CoreTestKit {
    /// Generates random JSON values, and random (but equivalent) texts for them.
    struct RandomJSON {
        var rng: SplitMix64
        var maximumDepth = 5

        init(seed: UInt64) {
            self.rng = SplitMix64(seed: seed)
        }

        mutating func value(depth: Int = 1) -> JSON {
            let kinds = depth >= self.maximumDepth ? 6 : 8
            switch self.rng.int(0..<kinds) {
            case 0: return .null
            case 1: return .bool(self.rng.chance(1, in: 2))
            case 2: return .int(self.integer())
            case 3: return .double(self.double())
            case 4, 5: return .string(self.string(allowNUL: true))
            case 6:
                return .array((0..<self.rng.int(0..<6)).map { _ in self.value(depth: depth + 1) })
            default:
                var object = JSONObject()
                for _ in 0..<self.rng.int(0..<6) {
                    let key = self.string(allowNUL: false)
                    guard object.index(of: key) == nil else { continue }  // names unique bytewise
                    object.appendUnchecked(key: key, value: self.value(depth: depth + 1))
                }
                return .object(object)
            }
        }

        mutating func integer() -> Int64 {
            switch self.rng.int(0..<6) {
            case 0: return [Int64.min, Int64.max, Int64.min + 1, Int64.max - 1, 0, -1, 1][self.rng.int(0..<7)]
            case 1: return Int64(bitPattern: self.rng.next())
            case 2: return Int64(self.rng.int(-1000..<1000))
            default: return Int64(bitPattern: self.rng.next()) >> self.rng.int(0..<64)
            }
        }

        /// A finite double: usually from a random bit pattern, sometimes a "nice" or special value.
        mutating func double() -> Double {
            switch self.rng.int(0..<6) {
            case 0:
                let specials: [Double] = [
                    0.0, -0.0, 1.0, -1.0, 2.0, 0.1, 1e21, 1e-7, 1e22, 1e23, .leastNonzeroMagnitude,
                    -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                    -.greatestFiniteMagnitude, 9_007_199_254_740_992.0, 9_007_199_254_740_994.0,
                    9.223372036854775807e18,
                ]
                return specials[self.rng.int(0..<specials.count)]
            case 1:
                return Double(self.rng.int(-1_000_000..<1_000_000)) / [1.0, 10.0, 100.0, 1000.0][self.rng.int(0..<4)]
            default:
                while true {
                    let candidate = Double(bitPattern: self.rng.next())
                    if candidate.isFinite { return candidate }
                }
            }
        }

        mutating func scalar(allowNUL: Bool) -> Unicode.Scalar {
            while true {
                let value: UInt32
                switch self.rng.int(0..<10) {
                case 0: value = UInt32(self.rng.int(0..<0x20))  // control characters
                case 1: value = [0x22, 0x5C, 0x2F, 0x7F, 0x2028, 0x2029, 0xFEFF, 0xFFFD][self.rng.int(0..<8)]
                case 2, 3, 4: value = UInt32(self.rng.int(0x20..<0x7F))
                case 5: value = UInt32(self.rng.int(0x80..<0x800))
                case 6, 7: value = UInt32(self.rng.int(0x800..<0x10000))
                default: value = UInt32(self.rng.int(0x10000..<0x110000))
                }
                if value == 0 && !allowNUL { continue }
                if let scalar = Unicode.Scalar(value) { return scalar }  // skips surrogates
            }
        }

        mutating func string(allowNUL: Bool) -> String {
            var scalars = String.UnicodeScalarView()
            for _ in 0..<self.rng.int(0..<10) { scalars.append(self.scalar(allowNUL: allowNUL)) }
            return String(scalars)
        }

        // MARK: - Texts with random whitespace, escapes and number spellings

        /// A JSON text for `value` that is not compact: random whitespace, optional escapes, and other
        /// spellings of the same doubles. It parses back to exactly `value`.
        mutating func noisyText(_ value: JSON) -> [UInt8] {
            var bytes: [UInt8] = []
            self.writeNoisy(value, into: &bytes)
            self.whitespace(into: &bytes)
            return bytes
        }

        private mutating func whitespace(into bytes: inout [UInt8]) {
            for _ in 0..<self.rng.int(0..<3) {
                bytes.append([0x20, 0x09, 0x0A, 0x0D][self.rng.int(0..<4)])
            }
        }

        private mutating func writeNoisy(_ value: JSON, into bytes: inout [UInt8]) {
            self.whitespace(into: &bytes)
            switch value {
            case .null, .bool, .int:
                JSONWriter.write(value, into: &bytes)
            case .double(let double):
                let text: String
                switch self.rng.int(0..<3) {
                case 0: text = double.description
                case 1: text = String(format: "%.17e", double)
                default:
                    let description = double.description
                    text = description.contains("e") ? description.uppercased() : description + "E+0"
                }
                bytes.append(contentsOf: text.utf8)
            case .string(let string):
                self.writeNoisyString(string, into: &bytes)
            case .array(let elements):
                bytes.append(UInt8(ascii: "["))
                self.whitespace(into: &bytes)
                for (index, element) in elements.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    self.writeNoisy(element, into: &bytes)
                    self.whitespace(into: &bytes)
                }
                bytes.append(UInt8(ascii: "]"))
            case .object(let object):
                bytes.append(UInt8(ascii: "{"))
                self.whitespace(into: &bytes)
                for (index, member) in object.members.enumerated() {
                    if index > 0 {
                        bytes.append(UInt8(ascii: ","))
                        self.whitespace(into: &bytes)
                    }
                    self.writeNoisyString(member.key, into: &bytes)
                    self.whitespace(into: &bytes)
                    bytes.append(UInt8(ascii: ":"))
                    self.writeNoisy(member.value, into: &bytes)
                    self.whitespace(into: &bytes)
                }
                bytes.append(UInt8(ascii: "}"))
            }
        }

        private mutating func writeNoisyString(_ string: String, into bytes: inout [UInt8]) {
            func hex4(_ unit: UInt16, uppercase: Bool) -> [UInt8] {
                let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
                return [UInt8(ascii: "\\"), UInt8(ascii: "u")]
                    + [12, 8, 4, 0].map { digits[Int((unit >> UInt16($0)) & 0xF)] }
            }
            bytes.append(UInt8(ascii: "\""))
            for scalar in string.unicodeScalars {
                let mustEscape = scalar.value < 0x20 || scalar == "\"" || scalar == "\\"
                let shortForms: [Unicode.Scalar: UInt8] = [
                    "\"": UInt8(ascii: "\""), "\\": UInt8(ascii: "\\"), "/": UInt8(ascii: "/"),
                    "\u{08}": UInt8(ascii: "b"), "\u{0C}": UInt8(ascii: "f"), "\n": UInt8(ascii: "n"),
                    "\r": UInt8(ascii: "r"), "\t": UInt8(ascii: "t"),
                ]
                if !mustEscape && self.rng.chance(2, in: 3) {
                    bytes.append(contentsOf: String(scalar).utf8)
                } else if let short = shortForms[scalar], self.rng.chance(1, in: 2) {
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), short])
                } else {
                    let uppercase = self.rng.chance(1, in: 2)
                    for unit in String(scalar).utf16 { bytes.append(contentsOf: hex4(unit, uppercase: uppercase)) }
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}

struct JSONRoundTripTests {
    /// parse(write(v)) == v exactly (kinds, bits, bytes, member order), and writing the parsed value
    /// again gives the same bytes.
    @Test func randomValuesRoundTrip() throws {
        var generator = CoreTestKit.RandomJSON(seed: 0x5EED_0001)
        for iteration in 0..<3000 {
            let value = generator.value()
            let text = JSONWriter.serialize(value)
            let parsed = try JSONParser.parse(text)
            #expect(
                JSON.identical(parsed, value),
                "iteration \(iteration): \(JSONWriter.string(value)) came back as \(parsed)"
            )
            #expect(parsed == value, "iteration \(iteration): JSON's own == disagrees")
            let again = JSONWriter.serialize(parsed)
            #expect(again == text, "iteration \(iteration): writing twice differs")
            #expect(!text.contains(0x0A) && !text.contains(0x0D), "iteration \(iteration): raw line break")
            #expect(String(validating: text, as: UTF8.self) != nil, "iteration \(iteration): invalid UTF-8")
        }
    }

    /// A non-compact text with random whitespace, escapes and number spellings parses to the value it
    /// was made from, and write(parse(s)) is stable.
    @Test func noisyTextsParseAndNormalise() throws {
        var generator = CoreTestKit.RandomJSON(seed: 0x5EED_0002)
        for iteration in 0..<2000 {
            let value = generator.value()
            let noisy = generator.noisyText(value)
            let parsed: JSON
            switch CoreTestKit.parse(noisy) {
            case .success(let result): parsed = result
            case .failure(let error):
                Issue.record("iteration \(iteration): \(error) in \(String(decoding: noisy, as: UTF8.self))")
                continue
            }
            #expect(
                JSON.identical(parsed, value),
                "iteration \(iteration): \(String(decoding: noisy, as: UTF8.self)) parsed as \(parsed)"
            )
            let first = JSONWriter.serialize(parsed)
            #expect(first == JSONWriter.serialize(value), "iteration \(iteration)")
            let second = JSONWriter.serialize(try JSONParser.parse(first))
            #expect(first == second, "iteration \(iteration): writing twice differs")
        }
    }

    /// Foundation's parser, as an oracle, reads our output as the same values.
    @Test func foundationReadsOurOutput() throws {
        var generator = CoreTestKit.RandomJSON(seed: 0x5EED_0003)
        var compared = 0
        for iteration in 0..<1000 {
            let value = generator.value()
            // Foundation dictionaries would merge canonically equal names, and Foundation mangles
            // names holding U+FEFF.
            if Self.hasUnsuitableNames(value) { continue }
            let text = JSONWriter.serialize(value)
            guard let oracle = CoreTestKit.foundationParse(text) else {
                Issue.record("iteration \(iteration): Foundation rejected \(String(decoding: text, as: UTF8.self))")
                continue
            }
            #expect(CoreTestKit.oracleMatches(value, oracle), "iteration \(iteration): \(JSONWriter.string(value))")
            compared += 1
        }
        #expect(compared > 700)
    }

    /// Doubles from random bit patterns: written in shortest round-trip form, always with '.' or an
    /// exponent, and parsed back to the same bits.
    @Test func randomDoublesAreShortestAndRoundTrip() throws {
        var rng = SplitMix64(seed: 0x5EED_0004)
        var checked = 0
        while checked < 20_000 {
            let double = Double(bitPattern: rng.next())
            guard double.isFinite else { continue }
            checked += 1
            let text = JSONWriter.string(.double(double))
            #expect(text.contains(".") || text.contains("e"), "\(text)")
            guard case .double(let parsed) = try JSONParser.parse(text) else {
                Issue.record("\(text) did not parse as a double")
                continue
            }
            #expect(parsed.bitPattern == double.bitPattern, "\(text)")
            // Shortest: one significant digit fewer no longer round-trips.
            let digits = Self.significantDigits(text)
            if digits > 1 {
                let shorter = String(format: "%.\(digits - 2)e", double)
                #expect(Double(shorter) != double, "\(text) is not shortest: \(shorter) also round-trips")
            }
        }
    }

    /// Random decimal literals (short ones take the parser's fast path, long ones the slow path)
    /// parse to the correctly rounded double the standard library computes; overflow is an error.
    @Test func randomDecimalLiteralsMatchStandardLibrary() throws {
        var rng = SplitMix64(seed: 0x5EED_0005)
        var overflows = 0
        for _ in 0..<20_000 {
            let digitCount = rng.chance(3, in: 4) ? rng.int(1..<16) : rng.int(16..<30)
            var digits = (0..<digitCount).map { _ in Character(String(rng.int(0..<10))) }
            if digits.count > 1 && digits[0] == "0" { digits[0] = "1" }
            var literal = rng.chance(1, in: 2) ? "-" : ""
            let pointAt = rng.int(0..<(digits.count + 1))
            if pointAt == 0 || pointAt == digits.count || digits[0] == "0" {
                literal += String(digits)
                if rng.chance(1, in: 2) { literal += ".0" }
            } else {
                literal += String(digits[..<pointAt]) + "." + String(digits[pointAt...])
            }
            let exponent = rng.chance(1, in: 2) ? rng.int(-30..<30) : rng.int(-360..<360)
            literal += (rng.chance(1, in: 2) ? "e" : "E") + String(exponent)
            let expected = try #require(Double(literal))
            switch CoreTestKit.parse(Array(literal.utf8)) {
            case .success(.double(let parsed)):
                #expect(expected.isFinite, "\(literal) should be out of range")
                #expect(parsed.bitPattern == expected.bitPattern, "\(literal): \(parsed) != \(expected)")
            case .success(let other):
                Issue.record("\(literal) parsed as \(other)")
            case .failure(let error):
                overflows += 1
                #expect(expected.isInfinite, "\(literal): \(error)")
                #expect(error.offset == 0)
            }
        }
        #expect(overflows > 0)
    }

    /// The number of significant digits of a double's text ("1.25e-07" → 3, "100.0" → 1).
    private static func significantDigits(_ text: String) -> Int {
        var mantissa = text.split(separator: "e")[0].filter { $0.isNumber }
        while mantissa.hasPrefix("0") { mantissa.removeFirst() }
        while mantissa.hasSuffix("0") { mantissa.removeLast() }
        return max(1, mantissa.count)
    }

    private static func hasUnsuitableNames(_ value: JSON) -> Bool {
        switch value {
        case .array(let elements): return elements.contains { self.hasUnsuitableNames($0) }
        case .object(let object):
            return Set(object.members.map(\.key)).count != object.count
                || object.members.contains { $0.key.unicodeScalars.contains("\u{FEFF}") }
                || object.members.contains { self.hasUnsuitableNames($0.value) }
        default: return false
        }
    }
}
