import TSDB

/// Running state of one aggregation group at one step (sum, avg, count, min, max, group, stddev, stdvar).
struct AggregationAccumulator {
    var count: Double = 0
    var value: Double = 0
    var compensation: Double = 0
    var mean: Double = 0
    var incrementalMean = false

    /// Adds one sample, with Prometheus' per-operator arithmetic.
    @inline(__always)
    mutating func add(_ v: Double, _ op: AggregateOp) {
        if count == 0 {
            count = 1
            switch op {
            case .stddev, .stdvar:
                mean = v
                value = (v.isNaN || v.isInfinite) ? .nan : 0
            case .group: value = 1
            case .count: value = 1
            default: value = v
            }
            return
        }
        count += 1
        switch op {
        case .sum:
            (value, compensation) = KahanSum.add(v, to: value, compensation: compensation)
        case .avg:
            if !incrementalMean {
                let (s, c) = KahanSum.add(v, to: value, compensation: compensation)
                if !s.isInfinite { value = s; compensation = c; return }
                // The sum would overflow: continue with an incremental mean from here on.
                incrementalMean = true
                mean = value / (count - 1)
                compensation /= count - 1
            }
            let q = (count - 1) / count
            (mean, compensation) = KahanSum.add(v / count, to: q * mean, compensation: q * compensation)
        case .count: value = count
        case .group: break
        case .min: if value > v || value.isNaN { value = v }
        case .max: if value < v || value.isNaN { value = v }
        case .stddev, .stdvar:
            let delta = v - mean
            mean += delta / count
            value += delta * (v - mean)
        default: break
        }
    }

    /// The group's result.
    func result(_ op: AggregateOp) -> Double {
        switch op {
        case .sum: return value.isInfinite ? value : value + compensation
        case .avg: return incrementalMean ? mean + compensation : value / count + compensation / count
        case .stdvar: return value / count
        case .stddev: return (value / count).squareRoot()
        default: return value
        }
    }
}

extension Evaluator {
    /// Evaluates an aggregation.
    func evalAggregate(_ a: Aggregate) throws(QueryError) -> EvalValue {
        var param: [Double] = []
        var label = ""
        if let p = a.param {
            if a.op == .countValues {
                guard case .string(let s) = try eval(p) else { throw .badData("count_values needs a string label name") }
                label = s
                guard LabelValidation.isValidLabelName(label) else { throw .execution("invalid label name \"\(label)\"") }
            } else {
                param = try evalScalar(p)
            }
        }
        let input = try evalVector(a.expr)
        // Group of every input series, computed once. `by`/`without` lists are short: names are
        // compared directly instead of hashed into a set for every label of every series.
        let grouping = a.grouping
        let excluded = a.grouping + ctx.nameLabels
        var groupOf = [Int](repeating: 0, count: input.count)
        var groupIndex: [Labels: Int] = [:]
        var groups: [(labels: Labels, dropName: Bool)] = []
        for (i, s) in input.enumerated() {
            let key: Labels
            if a.without {
                key = Labels(sortedUnchecked: s.labels.pairs.filter { !excluded.contains($0.name) })
            } else {
                key = Labels(sortedUnchecked: s.labels.pairs.filter { grouping.contains($0.name) })
            }
            if let g = groupIndex[key] {
                groupOf[i] = g
                if s.dropName { groups[g].dropName = true }
            } else {
                groupIndex[key] = groups.count
                groupOf[i] = groups.count
                groups.append((key, s.dropName))
            }
        }
        switch a.op {
        case .sum, .avg, .count, .min, .max, .group, .stddev, .stdvar:
            return .vector(try accumulate(a.op, input, groupOf, groups))
        case .topk, .bottomk, .limitk:
            return .vector(try selectK(a.op, input, groupOf, groups.count, param))
        case .limitRatio:
            if let bad = param.first(where: { $0.isNaN }) { throw .execution("Ratio value \(bad) is NaN") }
            return .vector(try limitRatio(input, param))
        case .quantile:
            return .vector(try perStepGroups(input, groupOf, groups) { i, values in RangeFunctions.quantile(param[i], values) })
        case .countValues:
            return .vector(try countValues(input, groupOf, groups, label))
        }
    }

