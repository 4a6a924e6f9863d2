#if canImport(Glibc)
import Glibc  // links libm (floor, sqrt) when nothing else in the module does
#elseif canImport(Darwin)
import Darwin
#endif

/// Prometheus' `*_over_time` formulas applied to one window's values (oldest first).
///
/// Each loop follows Prometheus' `promql/functions.go` operation for operation so results match bit
/// for bit on hardware that does not fuse multiply-add (x86-64; Go may emit FMA on arm64, Swift does
/// not, so arm64 Prometheus can differ in the last bit for avg's incremental path, stddev and
/// quantile interpolation). NaN payloads follow the hardware's propagation rules in both.
public enum WindowAggregation {
    /// Go's `math.NaN()` bit pattern, returned where Prometheus manufactures a NaN.
    public static let goNaN = Double(bitPattern: 0x7FF8_0000_0000_0001)

    /// `sum_over_time`: compensated sum; an infinite sum is returned without its compensation.
    @inlinable
    public static func sum(_ values: UnsafeBufferPointer<Double>) -> Double {
        if let fast = finiteCompensatedSum(values, from: 0, sum: 0) {
            return fast.sum + fast.compensation
        }
        var sum = 0.0, c = 0.0
        for v in values { (sum, c) = KahanSum.add(v, to: sum, compensation: c) }
        return sum.isInfinite ? sum : sum + c
    }

    /// `avg_over_time`: compensated sum / count until the running sum would overflow, then a
    /// compensated incremental mean from that sample on. `values` must not be empty.
    @inlinable
    public static func avg(_ values: UnsafeBufferPointer<Double>) -> Double {
        let n = values.count
        guard let base = values.baseAddress, n > 0 else { return goNaN }
        if let fast = finiteCompensatedSum(values, from: 1, sum: base[0]) {
            let count = Double(n)
            return fast.sum / count + fast.compensation / count
        }
        var sum = base[0], c = 0.0
        var i = 1
        while i < n {
            let (ns, nc) = KahanSum.add(base[i], to: sum, compensation: c)
            if ns.isInfinite { break }
            sum = ns
            c = nc
            i += 1
        }
        if i == n {
            let count = Double(n)
            return sum / count + c / count
        }
        // Incremental phase, entered at the sample whose addition overflowed (count = i + 1).
        var mean = sum / Double(i)
        c /= Double(i)
        while i < n {
            let count = Double(i + 1)
            let q = (count - 1) / count
            (mean, c) = KahanSum.add(base[i] / count, to: q * mean, compensation: q * c)
            i += 1
        }
        return mean + c
    }

    /// Prometheus 2.x `avg_over_time`: a compensated incremental mean, `mean += v/n − mean/n`, which
    /// keeps an infinite mean as long as later values cannot change it.
    @inlinable
    public static func avgV2(_ values: UnsafeBufferPointer<Double>) -> Double {
        var mean = 0.0, count = 0.0, c = 0.0
        for v in values {
            count += 1
            if mean.isInfinite {
                // Inf − Inf would turn a correct infinite mean into NaN.
                if v.isInfinite && (mean > 0) == (v > 0) { continue }
                if !v.isInfinite && !v.isNaN { continue }
            }
            (mean, c) = KahanSum.addV2(v / count - mean / count, to: mean, compensation: c)
        }
        return mean.isInfinite ? mean : mean + c
    }

    /// The compensated sum of `values[from...]` starting from `sum`, or nil when anything along the
    /// way was not finite (the caller then runs Prometheus' loop, with its Inf/NaN rules).
    ///
    /// Why this equals `KahanSum.add` applied in sequence: while every partial sum is finite and
    /// nothing overflows, Neumaier's correction `(big − t) + small` is the exact rounding error of
    /// `sum + v` (Fast2Sum), and so is Knuth's branch-free TwoSum used here; an exact error is a
    /// unique double (both give +0 when it is zero), so the compensations agree bit for bit. A
    /// running sum that ever becomes ±Inf or NaN stays non-finite, and an overflow inside TwoSum
    /// makes the compensation non-finite, so checking both once at the end is enough. TwoSum has no
    /// compare-and-select, which roughly halves the instructions of this throughput-bound loop.
    @inlinable @inline(__always)
    static func finiteCompensatedSum(
        _ values: UnsafeBufferPointer<Double>, from start: Int, sum initial: Double
    ) -> (sum: Double, compensation: Double)? {
        guard let base = values.baseAddress else { return (initial, 0) }
        var sum = initial, c = 0.0
        var i = start
        let n = values.count
        while i < n {
            let v = base[i]
            let t = sum + v
            let vPart = t - sum
            let err = (sum - (t - vPart)) + (v - vPart)
            c += err
            sum = t
            i &+= 1
        }
        return sum.isFinite && c.isFinite ? (sum, c) : nil
    }

