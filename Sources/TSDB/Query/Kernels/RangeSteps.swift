/// The evaluation steps of a range query over one series: windows ending at `start`, `start+step`, … ≤ `end`.
///
/// Each window spans `range` milliseconds back from its step: `(t-range, t]` when `leftOpen`
/// (Prometheus ≥ 3.0), `[t-range, t]` otherwise (Prometheus 2.x).
public struct RangeSteps: Sendable, Hashable {
    /// First evaluation timestamp (ms).
    public var start: Int64
    /// Last evaluation timestamp (ms), inclusive.
    public var end: Int64
    /// Distance between evaluation timestamps (ms); a value ≤ 0 evaluates `start` only.
    public var step: Int64
    /// Window length (ms); a negative range (or 0 with `leftOpen`) gives empty windows.
    public var range: Int64
    /// True for `(t-range, t]`, false for `[t-range, t]`.
    public var leftOpen: Bool

    /// Creates a step grid; `leftOpen` defaults to Prometheus 3 semantics.
    @inlinable
    public init(start: Int64, end: Int64, step: Int64, range: Int64, leftOpen: Bool = true) {
        self.start = start
        self.end = end
        self.step = step
        self.range = range
        self.leftOpen = leftOpen
    }

    /// Smallest timestamp inside the window ending at `t` (windows are inclusive on the right).
    @inlinable
    public func lowerBound(at t: Int64) -> Int64 {
        let (d, overflow) = t.subtractingReportingOverflow(range)
        if overflow { return range > 0 ? .min : .max }
        if leftOpen { return d == .max ? .max : d + 1 }
        return d
    }

    /// The first step at or after timestamp `ts`, counting from step `t` (itself a step), or nil
    /// when that is past `end` (or `step` ≤ 0 and `t` < `ts`).
    @inlinable
    public func firstStep(atOrAfter ts: Int64, from t: Int64) -> Int64? {
        if ts <= t { return t }
        guard step > 0, end > t else { return nil }
        // Unsigned arithmetic: both differences are positive and fit in UInt64 even when the
        // signed subtraction would overflow.
        let gap = UInt64(bitPattern: ts &- t)
        let stride = UInt64(step)
        let k = gap / stride + (gap % stride == 0 ? 0 : 1)
        let maxK = UInt64(bitPattern: end &- t) / stride
        guard k <= maxK else { return nil }
        return t &+ Int64(bitPattern: k &* stride)
    }

    /// False when no window can ever hold a sample (empty step grid or degenerate range).
    @inlinable
    public var canHaveSamples: Bool {
        start <= end && (range > 0 || (range == 0 && !leftOpen))
    }

    /// True when consecutive windows share time, so sliding state pays off.
    @inlinable
    public var windowsOverlap: Bool {
        guard step > 0, end > start, end - start >= step else { return false }
        return leftOpen ? step < range : step <= range
    }
}
