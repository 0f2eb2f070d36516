import ContactCore
import Foundation
import SeededRandom
import Testing

struct TimestampTests {
    /// 2016-10-22T04:31:13Z (from `date -u -d 2016-10-22T04:31:13Z +%s`).
    static let example: Int64 = 1_477_110_673_000
    /// 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the range the format can express.
    static let earliest: Int64 = -62_167_219_200_000
    static let latest: Int64 = 253_402_300_799_999

    // MARK: - Parsing

    static let parseCases: [(String, Int64)] = [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000Z", 0),
        ("2016-10-22T04:31:13.589Z", example + 589),
        // Offsets are converted to UTC.
        ("2016-10-22T06:31:13.589+02:00", example + 589),
        ("2016-10-21T23:01:13.589-05:30", example + 589),
        ("2016-10-22T04:31:13.589+00:00", example + 589),
        ("2016-10-22T04:31:13.589-00:00", example + 589),
        ("2016-10-22T04:31:13+23:59", example - (23 * 60 + 59) * 60_000),
        ("2016-10-22T04:31:13-23:59", example + (23 * 60 + 59) * 60_000),
        ("2016-10-23T00:01:13+19:30", example),
        // Lowercase t and z, and the space RFC 3339 section 5.6 permits.
        ("2016-10-22t04:31:13.589z", example + 589),
        ("2016-10-22 04:31:13.589Z", example + 589),
        // Fractions of 1 to 9 digits (and more) are truncated to milliseconds.
        ("2016-10-22T04:31:13.5Z", example + 500),
        ("2016-10-22T04:31:13.58Z", example + 580),
        ("2016-10-22T04:31:13.589Z", example + 589),
        ("2016-10-22T04:31:13.5899Z", example + 589),
        ("2016-10-22T04:31:13.58999Z", example + 589),
        ("2016-10-22T04:31:13.589999Z", example + 589),
        ("2016-10-22T04:31:13.5899999Z", example + 589),
        ("2016-10-22T04:31:13.58999999Z", example + 589),
        ("2016-10-22T04:31:13.589999999Z", example + 589),
        ("2016-10-22T04:31:13.000000001Z", example),
        ("2016-10-22T04:31:13.999999999Z", example + 999),
        ("2016-10-22T04:31:13.007Z", example + 7),
        ("2016-10-22T04:31:13.0709Z", example + 70),
        ("2016-10-22T04:31:13.589123456789123Z", example + 589),
        ("2016-10-22T06:31:13.999999+02:00", example + 999),
        // Leap years.
        ("2024-02-29T12:00:00Z", 1_709_208_000_000),
        ("2000-02-29T00:00:00Z", 951_782_400_000),
        ("2024-03-01T00:00:00Z", 1_709_251_200_000),
        // Before the epoch, and the ends of the four-digit years.
        ("1969-12-31T23:59:59.999Z", -1),
        ("1969-12-31T23:59:59.5Z", -500),
        ("1970-01-01T00:00:00+00:01", -60_000),
        ("1970-01-01T00:59:59.999+01:00", -1),
        ("1900-01-01T00:00:00Z", -2_208_988_800_000),
        ("1600-03-01T00:00:00Z", -11_670_912_000_000),
        ("0000-01-01T00:00:00Z", earliest),
        ("0000-01-01T00:00:00-00:01", earliest + 60_000),
        ("9999-12-31T23:59:59.999Z", latest),
        ("9999-12-31T23:59:59.999999+00:00", latest),
        ("2017-01-01T00:00:00Z", 1_483_228_800_000),
    ]

    @Test(arguments: parseCases)
    func parses(_ text: String, _ milliseconds: Int64) throws {
        let timestamp = try #require(Timestamp(rfc3339: text))
        #expect(timestamp.milliseconds == milliseconds)
    }