    /// Streaming aggregations: series-major into per-(group, step) accumulators, a block of steps at
    /// a time so memory stays bounded when there are many groups.
    func accumulate(_ op: AggregateOp, _ input: [StepSeries], _ groupOf: [Int], _ groups: [(labels: Labels, dropName: Bool)]) throws(QueryError) -> [StepSeries] {
        let n = stepCount
        let g = groups.count
        guard g > 0 else { return [] }
        let block = max(1, min(n, (1 << 20) / g))
        var points = [[FPoint]](repeating: [], count: g)
        var cursors = [Int](repeating: 0, count: input.count)
        var acc = [AggregationAccumulator](repeating: AggregationAccumulator(), count: g * block)
        var blockStart = 0
        while blockStart < n {
            let blockEnd = min(n, blockStart + block)
            let tEnd = time(blockEnd - 1)
            for k in acc.indices { acc[k] = AggregationAccumulator() }
            for (si, s) in input.enumerated() {
                try ctx.check()
                let base = groupOf[si] * block
                var c = cursors[si]
                let pts = s.points
                while c < pts.count && pts[c].t <= tEnd {
                    let slot = base + index(pts[c].t) - blockStart
                    acc[slot].add(pts[c].v, op)
                    c += 1
                }
                cursors[si] = c
            }
            for gi in 0..<g {
                for k in 0..<(blockEnd - blockStart) where acc[gi * block + k].count > 0 {
                    points[gi].append(FPoint(t: time(blockStart + k), v: acc[gi * block + k].result(op)))
                }
            }
            blockStart = blockEnd
        }
        var out: [StepSeries] = []
        out.reserveCapacity(g)
        for gi in 0..<g where !points[gi].isEmpty {
            try ctx.add(samples: points[gi].count)
            out.append(StepSeries(labels: groups[gi].labels, points: points[gi], dropName: groups[gi].dropName))
        }
        return out
    }

    /// Calls `body(step, series indices)` for every step with the series that have a point there,
    /// in input order (the order aggregations see samples in).
    func forEachStep(_ input: [StepSeries], _ body: (Int, [(series: Int, v: Double)]) throws(QueryError) -> Void) throws(QueryError) {
        var cursors = [Int](repeating: 0, count: input.count)
        var present: [(series: Int, v: Double)] = []
        for i in 0..<stepCount {
            try ctx.check()
            let t = time(i)
            present.removeAll(keepingCapacity: true)
            for (si, s) in input.enumerated() {
                var c = cursors[si]
                while c < s.points.count && s.points[c].t < t { c += 1 }
                cursors[si] = c
                if c < s.points.count && s.points[c].t == t { present.append((si, s.points[c].v)) }
            }
            try body(i, present)
        }
    }

    /// `topk`, `bottomk`, `limitk`: per group and step, k input samples keep their own labels.
    func selectK(_ op: AggregateOp, _ input: [StepSeries], _ groupOf: [Int], _ groupCount: Int, _ param: [Double]) throws(QueryError) -> [StepSeries] {
        var points = [[FPoint]](repeating: [], count: input.count)
        var order: [Int] = []  // instant queries: output order
        var chosen = [[(series: Int, v: Double)]](repeating: [], count: groupCount)
        try forEachStep(input) { (i, present) throws(QueryError) in
            let kf = param[i]
            guard !kf.isNaN, Swift.abs(kf) < 9.2e18 else {
                throw .execution("Scalar value \(kf) overflows int64")
            }
            let k = Int(kf)
            if k < 1 { return }
            for gi in 0..<groupCount { chosen[gi].removeAll(keepingCapacity: true) }
            for e in present {
                let gi = groupOf[e.series]
                if chosen[gi].count < k { chosen[gi].append(e); continue }
                if op == .limitk { continue }
                // Replace the weakest kept sample when the new one beats it strictly.
                var weakest = 0
                for j in 1..<chosen[gi].count where Self.beats(chosen[gi][weakest].v, chosen[gi][j].v, op) { weakest = j }
                if Self.beats(e.v, chosen[gi][weakest].v, op) { chosen[gi][weakest] = e }
            }
            for gi in 0..<groupCount where !chosen[gi].isEmpty {
                var sel = chosen[gi]
                if op != .limitk {
                    // Best first; stable so ties keep input order.
                    sel = sel.enumerated().sorted { x, y in
                        if Self.beats(x.element.v, y.element.v, op) { return true }
                        if Self.beats(y.element.v, x.element.v, op) { return false }
                        return x.offset < y.offset
                    }.map(\.element)
                }
                for e in sel {
                    points[e.series].append(FPoint(t: time(i), v: e.v))
                    if stepCount == 1 { order.append(e.series) }
                }
            }
        }
        let indices = stepCount == 1 ? order : Array(input.indices)
        var out: [StepSeries] = []
        for si in indices where !points[si].isEmpty {
            out.append(StepSeries(labels: input[si].labels, points: points[si], dropName: input[si].dropName))
        }
        return out
    }

