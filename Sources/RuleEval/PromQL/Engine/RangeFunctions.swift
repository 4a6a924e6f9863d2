import TSDB

/// Prometheus' range-vector function formulas over one window's samples (stale markers removed).
enum RangeFunctions {
    /// What counter resets in `vs[lo..<hi]` took away: the value before each drop.
    @inline(__always)
    static func resetCorrection(_ vs: UnsafePointer<Double>, _ lo: Int, _ hi: Int) -> Double {
        var correction = 0.0
        var prev = vs[lo]
        var i = lo + 1
        while i < hi {
            let cur = vs[i]
            if cur < prev { correction += prev }
            prev = cur
            i += 1
        }
        return correction
    }

    /// Extrapolates the (reset-corrected) change `result` between the first and last samples of a
    /// window `(rangeStart, rangeEnd]` holding `count` ≥ 2 samples.
    @inline(__always)
    static func extrapolate(_ result: Double, firstT: Int64, lastT: Int64, firstV: Double, count: Int,
                            rangeStart: Int64, rangeEnd: Int64, isCounter: Bool, isRate: Bool, rangeSeconds: Double) -> Double {
        var durationToStart = Double(firstT - rangeStart) / 1000
        var durationToEnd = Double(rangeEnd - lastT) / 1000
        let sampledInterval = Double(lastT - firstT) / 1000
        let averageBetween = sampledInterval / Double(count - 1)
        // Extrapolate to an edge only when a sample would be expected there (within 110 % of the
        // average spacing); otherwise the series likely starts or ends inside the window.
        let threshold = averageBetween * 1.1
        if durationToStart >= threshold { durationToStart = averageBetween / 2 }
        if isCounter && result > 0 && firstV >= 0 {
            // A counter cannot go below zero: stop extrapolating where it would reach zero.
            let durationToZero = sampledInterval * (firstV / result)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        if durationToEnd >= threshold { durationToEnd = averageBetween / 2 }
        var factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval
        if isRate { factor /= rangeSeconds }
        return result * factor
    }

    /// `irate` and `idelta`: from the last two samples.
    static func instantValue(_ w: RangeWindow, isRate: Bool) -> Double? {
        let n = w.count
        guard n >= 2 else { return nil }
        let last = w.vs[n - 1], previous = w.vs[n - 2]
        var result = (isRate && last < previous) ? last : last - previous
        let sampled = w.ts[n - 1] - w.ts[n - 2]
        if sampled == 0 { return nil }
        if isRate { result /= Double(sampled) / 1000 }
        return result
    }

    /// `changes`: how often the value changed (NaN to NaN is no change).
    static func changes(_ w: RangeWindow) -> Double {
        var count = 0.0
        var prev = w.vs[0]
        for i in 1..<max(1, w.count) {
            let cur = w.vs[i]
            if !(cur == prev || (cur.isNaN && prev.isNaN)) { count += 1 }
            prev = cur
        }
        return count
    }

    /// `resets`: how often the value decreased.
    static func resets(_ w: RangeWindow) -> Double {
        var count = 0.0
        var prev = w.vs[0]
        for i in 1..<max(1, w.count) {
            let cur = w.vs[i]
            if cur < prev { count += 1 }
            prev = cur
        }
        return count
    }

    /// Least-squares line through the samples, x in seconds relative to `interceptTime`, with
    /// compensated sums; a constant series has slope 0 (NaN when the constant is infinite).
    static func linearRegression(_ w: RangeWindow, interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var sumX = 0.0, cX = 0.0, sumY = 0.0, cY = 0.0, sumXY = 0.0, cXY = 0.0, sumX2 = 0.0, cX2 = 0.0
        let initY = w.vs[0]
        var constY = true
        for i in 0..<w.count {
            let y = w.vs[i]
            if constY && i > 0 && y != initY { constY = false }
            n += 1
            let x = Double(w.ts[i] - interceptTime) / 1e3
            (sumX, cX) = KahanSum.add(x, to: sumX, compensation: cX)
            (sumY, cY) = KahanSum.add(y, to: sumY, compensation: cY)
            (sumXY, cXY) = KahanSum.add(x * y, to: sumXY, compensation: cXY)
            (sumX2, cX2) = KahanSum.add(x * x, to: sumX2, compensation: cX2)
        }
        if constY {
            if initY.isInfinite { return (.nan, .nan) }
            return (0, initY)
        }
        sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    /// `double_exponential_smoothing` (`holt_winters`): the smoothed value at the last sample.
    static func doubleExponentialSmoothing(_ vs: UnsafeBufferPointer<Double>, sf: Double, tf: Double) -> Double? {
        let n = vs.count
        guard n >= 2 else { return nil }
        var s0 = 0.0, s1 = vs[0]
        var b = vs[1] - vs[0]
        for i in 1..<n {
            let x = sf * vs[i]
            if i > 1 { b = tf * (s1 - s0) + (1 - tf) * b }
            let y = (1 - sf) * (s1 + b)
            s0 = s1
            s1 = x + y
        }
        return s1
    }

    /// φ-quantile with linear interpolation between ranks (φ outside [0, 1] gives ∓Inf).
    static func quantile(_ phi: Double, _ values: [Double]) -> Double {
        if values.isEmpty || phi.isNaN { return .nan }
        if phi < 0 { return -.infinity }
        if phi > 1 { return .infinity }
        let sorted = sortedNaNFirst(values)
        let n = Double(sorted.count)
        let rank = phi * (n - 1)
        let lower = max(0, Int((rank).rounded(.down)))
        let upper = min(sorted.count - 1, lower + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[lower] * (1 - weight) + sorted[upper] * weight
    }

    /// Ascending with NaNs first, as Go's `sort.Float64s`.
    static func sortedNaNFirst(_ values: [Double]) -> [Double] {
        values.sorted { a, b in a < b || (a.isNaN && !b.isNaN) }
    }

    /// `mad_over_time`: median absolute deviation from the median.
    static func mad(_ values: [Double]) -> Double {
        if values.contains(where: { $0.isNaN }) { return .nan }
        let median = quantile(0.5, values)
        return quantile(0.5, values.map { Swift.abs($0 - median) })
    }

    /// Timestamp (s) of the window's smallest or largest value; the newest on ties, NaN only when all are NaN.
    static func timestampOfExtremum(_ w: RangeWindow, max: Bool) -> Double {
        var best = w.vs[0], bestT = w.ts[0]
        for i in 1..<Swift.max(1, w.count) {
            let v = w.vs[i]
            let better = max ? (v >= best || best.isNaN) : (v <= best || best.isNaN)
            if better && !v.isNaN { best = v; bestT = w.ts[i] }
        }
        return Double(bestT) / 1000
    }
}
