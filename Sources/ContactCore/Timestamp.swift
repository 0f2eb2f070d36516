#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An instant in UTC with millisecond precision (milliseconds since 1970-01-01T00:00:00Z).
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since the Unix epoch.
    public var milliseconds: Int64

    /// The instant `milliseconds` after the Unix epoch.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// The current wall-clock time, truncated to milliseconds.
    public static func now() -> Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Timestamp(milliseconds: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// Parses an RFC 3339 date-time (`2016-10-22T04:31:13.589Z`, `2016-10-22T06:31:13+02:00`).
    ///
    /// Offsets are converted to UTC and fractions beyond milliseconds are truncated. Returns nil for
    /// anything else, including dates that do not exist (`2023-02-29`) and instants whose UTC year
    /// is outside 0000–9999 (`9999-12-31T23:59:59-01:00`), which ``iso8601`` could not express.
    public init?(rfc3339 text: String) {
        var text = text
        guard let value = text.withUTF8({ Self.parse($0) }) else { return nil }
        self.milliseconds = value
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`. (An instant outside years 0000–9999, which ``init(rfc3339:)``
    /// never produces, gets an ISO 8601 expanded year: a sign and at least six digits.)
    public var iso8601: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        self.writeISO8601(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same text as ``iso8601``.
    public var description: String { self.iso8601 }

    /// Appends ``iso8601`` to `bytes`.
    public func writeISO8601(into bytes: inout [UInt8]) {
        let (days, millisOfDay) = self.milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        func append(_ value: Int64, width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var value = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                value %= divisor
                divisor /= 10
            }
        }
        if (0...9999).contains(year) {
            append(year, width: 4)
        } else {
            bytes.append(year < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            var width = 6
            while width < 19 && abs(year) >= Self.powerOfTen(width) { width += 1 }
            append(abs(year), width: width)
        }
        bytes.append(UInt8(ascii: "-"))
        append(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        append(day, width: 2)
        bytes.append(UInt8(ascii: "T"))
        append(millisOfDay / 3_600_000, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(millisOfDay / 60_000 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(millisOfDay / 1000 % 60, width: 2)
        bytes.append(UInt8(ascii: "."))
        append(millisOfDay % 1000, width: 3)
        bytes.append(UInt8(ascii: "Z"))
    }

    /// The UTC year and month (1–12) of this instant, for message statistics.
    public var yearAndMonth: (year: Int, month: Int) {
        let (days, _) = self.milliseconds.floorDivided(by: 86_400_000)
        let (year, month, _) = Self.civil(fromDays: days)
        return (Int(year), Int(month))
    }

    /// Orders instants in time.
    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.milliseconds < rhs.milliseconds
    }

    // MARK: - Calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms)

    static func days(fromCivilYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let monthIndex = month > 2 ? month - 3 : month + 9
        let dayOfYear = (153 * monthIndex + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func daysInMonth(year: Int64, month: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> Int64? {
        var index = 0
        func digits(_ count: Int) -> Int64? {
            guard index + count <= text.count else { return nil }
            var value: Int64 = 0
            for _ in 0..<count {
                let byte = text[index]
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                index += 1
            }
            return value
        }
        func expect(_ characters: UInt8...) -> Bool {
            guard index < text.count, characters.contains(text[index]) else { return false }
            index += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
            let day = digits(2), expect(UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")),
            let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
            let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= Self.daysInMonth(year: year, month: month), hour < 24,
            minute < 60, second < 60
        else { return nil }
        var millis: Int64 = 0
        if index < text.count, text[index] == UInt8(ascii: ".") {
            index += 1
            var fractionDigits = 0
            while index < text.count, text[index] >= UInt8(ascii: "0"), text[index] <= UInt8(ascii: "9") {
                if fractionDigits < 3 { millis = millis * 10 + Int64(text[index] - UInt8(ascii: "0")) }
                fractionDigits += 1
                index += 1
            }
            guard fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<max(3, fractionDigits) { millis *= 10 }
        }
        var offsetMinutes: Int64 = 0
        guard index < text.count else { return nil }
        switch text[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign: Int64 = text[index] == UInt8(ascii: "-") ? -1 : 1
            index += 1
            guard let offsetHours = digits(2), expect(UInt8(ascii: ":")), let offsetMins = digits(2),
                offsetHours < 24, offsetMins < 60
            else { return nil }
            offsetMinutes = sign * (offsetHours * 60 + offsetMins)
        default:
            return nil
        }
        guard index == text.count else { return nil }
        let days = Self.days(fromCivilYear: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetMinutes * 60
        let milliseconds = seconds * 1000 + millis
        // 0000-01-01T00:00:00.000Z ... 9999-12-31T23:59:59.999Z
        guard (-62_167_219_200_000...253_402_300_799_999).contains(milliseconds) else { return nil }
        return milliseconds
    }

    private static func powerOfTen(_ exponent: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}

extension Int64 {
    /// Quotient rounded toward negative infinity, and the non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let quotient = self / divisor
        let remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
