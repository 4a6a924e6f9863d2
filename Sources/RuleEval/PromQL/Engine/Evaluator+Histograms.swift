import TSDB

/// One classic histogram bucket: its upper bound (`le`) and cumulative count.
struct ClassicBucket {
    var upperBound: Double
    var count: Double
}

extension Evaluator {
    /// Groups `le`-bucket series by their labels without `le` and calls `compute` per group and
    /// step with the buckets; the result series carry the group's labels, name dropped.
    func perBucketGroup(_ vectorArg: Expr, _ compute: (Int, inout [ClassicBucket]) -> Double?) throws(QueryError) -> [StepSeries] {
        let input = try evalVector(vectorArg)
        let delayed = ctx.options.delayedNameRemoval
        var groupOf: [Labels: Int] = [:]
        var groups: [(labels: Labels, members: [(series: Int, le: Double)])] = []
        for (si, s) in input.enumerated() {
            let leText = s.labels["le"]
            guard let le = Self.parseBound(leText) else {
                let info = "PromQL info: input to histogram_quantile has an invalid or missing \"le\" label"
                if !ctx.infos.contains(info) { ctx.infos.append(info) }
                continue
            }
            var drop: Set<String> = ["le"]
            if !delayed { drop.formUnion(ctx.nameLabels) }
            let key = s.labels.removing(drop)
            if let g = groupOf[key] { groups[g].members.append((si, le)) } else {
                groupOf[key] = groups.count
                groups.append((key, [(si, le)]))
            }
        }
        var out: [StepSeries] = []
        var buckets: [ClassicBucket] = []
        var cursors: [Int] = []
        for g in groups {
            try ctx.check()
            var points: [FPoint] = []
            cursors = [Int](repeating: 0, count: g.members.count)
            for i in 0..<stepCount {
                let t = time(i)
                buckets.removeAll(keepingCapacity: true)
                for (k, m) in g.members.enumerated() {
                    let pts = input[m.series].points
                    while cursors[k] < pts.count && pts[cursors[k]].t < t { cursors[k] += 1 }
                    if cursors[k] < pts.count && pts[cursors[k]].t == t {
                        buckets.append(ClassicBucket(upperBound: m.le, count: pts[cursors[k]].v))
                    }
                }
                if buckets.isEmpty { continue }
                if let v = compute(i, &buckets) { points.append(FPoint(t: t, v: v)) }
            }
            if points.isEmpty { continue }
            out.append(StepSeries(labels: g.labels, points: points, dropName: delayed))
        }
        return try Self.mergeSameLabels(out)
    }

    /// An `le` value: a float in Go's syntax, ±Inf included.
    static func parseBound(_ s: String) -> Double? {
        if s.isEmpty { return nil }
        switch s.lowercased() {
        case "+inf", "inf": return .infinity
        case "-inf": return -.infinity
        case "nan": return nil
        default: return Double(s)
        }
    }

    /// `histogram_quantile(φ, buckets)` over classic `le` buckets.
    func histogramQuantile(_ c: Call) throws(QueryError) -> [StepSeries] {
        let phi = try evalScalar(c.args[0])
        return try perBucketGroup(c.args[1]) { i, buckets in HistogramMath.bucketQuantile(phi[i], &buckets) }
    }

    /// `histogram_fraction(lower, upper, buckets)` over classic `le` buckets.
    func histogramFraction(_ c: Call) throws(QueryError) -> [StepSeries] {
        let lower = try evalScalar(c.args[0]), upper = try evalScalar(c.args[1])
        return try perBucketGroup(c.args[2]) { i, buckets in HistogramMath.bucketFraction(lower[i], upper[i], &buckets) }
    }
}

/// Prometheus' classic-bucket estimations.
enum HistogramMath {
    /// Relative difference below which adjacent bucket counts are treated as equal (float noise).
    static let smallDeltaTolerance = 1e-12

    static func bucketQuantile(_ q: Double, _ buckets: inout [ClassicBucket]) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        prepare(&buckets)
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        ensureMonotonic(&buckets)
        if buckets.count < 2 { return .nan }
        let observations = buckets[buckets.count - 1].count
        if observations == 0 { return .nan }
        var rank = q * observations
        // First bucket whose count reaches the rank (the +Inf bucket excluded).
        var b = 0
        while b < buckets.count - 1 && !(buckets[b].count >= rank) { b += 1 }
        if b == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        if b == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }

    static func bucketFraction(_ lower: Double, _ upper: Double, _ buckets: inout [ClassicBucket]) -> Double {
        prepare(&buckets)
        guard let last = buckets.last, last.upperBound == .infinity else { return .nan }
        ensureMonotonic(&buckets)
        let count = buckets[buckets.count - 1].count
        if count == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }
        var rank = 0.0, lowerRank = 0.0, upperRank = 0.0
        var lowerSet = false, upperSet = false
        for (i, b) in buckets.enumerated() {
            let lowerBound: Double
            if i == 0 {
                // The first bucket starts at 0 for positive bounds, else at -Inf.
                lowerBound = b.upperBound > 0 ? 0 : -.infinity
            } else {
                lowerBound = buckets[i - 1].upperBound
            }
            let upperBound = b.upperBound
            func interpolate(_ v: Double) -> Double {
                // An infinitely wide bucket cannot be interpolated: all of it counts as below.
                if lowerBound == -.infinity { return b.count }
                if upperBound == .infinity { return rank }
                return rank + (b.count - rank) * (v - lowerBound) / (upperBound - lowerBound)
            }
            if !lowerSet && lowerBound >= lower { lowerRank = rank; lowerSet = true }
            if !upperSet && lowerBound >= upper { upperRank = rank; upperSet = true }
            if lowerSet && upperSet { break }
            if !lowerSet && lowerBound < lower && upperBound > lower { lowerRank = interpolate(lower); lowerSet = true }
            if !upperSet && lowerBound < upper && upperBound > upper { upperRank = interpolate(upper); upperSet = true }
            if lowerSet && upperSet { break }
            rank = b.count
        }
        if !lowerSet || lowerRank > count { lowerRank = count }
        if !upperSet || upperRank > count { upperRank = count }
        return (upperRank - lowerRank) / count
    }

    /// Sorts by upper bound and merges buckets with the same bound.
    static func prepare(_ buckets: inout [ClassicBucket]) {
        buckets.sort { $0.upperBound < $1.upperBound }
        var out: [ClassicBucket] = []
        out.reserveCapacity(buckets.count)
        for b in buckets {
            if let l = out.last, l.upperBound == b.upperBound { out[out.count - 1].count += b.count } else { out.append(b) }
        }
        buckets = out
    }

    /// Removes decreases (and float-noise differences) so counts never go down.
    static func ensureMonotonic(_ buckets: inout [ClassicBucket]) {
        guard !buckets.isEmpty else { return }
        var prev = buckets[0].count
        for i in 1..<buckets.count {
            let cur = buckets[i].count
            if cur == prev { continue }
            if almostEqual(prev, cur, smallDeltaTolerance) { buckets[i].count = prev; continue }
            if cur < prev { buckets[i].count = prev; continue }
            prev = cur
        }
    }

    static func almostEqual(_ a: Double, _ b: Double, _ epsilon: Double) -> Bool {
        if a == b { return true }
        let minNormal = 2.2250738585072014e-308
        let absSum = Swift.abs(a) + Swift.abs(b)
        let diff = Swift.abs(a - b)
        if a == 0 || b == 0 || absSum < minNormal { return diff < epsilon * minNormal }
        return diff / Swift.min(absSum, Double.greatestFiniteMagnitude) < epsilon
    }
}
