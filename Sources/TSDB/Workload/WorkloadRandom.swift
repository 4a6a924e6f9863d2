#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small deterministic PRNG (xoshiro256**, seeded through SplitMix64) for workload generation.
///
/// Deterministic across platforms and runs, unlike `SystemRandomNumberGenerator`, so a seed always
/// reproduces the same data set.
public struct WorkloadRandom: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// Seeds the generator from any number of 64-bit words (e.g. seed, host, stream).
    public init(_ words: UInt64...) {
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for w in words { x = WorkloadRandom.splitMix(&x) ^ w &* 0xBF58_476D_1CE4_E5B9 }
        s0 = WorkloadRandom.splitMix(&x); s1 = WorkloadRandom.splitMix(&x)
        s2 = WorkloadRandom.splitMix(&x); s3 = WorkloadRandom.splitMix(&x)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @usableFromInline static func splitMix(_ x: inout UInt64) -> UInt64 {
        x &+= 0x9E37_79B9_7F4A_7C15
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Next 64 random bits.
    @inlinable public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform in [0, 1).
    @inlinable public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi].
    @inlinable public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Standard normal deviate (Box–Muller; one of the pair is discarded to stay stateless).
    @inlinable public mutating func normal() -> Double {
        let u1 = max(unit(), 0x1.0p-53)
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}

