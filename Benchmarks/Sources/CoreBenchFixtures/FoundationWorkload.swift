import Foundation

/// The baseline: the same bytes and the same update through Foundation's `JSONSerialization`.
///
/// Parse the entry (or the whole request line), parse the stored profile into a mutable
/// dictionary, interpret the entry's `$set`, `$push` and `$inc` on it (top-level paths only,
/// which is all the seed uses, and none of ContactCore's checks), serialize, and append the
/// bytes to `output`. It does strictly less than ContactCore, so the ratio flatters Foundation.
public enum FoundationWorkload {
    /// Bytes wrapped in `Data` once, outside the timed loop (which again favours Foundation).
    public struct Inputs: @unchecked Sendable {
        public var entry: Data
        public var profile: Data
        public var line: Data
        public var profiles: [Data]

        public init() {
            self.entry = Data(Fixtures.seedEntry)
            self.profile = Data(Fixtures.seedProfile)
            self.line = Data(Fixtures.batchLine)
            self.profiles = Fixtures.batchProfiles.map { Data($0) }
        }
    }

    /// One seed contact. Returns the bytes written.
    @inline(never)
    public static func seedContact(entry: Data, profile: Data, output: inout [UInt8]) throws -> Int {
        guard let decoded = try JSONSerialization.jsonObject(with: entry) as? [String: Any],
            let operators = decoded["profile"] as? [String: Any]
        else {
            throw WorkloadFailure("the entry is not an object with a profile")
        }
        return try self.applyAndWrite(operators, profile: profile, output: &output)
    }

    /// A whole `contacts.upsert` line. Returns the bytes written.
    @inline(never)
    public static func batch(line: Data, profiles: [Data], output: inout [UInt8]) throws -> Int {
        guard let request = try JSONSerialization.jsonObject(with: line) as? [String: Any],
            request["method"] as? String == "contacts.upsert",
            request["apiKey"] is String,
            let contacts = request["contacts"] as? [Any],
            contacts.count == profiles.count
        else {
            throw WorkloadFailure("the batch line is not a contacts.upsert of \(profiles.count) entries")
        }
        var written = 0
        for (index, element) in contacts.enumerated() {
            guard let entry = element as? [String: Any], entry["id"] is String,
                let operators = entry["profile"] as? [String: Any]
            else {
                throw WorkloadFailure("entry \(index) is invalid")
            }
            written += try self.applyAndWrite(operators, profile: profiles[index], output: &output)
        }
        return written
    }

    static func applyAndWrite(_ operators: [String: Any], profile: Data, output: inout [UInt8]) throws -> Int {
        guard
            let stored = try JSONSerialization.jsonObject(with: profile, options: [.mutableContainers])
                as? NSMutableDictionary
        else {
            throw WorkloadFailure("the stored profile is not an object")
        }
        for (name, argument) in operators {
            guard let fields = argument as? [String: Any] else { throw WorkloadFailure("\(name) is not an object") }
            switch name {
            case "$set":
                for (path, value) in fields { stored[path] = value }
            case "$push":
                for (path, value) in fields {
                    var array = stored[path] as? [Any] ?? []
                    array.append(value)
                    stored[path] = array
                }
            case "$inc":
                for (path, value) in fields {
                    guard let amount = value as? NSNumber else { throw WorkloadFailure("$inc of a non-number") }
                    let current = (stored[path] as? NSNumber)?.int64Value ?? 0
                    stored[path] = NSNumber(value: current + amount.int64Value)
                }
            default:
                throw WorkloadFailure("the baseline does not interpret \(name)")
            }
        }
        let data = try JSONSerialization.data(withJSONObject: stored)
        output.append(contentsOf: data)
        return data.count
    }
}
