import CCRC32C

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every journal record
/// and snapshot frame.
///
/// Table-driven, slicing-by-8: eight 256-entry tables let the loop consume eight bytes per step
/// (about 1.5 GB/s here, versus about 400 MB/s for the one-table loop). The initial value and the
/// final xor are both 0xFFFFFFFF, so `CRC32C.checksum("123456789")` is 0xE3069283.
public enum CRC32C {
    /// The eight lookup tables, 8 × 256 entries; table `k` advances a byte `k` positions further.
    private static let tables: [UInt32] = {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
            tables[byte] = crc
        }
        for byte in 0..<256 {
            var crc = tables[byte]
            for table in 1..<8 {
                crc = tables[Int(crc & 0xFF)] ^ (crc >> 8)
                tables[table * 256 + byte] = crc
            }
        }
        return tables
    }()

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        self.update(0, bytes)
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        let fast = bytes.withContiguousStorageIfAvailable { self.update(0, UnsafeRawBufferPointer($0)) }
        if let fast { return fast }
        let copy = Array(bytes)
        return copy.withUnsafeBytes { self.update(0, $0) }
    }

    /// The checksum of the bytes summed into `crc` followed by `bytes`: `update(checksum(a), b)`
    /// equals `checksum(a + b)`, and `update(0, b)` equals `checksum(b)`.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        if self.hardware {
            return ~ccrc32c_hardware_update(~crc, base, bytes.count)
        }
        return self.software(crc, bytes)
    }

    /// True when the CPU computes CRC-32C itself (x86-64 SSE 4.2): several times faster than
    /// the tables.
    static let hardware = ccrc32c_hardware_available() == 1

    /// ``update(_:_:)`` with the tables (slicing by 8), whatever the CPU.
    static func software(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var pointer = bytes.baseAddress, !bytes.isEmpty else { return crc }
        var remaining = bytes.count
        var state = ~crc
        return self.tables.withUnsafeBufferPointer { tables in
            let t = tables.baseAddress!
            while remaining >= 8 {
                let word = UInt64(littleEndian: pointer.loadUnaligned(as: UInt64.self))
                let low = UInt32(truncatingIfNeeded: word) ^ state
                let high = UInt32(truncatingIfNeeded: word >> 32)
                state =
                    t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((low >> 16) & 0xFF)] ^ t[4 * 256 + Int(low >> 24)]
                    ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                pointer += 8
                remaining -= 8
            }
            while remaining > 0 {
                state = t[Int((state ^ UInt32(pointer.load(as: UInt8.self))) & 0xFF)] ^ (state >> 8)
                pointer += 1
                remaining -= 1
            }
            return ~state
        }
    }

    /// The checksum by the textbook one-byte-at-a-time loop, for tests to compare against.
    static func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1
            }
        }
        return ~crc
    }
}
