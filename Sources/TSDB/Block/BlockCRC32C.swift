/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) for block file sections and frames.
///
/// Slicing-by-8 software implementation; kept private to the block format (named so it cannot
/// clash with a WAL-wide CRC32C type).
enum BlockCRC32C {
    static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var c = UInt32(i)
            for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[i] = c
        }
        for i in 0..<256 {
            var c = t[i]
            for k in 1..<8 { c = t[Int(c & 0xff)] ^ (c >> 8); t[k * 256 + i] = c }
        }
        return t
    }()

    /// CRC of `buffer`, continuing from `crc` (the result of a previous call, 0 to start).
    static func checksum(_ buffer: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        var c = ~crc
        guard let base = buffer.baseAddress, buffer.count > 0 else { return crc }
        var p = 0
        let n = buffer.count
        tables.withUnsafeBufferPointer { t in
            while n - p >= 8 {
                let lo = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)) ^ c
                let hi = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p + 4, as: UInt32.self))
                c = t[7 * 256 + Int(lo & 0xff)] ^ t[6 * 256 + Int((lo >> 8) & 0xff)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xff)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xff)] ^ t[2 * 256 + Int((hi >> 8) & 0xff)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xff)] ^ t[Int(hi >> 24)]
                p += 8
            }
            while p < n {
                c = t[Int((c ^ UInt32(base.load(fromByteOffset: p, as: UInt8.self))) & 0xff)] ^ (c >> 8)
                p += 1
            }
        }
        return ~c
    }

    /// CRC of a byte array.
    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }
}
