/// Messages received by a contact, counted by UTC year and month (PROTOCOL.md section 4).
public struct MessageStats: Sendable, Equatable {
    /// One month's count.
    public struct Bucket: Sendable, Equatable {
        /// The UTC year.
        public var year: Int32
        /// The month, 1 to 12.
        public var month: UInt8
        /// Messages received in that month.
        public var count: Int64

        /// A bucket for `year`-`month` holding `count`.
        public init(year: Int32, month: UInt8, count: Int64) {
            self.year = year
            self.month = month
            self.count = count
        }
    }

    /// The buckets, ordered by year then month.
    public private(set) var buckets: [Bucket]

    /// No messages.
    public init() {
        self.buckets = []
    }

    /// Stats of `buckets`, which must be ordered and unique.
    public init(buckets: [Bucket]) {
        self.buckets = buckets
    }

    /// Counts one message received at `at`.
    public mutating func record(at: Timestamp) {
        let (year, month) = at.yearAndMonth
        let key = (Int32(year), UInt8(month))
        let position = self.buckets.firstIndex { ($0.year, $0.month) >= key } ?? self.buckets.endIndex
        if position < self.buckets.endIndex, self.buckets[position].year == key.0,
            self.buckets[position].month == key.1
        {
            self.buckets[position].count &+= 1
        } else {
            self.buckets.insert(Bucket(year: key.0, month: key.1, count: 1), at: position)
        }
    }

    /// Appends `{"YYYY":{"M":n}}` to `bytes`.
    public func write(into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "{"))
        var currentYear: Int32?
        for bucket in self.buckets {
            if bucket.year != currentYear {
                if currentYear != nil { bytes.append(contentsOf: "},".utf8) }
                currentYear = bucket.year
                bytes.append(UInt8(ascii: "\""))
                let year = String(bucket.year)
                bytes.append(contentsOf: String(repeating: "0", count: max(0, 4 - year.utf8.count)).utf8)
                bytes.append(contentsOf: year.utf8)
                bytes.append(contentsOf: "\":{".utf8)
            } else {
                bytes.append(UInt8(ascii: ","))
            }
            bytes.append(UInt8(ascii: "\""))
            JSONWriter.writeInteger(Int64(bucket.month), into: &bytes)
            bytes.append(contentsOf: "\":".utf8)
            JSONWriter.writeInteger(bucket.count, into: &bytes)
        }
        if currentYear != nil { bytes.append(UInt8(ascii: "}")) }
        bytes.append(UInt8(ascii: "}"))
    }
}
