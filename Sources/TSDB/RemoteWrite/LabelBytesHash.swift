/// A fast 64-bit hash of a byte range (one 64×64→128-bit multiply per 16 bytes, independent of
/// each other so they overlap), for caching series
/// by the raw bytes of their labels. Not cryptographic; a random per-process `seed` makes chosen
/// collisions impractical. Stable for a given seed (little-endian loads).
public enum LabelBytesHash {
    /// A random seed fixed for the life of the process: the seed of `RemoteWriteLabels.hash`.
    public static let processSeed: UInt64 = UInt64.random(in: 1...UInt64.max)

    @usableFromInline static let k0: UInt64 = 0x243f_6a88_85a3_08d3
    @usableFromInline static let k1: UInt64 = 0x1319_8a2e_0370_7344
    @usableFromInline static let k2: UInt64 = 0xa409_3822_299f_31d0
    @usableFromInline static let k3: UInt64 = 0x082e_fa98_ec4e_6c89

    /// Folds a full 128-bit product into 64 bits.
    @inlinable @inline(__always) static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let r = a.multipliedFullWidth(by: b)
        return r.high ^ r.low
    }

    @inlinable @inline(__always) static func load64(_ p: UnsafeRawPointer, _ i: Int) -> UInt64 {
        UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
    }

    @inlinable @inline(__always) static func load32(_ p: UnsafeRawPointer, _ i: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
    }

    /// Hash of `bytes` under `seed`.
    @inlinable public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let n = bytes.count
        // Secrets derived from the seed: without them no block can be chosen to cancel out.
        let s1 = seed ^ k1
        let s2 = (seed &* k3).byteSwapped ^ k2
        guard let p = bytes.baseAddress, n > 0 else { return fold(seed ^ k0, s1) }
        // Each 16-byte block is mixed on its own (the multiplies run in parallel); the blocks are
        // chained by a rotation, which is cheap and keeps the hash order-dependent.
        var acc = seed ^ (UInt64(truncatingIfNeeded: n) &* k0)
        var i = 0
        while n - i > 16 {
            acc = (acc << 29 | acc >> 35) ^ fold(load64(p, i) ^ s1, load64(p, i + 8) ^ s2)
            i += 16
        }
        // The last 1...16 bytes; loads overlap rather than read past the end.
        let rest = n - i
        var a: UInt64
        var b: UInt64
        if rest >= 8 {
            a = load64(p, i)
            b = load64(p, n - 8)
        } else if rest >= 4 {
            a = load32(p, i) << 32 | load32(p, n - 4)
            b = 0
        } else {
            let b0 = UInt64(p.load(fromByteOffset: i, as: UInt8.self))
            let b1 = UInt64(p.load(fromByteOffset: i + rest / 2, as: UInt8.self))
            let b2 = UInt64(p.load(fromByteOffset: n - 1, as: UInt8.self))
            a = b0 << 16 | b1 << 8 | b2
            b = 0
        }
        acc = (acc << 29 | acc >> 35) ^ fold(a ^ s1 ^ k2, b ^ s2 ^ UInt64(truncatingIfNeeded: rest))
        return fold(acc ^ k3, acc ^ s1)
    }
}
