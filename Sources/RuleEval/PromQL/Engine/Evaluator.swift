import TSDB

/// One series of an instant-vector expression evaluated over the steps: its points are at step
/// timestamps, in order, present only where the expression has a value.
struct StepSeries {
    var labels: Labels
    var points: [FPoint]
    /// Delayed name removal: `__name__` is still present but goes at the end of the evaluation.
    var dropName: Bool = false
}

/// The value of a sub-expression over all steps of an evaluation.
enum EvalValue {
    case vector([StepSeries])
    /// One value per step.
    case scalar([Double])
    case string(String)
    /// A range vector (instant queries of a matrix selector or subquery only).
    case matrix([RangeSeries])
}

/// Evaluates an expression tree at the steps `start, start+interval, … ≤ end` (one step when
/// `interval` is 0), the way Prometheus' evaluator does: each node yields its value at every step.
struct Evaluator {
    let ctx: EvalContext
    let start: Int64
    let end: Int64
    let interval: Int64

    init(ctx: EvalContext, start: Int64, end: Int64, interval: Int64) {
        self.ctx = ctx
        self.start = start
        self.end = end
        self.interval = interval
    }

    /// Number of steps.
    var stepCount: Int { interval == 0 ? 1 : Int((end - start) / interval) + 1 }
    @inline(__always) func time(_ i: Int) -> Int64 { start &+ Int64(i) &* interval }
    /// Step index of a step timestamp.
    @inline(__always) func index(_ t: Int64) -> Int { interval == 0 ? 0 : Int((t - start) / interval) }

    // MARK: - Results

    /// The value of an instant query.
    func instantResult(_ expr: Expr) throws(QueryError) -> QueryResult {
        let value: QueryValue
        switch try eval(expr) {
        case .scalar(let v): value = .scalar(t: start, v: v.first ?? .nan)
        case .string(let s): value = .string(t: start, s)
        case .matrix(let m): value = .matrix(m)
        case .vector(let series):
            let out = try finalize(series)
            value = .vector(out.compactMap { s in s.points.first.map { InstantSample(labels: s.labels, t: start, v: $0.v) } })
        }
        return QueryResult(value: value, warnings: ctx.warnings, infos: ctx.infos, samplesLoaded: ctx.samples)
    }