    /// Whether `a` ranks before `b` for topk (larger first, NaN last) or bottomk (smaller first, NaN last).
    static func beats(_ a: Double, _ b: Double, _ op: AggregateOp) -> Bool {
        if a.isNaN { return false }
        if b.isNaN { return true }
        return op == .bottomk ? a < b : a > b
    }

    /// `limit_ratio(r, v)`: a stable, hash-chosen share of the series (r < 0 takes the complement).
    func limitRatio(_ input: [StepSeries], _ param: [Double]) throws(QueryError) -> [StepSeries] {
        var out: [StepSeries] = []
        for s in input {
            let offset = Double(s.labels.stableHash) / Double(UInt64.max)
            let pts = s.points.filter { p in
                let r = Swift.max(-1, Swift.min(1, param[index(p.t)]))
                return (r >= 0 && offset < r) || (r < 0 && offset >= 1 + r)
            }
            if !pts.isEmpty { out.append(StepSeries(labels: s.labels, points: pts, dropName: s.dropName)) }
        }
        return out
    }

    /// Aggregations that need all of a group's values at a step (quantile).
    func perStepGroups(_ input: [StepSeries], _ groupOf: [Int], _ groups: [(labels: Labels, dropName: Bool)],
                       _ f: (Int, [Double]) -> Double) throws(QueryError) -> [StepSeries] {
        var points = [[FPoint]](repeating: [], count: groups.count)
        var values = [[Double]](repeating: [], count: groups.count)
        try forEachStep(input) { (i, present) throws(QueryError) in
            for gi in values.indices { values[gi].removeAll(keepingCapacity: true) }
            for e in present { values[groupOf[e.series]].append(e.v) }
            for gi in values.indices where !values[gi].isEmpty { points[gi].append(FPoint(t: time(i), v: f(i, values[gi]))) }
        }
        return groups.indices.compactMap { gi in
            points[gi].isEmpty ? nil : StepSeries(labels: groups[gi].labels, points: points[gi], dropName: groups[gi].dropName)
        }
    }

    /// `count_values("label", v)`: per group and step, how many samples have each value.
    func countValues(_ input: [StepSeries], _ groupOf: [Int], _ groups: [(labels: Labels, dropName: Bool)], _ label: String) throws(QueryError) -> [StepSeries] {
        var outIndex: [Labels: Int] = [:]
        var out: [StepSeries] = []
        try forEachStep(input) { (i, present) throws(QueryError) in
            var counts: [Labels: Double] = [:]
            var order: [Labels] = []
            for e in present {
                let labels = groups[groupOf[e.series]].labels.setting(label, to: GoFloat.format(e.v))
                if counts[labels] == nil { order.append(labels) }
                counts[labels, default: 0] += 1
            }
            for l in order {
                if let k = outIndex[l] { out[k].points.append(FPoint(t: time(i), v: counts[l] ?? 0)) } else {
                    outIndex[l] = out.count
                    out.append(StepSeries(labels: l, points: [FPoint(t: time(i), v: counts[l] ?? 0)]))
                }
            }
        }
        return out
    }
}

/// Go's `strconv.FormatFloat(v, 'f', -1, 64)`: shortest round-tripping digits, never an exponent.
public enum GoFloat {
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        let s = "\(v)"  // shortest round-trip digits, maybe with an exponent, maybe ".0"
        var mantissa = Substring(s)
        var exponent = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[s.startIndex..<e]
            exponent = Int(s[s.index(after: e)...]) ?? 0
        }
        var negative = false
        if mantissa.hasPrefix("-") { negative = true; mantissa = mantissa.dropFirst() }
        var intPart = mantissa
        var frac: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[mantissa.startIndex..<dot]
            frac = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(intPart) + Array(frac)
        var point = intPart.count + exponent
        // Trim leading zeros (keeping the decimal point position right).
        while digits.count > 1 && digits.first == "0" && point > 1 { digits.removeFirst(); point -= 1 }
        while let l = digits.last, l == "0", digits.count > max(point, 1) { digits.removeLast() }
        var out = negative ? "-" : ""
        if point <= 0 {
            out += "0." + String(repeating: "0", count: -point) + String(digits)
        } else if point >= digits.count {
            out += String(digits) + String(repeating: "0", count: point - digits.count)
        } else {
            out += String(digits[0..<point]) + "." + String(digits[point...])
        }
        if out == "-0" && v == 0 { return "-0" }
        return out
    }
}