    /// `stdvar_over_time`: population variance by Welford's update with both running values compensated.
    @inlinable
    public static func variance(_ values: UnsafeBufferPointer<Double>) -> Double {
        var count = 0.0
        var mean = 0.0, cMean = 0.0
        var aux = 0.0, cAux = 0.0
        for v in values {
            count += 1
            let delta = v - (mean + cMean)
            (mean, cMean) = KahanSum.add(delta / count, to: mean, compensation: cMean)
            (aux, cAux) = KahanSum.add(delta * (v - (mean + cMean)), to: aux, compensation: cAux)
        }
        return (aux + cAux) / count
    }

    /// `stddev_over_time`: square root of `variance`.
    @inlinable
    public static func stddev(_ values: UnsafeBufferPointer<Double>) -> Double {
        variance(values).squareRoot()
    }

    /// `max_over_time`: NaN is replaced by any later value, a value only by a strictly larger one
    /// (so the first of equal maxima wins, and an all-NaN window yields its newest NaN).
    @inlinable
    public static func max(_ values: UnsafeBufferPointer<Double>) -> Double {
        extremum(values) { $0 > $1 }
    }

    /// `min_over_time`: mirror image of `max`.
    @inlinable
    public static func min(_ values: UnsafeBufferPointer<Double>) -> Double {
        extremum(values) { $0 < $1 }
    }

    /// Prometheus' scan `if beats(v, m) || isNaN(m) { m = v }`, split in two loops: skip the leading
    /// NaNs (each replaces the previous one), then from the first number on `m` is never NaN again,
    /// so the NaN test disappears and the update becomes a select (maxsd/minsd) with no branch.
    @inlinable @inline(__always)
    static func extremum(_ values: UnsafeBufferPointer<Double>, _ beats: (Double, Double) -> Bool) -> Double {
        guard let base = values.baseAddress, values.count > 0 else { return goNaN }
        let n = values.count
        var i = 0
        while i < n && base[i].isNaN { i &+= 1 }
        if i == n { return base[n &- 1] }
        var m = base[i]
        i &+= 1
        while i < n {
            let v = base[i]
            m = beats(v, m) ? v : m
            i &+= 1
        }
        return m
    }

    /// Prometheus' `quantile(φ, values)` (as in `quantile_over_time` and the `quantile` aggregation)
    /// by selection, without sorting or modifying `values`; `scratch` provides the work space.
    public static func quantile(_ phi: Double, of values: UnsafeBufferPointer<Double>, scratch: WindowScratch) -> Double {
        guard let base = values.baseAddress, values.count > 0 else { return goNaN }
        if let special = invalidQuantileResult(phi) { return special }
        var work = scratch.sortedValues
        defer { scratch.sortedValues = work }
        return QuantileWindow.quantile(phi, of: WindowView(values: base, count: values.count, firstSeq: 0), work: &work)
    }

    /// The result of `quantile` for φ outside [0, 1] or NaN (values present), else nil.
    @inlinable
    public static func invalidQuantileResult(_ phi: Double) -> Double? {
        if phi.isNaN { return goNaN }
        if phi < 0 { return -.infinity }
        if phi > 1 { return .infinity }
        return nil
    }

    /// Prometheus' quantile interpolation over `count` sorted values read through `at`, φ ∈ [0, 1].
    ///
    /// Computes `v[lo]·(1−w) + v[hi]·w` even when w is 0 or 1, as Prometheus does (so an infinite
    /// neighbour turns the result into NaN, e.g. φ=0 over [1, +Inf]).
    @inlinable @inline(__always)
    static func interpolate(_ phi: Double, count: Int, at value: (Int) -> Double) -> Double {
        let n = Double(count)
        let rank = phi * (n - 1)
        let lowerIndex = Swift.max(0, rank.rounded(.down))
        let upperIndex = Swift.min(n - 1, lowerIndex + 1)
        let weight = rank - rank.rounded(.down)
        return value(Int(lowerIndex)) * (1 - weight) + value(Int(upperIndex)) * weight
    }

    /// Sorted positions `(lower, upper)` that `interpolate` reads for φ ∈ [0, 1].
    @inlinable @inline(__always)
    static func interpolationRanks(_ phi: Double, count: Int) -> (Int, Int) {
        let n = Double(count)
        let lowerIndex = Swift.max(0, (phi * (n - 1)).rounded(.down))
        return (Int(lowerIndex), Int(Swift.min(n - 1, lowerIndex + 1)))
    }
}
