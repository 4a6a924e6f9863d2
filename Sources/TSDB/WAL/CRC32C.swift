/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) with a slicing-by-8 table.
///
/// Used to checksum WAL records. Streaming: `update(update(0, a), b) == checksum(a + b)`.
public enum CRC32C {
    /// Eight 256-entry tables laid out back to back: table k maps a byte k positions further back.
    @usableFromInline static let table: [UInt32] = makeTable()

    private static func makeTable() -> [UInt32] {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            var c = t[i]
            for k in 1..<8 {
                c = t[Int(c & 0xFF)] ^ (c >> 8)
                t[k * 256 + i] = c
            }
        }
        return t
    }

    /// CRC-32C of `bytes`.
    @inlinable public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { update(0, bytes) }

    /// CRC-32C of a byte array.
    @inlinable public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { update(0, $0) }
    }

    /// Continues a CRC-32C (`crc` is a previous result, 0 to start) over `bytes`.
    @inlinable public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard var p = bytes.baseAddress, bytes.count > 0 else { return crc }
        var n = bytes.count
        var c = ~crc
        table.withUnsafeBufferPointer { tb in
            // Unwrapped once: the table is never empty, and the loop must not re-check optionals.
            let t0 = tb.baseAddress.unsafelyUnwrapped
            let t1 = t0 + 256, t2 = t0 + 512, t3 = t0 + 768
            let t4 = t0 + 1024, t5 = t0 + 1280, t6 = t0 + 1536, t7 = t0 + 1792
            while n >= 8 {
                let w = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
                let lo = UInt32(truncatingIfNeeded: w) ^ c
                let hi = UInt32(truncatingIfNeeded: w &>> 32)
                c = t7[Int(lo & 0xFF)] ^ t6[Int((lo &>> 8) & 0xFF)]
                    ^ t5[Int((lo &>> 16) & 0xFF)] ^ t4[Int(lo &>> 24)]
                    ^ t3[Int(hi & 0xFF)] ^ t2[Int((hi &>> 8) & 0xFF)]
                    ^ t1[Int((hi &>> 16) & 0xFF)] ^ t0[Int(hi &>> 24)]
                p += 8
                n &-= 8
            }
            while n > 0 {
                c = t0[Int((c ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (c &>> 8)
                p += 1
                n &-= 1
            }
        }
        return ~c
    }
}
