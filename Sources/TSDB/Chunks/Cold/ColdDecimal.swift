/// Exact decimal view of a float64: `v == Double(m) / 10^k` bit for bit (k = 0: `Double(m)`).
///
/// Most monitoring values are decimals printed by exporters (`14.72`, `0.000125`, `4096`), so a
/// small integer mantissa with a shared exponent replaces 64 opaque bits and deltas become small.
/// Correctly rounded division of two exact doubles reproduces the parsed value exactly, which is
/// why the round trip is checked bit for bit and anything else falls back to raw bits.
public enum ColdDecimal {
    /// Largest exponent: 10^22 is the largest power of ten a double holds exactly.
    public static let maxExponent = 22
    /// Mantissas are kept within ±2^53 so `Double(m)` is exact.
    public static let maxMantissa: Int64 = 1 << 53

    /// Exact powers of ten 10^0 … 10^22.
    @usableFromInline static let powers: [Double] = {
        var p: [Double] = []
        var x = 1.0
        for _ in 0...22 { p.append(x); x *= 10 }
        return p
    }()

    /// The value `m / 10^k` as a double (correctly rounded).
    @inlinable public static func value(mantissa m: Int64, exponent k: Int) -> Double {
        k == 0 ? Double(m) : Double(m) / powers[k]
    }

    /// True when `m / 10^k` reproduces `v` bit for bit.
    @inlinable public static func matches(_ v: Double, mantissa m: Int64, exponent k: Int) -> Bool {
        m >= -maxMantissa && m <= maxMantissa && value(mantissa: m, exponent: k).bitPattern == v.bitPattern
    }

    /// Mantissa for exponent `k` if `v` is exactly representable with it.
    @inlinable public static func mantissa(of v: Double, exponent k: Int) -> Int64? {
        let scaled = k == 0 ? v : v * powers[k]
        guard scaled.isFinite, scaled.magnitude <= Double(maxMantissa) else { return nil }
        let m = Int64(scaled.rounded())
        return matches(v, mantissa: m, exponent: k) ? m : nil
    }

    /// Smallest exponent `k` (and its mantissa) that represents `v` exactly, trying `hint` first;
    /// nil for NaN, ±Inf, -0.0 and values with no short decimal form.
    @inlinable public static func decompose(_ v: Double, hint: Int = 0) -> (m: Int64, k: Int)? {
        guard v.isFinite else { return nil }
        if hint > 0, let m = mantissa(of: v, exponent: hint) {
            // The hint is usually the chunk's exponent: one division instead of a search.
            return (m, hint)
        }
        let mag = v.magnitude
        var k = 0
        while k <= maxExponent {
            if mag * powers[k] > Double(maxMantissa) { return nil }
            if let m = mantissa(of: v, exponent: k) { return (m, k) }
            k += 1
        }
        return nil
    }
}
