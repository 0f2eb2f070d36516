import ContactCore
import ContactdTesting
import Foundation

/// Checks of the contact object's documented shape (PROTOCOL.md section 4).
enum ContactChecks {
    /// The seven fields of a contact.
    static let fields: Set<String> = ["id", "externalId", "project", "profile", "stats", "createdAt", "updatedAt"]

    /// True for 24 lowercase hex digits.
    static func isInternalId(_ value: JSON?) -> Bool {
        guard let text = value?.asString else { return false }
        return text.utf8.count == 24 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// True for `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    static func isTimestamp(_ value: JSON?) -> Bool {
        guard let text = value?.asString else { return false }
        let bytes = Array(text.utf8)
        let pattern = Array("dddd-dd-ddTdd:dd:dd.dddZ".utf8)
        guard bytes.count == pattern.count else { return false }
        for (byte, expected) in zip(bytes, pattern) {
            if expected == UInt8(ascii: "d") {
                guard (48...57).contains(byte) else { return false }
            } else if byte != expected {
                return false
            }
        }
        return self.date(value) != nil
    }

    /// The instant a timestamp names.
    static func date(_ value: JSON?) -> Date? {
        guard let text = value?.asString else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// The current UTC year and month as `stats` names them (`"2026"`, `"11"`).
    static func currentYearAndMonth() -> (year: String, month: String) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month], from: Date())
        return (String(parts.year!), String(parts.month!))
    }
}
