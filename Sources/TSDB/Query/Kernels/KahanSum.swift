/// Kahan–Babuška (Neumaier) compensated summation, step for step as Prometheus' `kahansum.Inc`.
///
/// The result must equal Prometheus bit for bit, so the operation order is fixed: `t = sum + inc`;
/// the compensation adds the low-order part lost by the larger-magnitude operand; an infinite
/// running sum resets the compensation to 0 (otherwise Inf − Inf would poison it with NaN).
public enum KahanSum {
    /// One compensated addition: returns the new running sum and compensation.
    @inlinable @inline(__always)
    public static func add(_ inc: Double, to sum: Double, compensation c: Double) -> (sum: Double, compensation: Double) {
        let t = sum + inc
        // Selects instead of branches: the comparison is data-dependent and mispredicts on noisy data.
        // NaN operands fail `>=`, which picks the same arm as Go's `default:` case.
        let sumIsBigger = Swift.abs(sum) >= Swift.abs(inc)
        let big = sumIsBigger ? sum : inc
        let small = sumIsBigger ? inc : sum
        let nc = c + ((big - t) + small)
        return (t, t.isInfinite ? 0 : nc)
    }

    /// Prometheus 2.x `kahanSumInc`: the same step without the reset on an infinite sum.
    @inlinable @inline(__always)
    public static func addV2(_ inc: Double, to sum: Double, compensation c: Double) -> (sum: Double, compensation: Double) {
        let t = sum + inc
        if Swift.abs(sum) >= Swift.abs(inc) { return (t, c + ((sum - t) + inc)) }
        return (t, c + ((inc - t) + sum))
    }
}