    @Test(arguments: [
        "",
        "2016-10-22",
        "2016-10-22T",
        "2016-10-22T04:31:13",  // missing zone
        "2016-10-22T04:31:13.589",  // missing zone after a fraction
        "2016-10-22T04:31Z",  // missing seconds
        "2016-13-01T00:00:00Z",  // bad month
        "2016-00-01T00:00:00Z",
        "2016-01-00T00:00:00Z",  // bad day
        "2016-01-32T00:00:00Z",
        "2023-02-29T00:00:00Z",  // not leap years
        "1900-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2023-04-31T00:00:00Z",
        "2016-10-22T24:00:00Z",  // hour 24
        "2016-10-22T23:60:00Z",  // minute 60
        "2016-12-31T23:59:60Z",  // leap second
        "2016-10-22T04:31:13.Z",  // empty fraction
        "2016-10-22T04:31:13,589Z",  // comma fraction
        "2016-10-22T04:31:13.-5Z",
        "2016-10-22T04:31:13ZZ",  // trailing garbage
        "2016-10-22T04:31:13Z ",
        "2016-10-22T04:31:13Zx",
        "2016-10-22T04:31:13+02:00x",
        "2016-10-22T04:31:13Z+02:00",
        " 2016-10-22T04:31:13Z",  // leading space
        "2016-10-22T04:31:13+02",  // bad offsets
        "2016-10-22T04:31:13+2:00",
        "2016-10-22T04:31:13+0200",
        "2016-10-22T04:31:13+24:00",
        "2016-10-22T04:31:13+02:60",
        "2016-10-22T04:31:13 +02:00",
        "16-10-22T04:31:13Z",  // bad shapes
        "2016-1-22T04:31:13Z",
        "2016-10-2T04:31:13Z",
        "2016-10-22T4:31:13Z",
        "2016/10/22T04:31:13Z",
        "2016-10-22X04:31:13Z",
        "2016-10-22T04-31-13Z",
        "20161022T043113Z",
        "+2016-10-22T04:31:13Z",
        "-2016-10-22T04:31:13Z",
        "\u{FF12}016-10-22T04:31:13Z",  // fullwidth digit
        "2016-10-22T04:31:13\u{0}Z",
        "9999-12-31T23:59:59-01:00",  // year 10000 in UTC: not expressible as YYYY
        "0000-01-01T00:00:00+00:01",  // year -1 in UTC
    ])
    func rejects(_ text: String) {
        #expect(Timestamp(rfc3339: text) == nil)
    }

    // MARK: - Formatting

    static let formatCases: [(Int64, String)] = [
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (7, "1970-01-01T00:00:00.007Z"),
        (70, "1970-01-01T00:00:00.070Z"),
        (example + 589, "2016-10-22T04:31:13.589Z"),
        (1_709_208_000_000, "2024-02-29T12:00:00.000Z"),
        (951_868_799_999, "2000-02-29T23:59:59.999Z"),
        (-2_208_988_800_000, "1900-01-01T00:00:00.000Z"),
        (earliest, "0000-01-01T00:00:00.000Z"),
        (latest, "9999-12-31T23:59:59.999Z"),
        // Outside four-digit years: ISO 8601 expanded years (sign and six or more digits), never a
        // silently truncated year.
        (latest + 1, "+010000-01-01T00:00:00.000Z"),
        (earliest - 1, "-000001-12-31T23:59:59.999Z"),
        (Int64.max, "+292278994-08-17T07:12:55.807Z"),
        (Int64.min, "-292275055-05-16T16:47:04.192Z"),
    ]

    @Test(arguments: formatCases)
    func formats(_ milliseconds: Int64, _ text: String) {
        let timestamp = Timestamp(milliseconds: milliseconds)
        #expect(timestamp.iso8601 == text)
        #expect(timestamp.description == text)
        var bytes: [UInt8] = Array("at ".utf8)
        timestamp.writeISO8601(into: &bytes)
        #expect(bytes == Array("at \(text)".utf8))
    }

    /// Every instant with a four-digit UTC year formats as `YYYY-MM-DDTHH:MM:SS.mmmZ` and parses back
    /// to itself, also when written with an offset.
    @Test func randomInstantsRoundTrip() throws {
        var rng = SplitMix64(seed: 0x7135_0001)
        for _ in 0..<5000 {
            let milliseconds = Int64.random(in: Self.earliest...Self.latest, using: &rng)
            let text = Timestamp(milliseconds: milliseconds).iso8601
            #expect(text.utf8.count == 24, "\(text)")
            #expect(Timestamp(rfc3339: text)?.milliseconds == milliseconds, "\(text)")

            // The same instant as local time at a random offset.
            let offsetMinutes = Int64(rng.int(-(23 * 60 + 59)..<(23 * 60 + 60)))
            let local = milliseconds + offsetMinutes * 60_000
            guard (Self.earliest...Self.latest).contains(local) else { continue }
            let sign = offsetMinutes < 0 ? "-" : "+"
            let zone = sign + Self.twoDigits(abs(offsetMinutes) / 60) + ":" + Self.twoDigits(abs(offsetMinutes) % 60)
            let withOffset = String(Timestamp(milliseconds: local).iso8601.dropLast()) + zone
            #expect(Timestamp(rfc3339: withOffset)?.milliseconds == milliseconds, "\(withOffset)")
        }
    }