    /// The value of a range query: a matrix sorted by labels.
    func rangeResult(_ expr: Expr) throws(QueryError) -> QueryResult {
        var out: [RangeSeries]
        switch try eval(expr) {
        case .scalar(let v):
            out = [RangeSeries(labels: Labels(sortedUnchecked: []), points: v.enumerated().map { FPoint(t: time($0.offset), v: $0.element) })]
        case .vector(let series):
            out = try finalize(series).map { RangeSeries(labels: $0.labels, points: $0.points) }
            out.sort { $0.labels < $1.labels }
        case .string, .matrix:
            throw .badData("invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        return QueryResult(value: .matrix(out), warnings: ctx.warnings, infos: ctx.infos, samplesLoaded: ctx.samples)
    }

    /// Removes names marked for delayed removal, then checks that no two series share a label set
    /// at a step.
    func finalize(_ series: [StepSeries]) throws(QueryError) -> [StepSeries] {
        var out = series
        var changed = false
        for i in out.indices where out[i].dropName {
            out[i].labels = out[i].labels.removing(ctx.nameLabels)
            out[i].dropName = false
            changed = true
        }
        out.removeAll { $0.points.isEmpty }
        return changed ? try Self.mergeSameLabels(out) : out
    }

    /// Merges series that ended up with the same labels, which is fine as long as they never
    /// have a value at the same step ("vector cannot contain metrics with the same labelset").
    static func mergeSameLabels(_ series: [StepSeries]) throws(QueryError) -> [StepSeries] {
        if series.count < 2 { return series }
        var first: [Labels: Int] = [:]
        first.reserveCapacity(series.count)
        var out: [StepSeries] = []
        out.reserveCapacity(series.count)
        var merged = false
        for s in series {
            if let i = first[s.labels] {
                out[i].points = try mergePoints(out[i].points, s.points)
                out[i].dropName = out[i].dropName || s.dropName
                merged = true
            } else {
                first[s.labels] = out.count
                out.append(s)
            }
        }
        return merged ? out : series
    }

    static func mergePoints(_ a: [FPoint], _ b: [FPoint]) throws(QueryError) -> [FPoint] {
        var out: [FPoint] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if j == b.count || (i < a.count && a[i].t < b[j].t) { out.append(a[i]); i += 1 }
            else if i == a.count || b[j].t < a[i].t { out.append(b[j]); j += 1 }
            else { throw .execution("vector cannot contain metrics with the same labelset") }
        }
        return out
    }

    // MARK: - Dispatch

    func eval(_ expr: Expr) throws(QueryError) -> EvalValue {
        try ctx.checkNow()
        switch expr {
        case .number(let v): return .scalar(Array(repeating: v, count: stepCount))
        case .string(let s): return .string(s)
        case .paren(let e): return try eval(e)
        case .negate(let e):
            switch try eval(e) {
            case .scalar(let v): return .scalar(v.map { -$0 })
            case .vector(var series):
                for i in series.indices {
                    for k in series[i].points.indices { series[i].points[k].v = -series[i].points[k].v }
                    dropName(&series[i])
                }
                return .vector(try afterNameDrop(series))
            default: throw .execution("unary minus needs a scalar or an instant vector")
            }
        case .vectorSelector(let vs): return .vector(try selectVector(vs, sampleTimes: false))
        case .matrixSelector(let ms): return .matrix(try rangeVectorResult(ms))
        case .subquery(let sq): return .matrix(try subqueryResult(sq))
        case .call(let c): return try evalCall(c)
        case .aggregate(let a): return try evalAggregate(a)
        case .binary(let b): return try evalBinary(b)
        }
    }

    /// Evaluates an expression that must be an instant vector.
    func evalVector(_ e: Expr) throws(QueryError) -> [StepSeries] {
        guard case .vector(let v) = try eval(e) else { throw .execution("expected an instant vector") }
        return v
    }

    /// Evaluates an expression that must be a scalar: its value per step.
    func evalScalar(_ e: Expr) throws(QueryError) -> [Double] {
        guard case .scalar(let v) = try eval(e) else { throw .execution("expected a scalar") }
        return v
    }

    /// Marks `__name__` for removal: at once, or at the end under delayed name removal.
    @inline(__always)
    func dropName(_ s: inout StepSeries) {
        if ctx.options.delayedNameRemoval {
            s.dropName = true
        } else if s.labels.pairs.contains(where: { ctx.nameLabels.contains($0.name) }) {
            s.labels = s.labels.removing(ctx.nameLabels)
        }
    }

    /// After names were dropped, series may collide.
    func afterNameDrop(_ series: [StepSeries]) throws(QueryError) -> [StepSeries] {
        ctx.options.delayedNameRemoval ? series : try Self.mergeSameLabels(series)
    }

    /// After names were dropped from the series of one range argument. A selector that fixes the
    /// metric name (`x[5m]`) selected series that differ in other labels, so dropping the name
    /// cannot make two of them collide and the check is skipped.
    func afterNameDrop(_ series: [StepSeries], of arg: RangeArgument) throws(QueryError) -> [StepSeries] {
        if ctx.nameLabels.count == 1, let ms = arg.selector,
           ms.selector.matchers.contains(where: { $0.kind == .equal && $0.name == "__name__" }) {
            return series
        }
        return try afterNameDrop(series)
    }

    // MARK: - Selectors

    /// The reference time of a selector at step `t`: `@` (if any) or `t`, minus the offset.
    @inline(__always)
    func refTime(_ t: Int64, at: AtModifier?, offset: Int64) -> Int64 {
        (at.map(ctx.resolve) ?? t) &- offset
    }

    /// An instant vector selector at every step: the newest sample within the lookback delta
    /// `(ref - lookback, ref]`, none when that sample is a stale marker. With `sampleTimes` the
    /// values are the samples' timestamps in seconds (for `timestamp()`).
    func selectVector(_ vs: VectorSelector, sampleTimes: Bool) throws(QueryError) -> [StepSeries] {
        let n = stepCount
        let fixed = vs.at != nil
        let refFirst = refTime(start, at: vs.at, offset: vs.offsetMs)
        let refLast = refTime(end, at: vs.at, offset: vs.offsetMs)
        let lookback = ctx.options.lookbackDeltaMs
        let q = ctx.storage.querier(mint: refFirst &- lookback &+ 1, maxt: refLast)
        var out: [StepSeries] = []
        for s in q.select(vs.matchers, sorted: false) {
            try ctx.check()
            var it = s.makeIterator()
            var points: [FPoint] = []
            var has = false
            var curT: Int64 = 0, curV = 0.0
            var pending = it.next()
            let steps = fixed ? 1 : n
            for i in 0..<steps {
                if i & 4095 == 4095 { try ctx.checkShared() }
                let ref = fixed ? refFirst : time(i) &- vs.offsetMs
                let lower = ref &- lookback  // exclusive
                if pending && it.timestamp <= lower {
                    pending = it.seek(to: lower &+ 1)
                    has = false
                }
                while pending && it.timestamp <= ref {
                    curT = it.timestamp
                    curV = it.value
                    has = true
                    pending = it.next()
                }
                if has && curT > lower && !StaleNaN.isStale(curV) {
                    if points.isEmpty { points.reserveCapacity(steps - i) }
                    points.append(FPoint(t: time(i), v: sampleTimes ? Double(curT) / 1000 : curV))
                }
            }
            if fixed, let p = points.first {
                points = (0..<n).map { FPoint(t: time($0), v: p.v) }
            }
            if points.isEmpty { continue }
            try ctx.add(samples: points.count)
            out.append(StepSeries(labels: s.labels, points: points))
        }
        return out
    }

    /// A matrix selector evaluated as an instant query: the raw samples in `(ref - range, ref]`.
    func rangeVectorResult(_ ms: MatrixSelector) throws(QueryError) -> [RangeSeries] {
        let ref = refTime(start, at: ms.selector.at, offset: ms.selector.offsetMs)
        let q = ctx.storage.querier(mint: ref &- ms.rangeMs &+ 1, maxt: ref)
        var out: [RangeSeries] = []
        for s in q.select(ms.selector.matchers, sorted: false) {
            try ctx.check()
            var it = s.makeIterator()
            var points: [FPoint] = []
            while it.next() { if !StaleNaN.isStale(it.value) { points.append(FPoint(t: it.timestamp, v: it.value)) } }
            if points.isEmpty { continue }
            try ctx.add(samples: points.count)
            out.append(RangeSeries(labels: s.labels, points: points))
        }
        return out
    }

    // MARK: - Subqueries

    /// Evaluates a subquery's inner expression at its own, absolutely aligned steps covering
    /// every window the outer steps need: `(firstRef - range, lastRef]`.
    func evalSubqueryInner(_ sq: Subquery) throws(QueryError) -> (series: [StepSeries], firstRef: Int64, lastRef: Int64) {
        let step = sq.stepMs ?? ctx.options.defaultSubqueryStepMs
        guard step > 0 else { throw .badData("subquery step must be positive") }
        let firstRef = refTime(start, at: sq.at, offset: sq.offsetMs)
        let lastRef = refTime(end, at: sq.at, offset: sq.offsetMs)
        let lowest = firstRef &- sq.rangeMs
        // First multiple of the step strictly after `lowest` (windows are left-open).
        var innerStart = Self.floorDiv(lowest, step) &* step
        if innerStart <= lowest { innerStart &+= step }
        let innerEnd = Self.floorDiv(lastRef, step) &* step
        guard innerStart <= innerEnd else { return ([], firstRef, lastRef) }
        // Every inner step holds at least one sample: refuse grids the sample limit cannot hold
        // before allocating anything for them.
        let (span, overflow) = innerEnd.subtractingReportingOverflow(innerStart)
        if overflow || span / step >= Int64(ctx.options.maxSamples) { throw .tooManySamples(limit: ctx.options.maxSamples) }
        let inner = Evaluator(ctx: ctx, start: innerStart, end: innerEnd, interval: step)
        switch try inner.eval(sq.expr) {
        case .vector(let v): return (v, firstRef, lastRef)
        case .scalar(let v):
            let pts = v.enumerated().map { FPoint(t: inner.time($0.offset), v: $0.element) }
            return ([StepSeries(labels: Labels(sortedUnchecked: []), points: pts)], firstRef, lastRef)
        default: throw .execution("subquery needs an instant vector or scalar expression")
        }
    }

    /// A subquery evaluated as an instant query: its points in `(ref - range, ref]`.
    func subqueryResult(_ sq: Subquery) throws(QueryError) -> [RangeSeries] {
        let (series, _, lastRef) = try evalSubqueryInner(sq)
        var inner = try finalize(series)
        inner.sort { $0.labels < $1.labels }
        return inner.compactMap { s in
            let pts = s.points.filter { $0.t > lastRef &- sq.rangeMs && $0.t <= lastRef }
            return pts.isEmpty ? nil : RangeSeries(labels: s.labels, points: pts)
        }
    }

    @inline(__always) static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
