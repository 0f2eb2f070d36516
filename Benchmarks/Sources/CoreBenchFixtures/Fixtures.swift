import ContactCore

/// The bytes every ContactCore benchmark runs on: the seed's example contact (issue "ContactCore: the
/// JSON engine and MongoDB update operators"), and a `contacts.upsert` line of 50 entries shaped like it.
public enum Fixtures {
    /// One `contacts.upsert` entry, as the client sends it.
    public static let seedEntry: [UInt8] = Array(
        #"{"id":"123","profile":{"$set":{"firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com"},"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}}"#
            .utf8
    )

    /// A whole `contacts.upsert` request line (without its newline) of the seed entry alone: one
    /// seed contact as a client sends it to the server.
    public static let seedLine: [UInt8] = Array(
        (#"{"method":"contacts.upsert","apiKey":"bench-api-key-0123456789","requestId":7,"contacts":["#
            + String(decoding: seedEntry, as: UTF8.self) + "]}").utf8
    )

    /// The stored profile of contact `123`, as the store keeps it (compact JSON).
    public static let seedProfile: [UInt8] = Array(
        #"{"id":"123","firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com","tags":["customer"],"totalOrders":1}"#
            .utf8
    )

    /// What applying `seedEntry` to `seedProfile` must give, byte for byte.
    public static let seedResult: [UInt8] = Array(
        #"{"id":"123","firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com","tags":["customer","customer"],"totalOrders":2}"#
            .utf8
    )

    /// The instant of the request (`$currentDate` would write it; the seed entry has none).
    public static let now = Timestamp(milliseconds: 1_477_110_673_589)

    /// The profile limit of the default configuration.
    public static let maxProfileBytes = 65_536

    /// The number of entries in the batch: the default `--max-batch`.
    public static let batchSize = 50

    /// The external ids of the batch: `100` … `149`, three bytes each like the seed's `123`.
    public static let batchIDs: [String] = (0..<batchSize).map { String(100 + $0) }

    /// A whole `contacts.upsert` request line (without its newline) of 50 seed-shaped entries.
    public static let batchLine: [UInt8] = {
        let entries = batchIDs.map { id in
            #"{"id":"\#(id)","profile":{"$set":{"firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com"},"$push":{"tags":"customer"},"$inc":{"totalOrders":1}}}"#
        }
        let line =
            #"{"method":"contacts.upsert","apiKey":"bench-api-key-0123456789","requestId":7,"contacts":["#
            + entries.joined(separator: ",") + "]}"
        return Array(line.utf8)
    }()

    /// The stored profile of each batch entry, in entry order.
    public static let batchProfiles: [[UInt8]] = batchIDs.map { id in
        Array(
            #"{"id":"\#(id)","firstName":"Justin","lastName":"Bieber","email":"justin.bieber@yopmail.com","tags":["customer"],"totalOrders":1}"#
                .utf8
        )
    }
}

/// Why a workload could not run: its inputs did not decode or apply as the fixtures promise.
public struct WorkloadFailure: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
