/// RFC 1321 MD5, only for `hashmod` relabeling (Prometheus hashes with MD5; not used for security).
///
/// Small and dependency-free; hashes one contiguous buffer per call.
struct MD5 {
    /// Per-round left-rotation amounts (RFC 1321, section 3.4).
    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    /// floor(abs(sin(i + 1)) * 2^32), precomputed as in RFC 1321.
    private static let constants: [UInt32] = [
        0xd76a_a478, 0xe8c7_b756, 0x2420_70db, 0xc1bd_ceee, 0xf57c_0faf, 0x4787_c62a, 0xa830_4613, 0xfd46_9501,
        0x6980_98d8, 0x8b44_f7af, 0xffff_5bb1, 0x895c_d7be, 0x6b90_1122, 0xfd98_7193, 0xa679_438e, 0x49b4_0821,
        0xf61e_2562, 0xc040_b340, 0x265e_5a51, 0xe9b6_c7aa, 0xd62f_105d, 0x0244_1453, 0xd8a1_e681, 0xe7d3_fbc8,
        0x21e1_cde6, 0xc337_07d6, 0xf4d5_0d87, 0x455a_14ed, 0xa9e3_e905, 0xfcef_a3f8, 0x676f_02d9, 0x8d2a_4c8a,
        0xfffa_3942, 0x8771_f681, 0x6d9d_6122, 0xfde5_380c, 0xa4be_ea44, 0x4bde_cfa9, 0xf6bb_4b60, 0xbebf_bc70,
        0x289b_7ec6, 0xeaa1_27fa, 0xd4ef_3085, 0x0488_1d05, 0xd9d4_d039, 0xe6db_99e5, 0x1fa2_7cf8, 0xc4ac_5665,
        0xf429_2244, 0x432a_ff97, 0xab94_23a7, 0xfc93_a039, 0x655b_59c3, 0x8f0c_cc92, 0xffef_f47d, 0x8584_5dd1,
        0x6fa8_7e4f, 0xfe2c_e6e0, 0xa301_4314, 0x4e08_11a1, 0xf753_7e82, 0xbd3a_f235, 0x2ad7_d2bb, 0xeb86_d391,
    ]

    /// The four state words a, b, c, d; the digest is their little-endian bytes in that order.
    private var a0: UInt32 = 0x6745_2301
    private var b0: UInt32 = 0xefcd_ab89
    private var c0: UInt32 = 0x98ba_dcfe
    private var d0: UInt32 = 0x1032_5476

    /// The 16-byte digest of `bytes`.
    static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let s = hashState(bytes)
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for w in [s.a0, s.b0, s.c0, s.d0] {
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt32(k)))) }
        }
        return out
    }

    /// The 16-byte digest of a string's UTF-8 bytes.
    static func digest(_ s: String) -> [UInt8] {
        var s = s
        return s.withUTF8 { digest(UnsafeRawBufferPointer($0)) }
    }

    /// Digest bytes 8..<16 read as a big-endian UInt64, as Prometheus' `hashmod` uses them; no allocation.
    static func lowerHalfBigEndian(_ s: String) -> UInt64 {
        var s = s
        let st = s.withUTF8 { hashState(UnsafeRawBufferPointer($0)) }
        // Bytes 8..<12 are c's little-endian bytes, 12..<16 are d's: byte-swapping each gives the big-endian reading.
        return UInt64(st.c0.byteSwapped) << 32 | UInt64(st.d0.byteSwapped)
    }

    private static func hashState(_ bytes: UnsafeRawBufferPointer) -> MD5 {
        var st = MD5()
        let n = bytes.count
        let fullBlocks = n / 64
        for b in 0..<fullBlocks {
            st.compress(UnsafeRawBufferPointer(rebasing: bytes[(b * 64)..<(b * 64 + 64)]))
        }
        // Tail: remaining bytes, 0x80, zero padding, 64-bit little-endian bit length; one or two blocks.
        let rem = n - fullBlocks * 64
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
            tail.initialize(repeating: 0)
            for i in 0..<rem { tail[i] = bytes[fullBlocks * 64 + i] }
            tail[rem] = 0x80
            let tailLen = rem < 56 ? 64 : 128
            let bitLen = UInt64(n) &* 8
            for k in 0..<8 { tail[tailLen - 8 + k] = UInt8(truncatingIfNeeded: bitLen >> (8 * UInt64(k))) }
            let raw = UnsafeRawBufferPointer(tail)
            st.compress(UnsafeRawBufferPointer(rebasing: raw[0..<64]))
            if tailLen == 128 { st.compress(UnsafeRawBufferPointer(rebasing: raw[64..<128])) }
        }
        return st
    }

    /// One 64-byte block (RFC 1321, section 3.4).
    private mutating func compress(_ block: UnsafeRawBufferPointer) {
        var m = (UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0),
                 UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0), UInt32(0))
        withUnsafeMutableBytes(of: &m) { dst in
            for i in 0..<16 {
                dst.storeBytes(of: UInt32(littleEndian: block.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)),
                               toByteOffset: i * 4, as: UInt32.self)
            }
        }
        var a = a0, b = b0, c = c0, d = d0
        withUnsafeBytes(of: &m) { words in
            let w = words.assumingMemoryBound(to: UInt32.self)
            Self.shifts.withUnsafeBufferPointer { s in
                Self.constants.withUnsafeBufferPointer { k in
                    // One loop per round so each has a fixed mixing function (no per-step switch).
                    @inline(__always) func step(_ i: Int, _ f: UInt32, _ g: Int) {
                        let t = f &+ a &+ k[i] &+ w[g]
                        a = d; d = c; c = b
                        b = b &+ ((t << s[i]) | (t >> (32 - s[i])))
                    }
                    for i in 0..<16 { step(i, (b & c) | (~b & d), i) }
                    for i in 16..<32 { step(i, (d & b) | (~d & c), (5 &* i &+ 1) & 15) }
                    for i in 32..<48 { step(i, b ^ c ^ d, (3 &* i &+ 5) & 15) }
                    for i in 48..<64 { step(i, c ^ (b | ~d), (7 &* i) & 15) }
                }
            }
        }
        a0 = a0 &+ a; b0 = b0 &+ b; c0 = c0 &+ c; d0 = d0 &+ d
    }
}