    /// Foundation's Gregorian calendar, as an oracle, agrees on the civil date and time (from 1583,
    /// where its calendar stops being Julian).
    @Test func agreesWithFoundationCalendar() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        let from: Int64 = -12_212_553_600_000  // 1583-01-01T00:00:00Z
        var rng = SplitMix64(seed: 0x7135_0002)
        for _ in 0..<2000 {
            let seconds = Int64.random(in: (from / 1000)...(Self.latest / 1000), using: &rng)
            let timestamp = Timestamp(milliseconds: seconds * 1000)
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let expected =
                "\(parts.year!)-\(Self.twoDigits(Int64(parts.month!)))-\(Self.twoDigits(Int64(parts.day!)))T"
                + "\(Self.twoDigits(Int64(parts.hour!))):\(Self.twoDigits(Int64(parts.minute!))):"
                + "\(Self.twoDigits(Int64(parts.second!))).000Z"
            let padded = String(repeating: "0", count: max(0, 24 - expected.count)) + expected
            #expect(timestamp.iso8601 == padded)
            #expect(timestamp.yearAndMonth == (parts.year!, parts.month!))
        }
    }

    // MARK: - Year and month

    static let yearAndMonthCases: [(String, Int, Int)] = [
        ("2016-12-31T23:59:59.999Z", 2016, 12),
        ("2017-01-01T00:00:00.000Z", 2017, 1),
        ("2024-02-29T23:59:59.999Z", 2024, 2),
        ("2024-03-01T00:00:00.000Z", 2024, 3),
        ("2023-02-28T23:59:59.999Z", 2023, 2),
        ("2023-03-01T00:00:00.000Z", 2023, 3),
        // The month is the UTC one, not the writer's local one.
        ("2017-01-01T00:30:00+01:00", 2016, 12),
        ("2016-12-31T23:30:00-01:00", 2017, 1),
        ("2016-11-01T05:00:00+05:30", 2016, 10),
        ("1970-01-01T00:00:00.000Z", 1970, 1),
        ("1969-12-31T23:59:59.999Z", 1969, 12),
        ("0000-01-01T00:00:00Z", 0, 1),
        ("9999-12-31T23:59:59.999Z", 9999, 12),
    ]

    @Test(arguments: yearAndMonthCases)
    func yearAndMonth(_ text: String, _ year: Int, _ month: Int) throws {
        let timestamp = try #require(Timestamp(rfc3339: text))
        #expect(timestamp.yearAndMonth == (year, month))
    }

    /// At every month boundary of a common and a leap year, the last millisecond belongs to the old
    /// month and the next one to the new month.
    @Test(arguments: [2023, 2024, 1900, 2000])
    func monthBoundaries(_ year: Int) throws {
        for month in 1...12 {
            let nextYear = month == 12 ? year + 1 : year
            let nextMonth = month == 12 ? 1 : month + 1
            let start = try #require(
                Timestamp(rfc3339: "\(nextYear)-\(Self.twoDigits(Int64(nextMonth)))-01T00:00:00Z")
            )
            #expect(start.yearAndMonth == (nextYear, nextMonth))
            #expect(Timestamp(milliseconds: start.milliseconds - 1).yearAndMonth == (year, month))
        }
    }

    // MARK: - Other behaviour

    @Test func ordersByInstant() throws {
        let early = try #require(Timestamp(rfc3339: "2016-10-22T06:31:13.589+02:00"))
        let late = try #require(Timestamp(rfc3339: "2016-10-22T04:31:13.590Z"))
        let same = try #require(Timestamp(rfc3339: "2016-10-22T04:31:13.589Z"))
        #expect(early < late)
        #expect(!(late < early))
        #expect(early == same)
        #expect(Set([early, late, same]).count == 2)
        #expect([late, early].sorted() == [early, late])
    }

    @Test func nowIsTheWallClockInMilliseconds() {
        let before = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let now = Timestamp.now()
        let after = Int64((Date().timeIntervalSince1970 * 1000).rounded(.up))
        #expect(now.milliseconds >= before - 1 && now.milliseconds <= after + 1)
        #expect(Timestamp(rfc3339: now.iso8601) == now)
    }

    private static func twoDigits(_ value: Int64) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
