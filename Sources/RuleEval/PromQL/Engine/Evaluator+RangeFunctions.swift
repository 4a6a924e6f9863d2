import Foundation
import TSDB

/// The samples of one window, oldest first, and where the window lies.
struct RangeWindow {
    let ts: UnsafeBufferPointer<Int64>
    let vs: UnsafeBufferPointer<Double>
    /// The window is `(rangeStart, rangeEnd]`, ms.
    let rangeStart: Int64
    let rangeEnd: Int64
    /// The evaluation timestamp of the step.
    let stepTime: Int64
    /// The step's index (for per-step scalar arguments).
    let step: Int
    var count: Int { ts.count }
}

extension Evaluator {
    /// The range argument of a function: a matrix selector or a subquery.
    struct RangeArgument {
        var rangeMs: Int64
        var offsetMs: Int64
        var at: AtModifier?
        var selector: MatrixSelector?
        var subquery: Subquery?

        /// The window alone: trivially copyable, for per-series loops (copying the whole argument,
        /// selector and all, per series showed up as retain/release traffic).
        var window: WindowSpec { WindowSpec(rangeMs: rangeMs, offsetMs: offsetMs, at: at) }

        static func from(_ e: Expr) -> RangeArgument? {
            switch e {
            case .matrixSelector(let ms):
                return RangeArgument(rangeMs: ms.rangeMs, offsetMs: ms.selector.offsetMs, at: ms.selector.at, selector: ms, subquery: nil)
            case .subquery(let sq):
                return RangeArgument(rangeMs: sq.rangeMs, offsetMs: sq.offsetMs, at: sq.at, selector: nil, subquery: sq)
            case .paren(let inner):
                return from(inner)
            default:
                return nil
            }
        }
    }

    /// A range argument's window: its range, offset and `@`.
    struct WindowSpec {
        var rangeMs: Int64
        var offsetMs: Int64
        var at: AtModifier?
    }

    /// The series of a range argument: selected from storage (matrix selector) or computed
    /// (subquery); one of the two is empty.
    struct RangeInputs {
        var selected: [QueriedSeries] = []
        var computed: [StepSeries] = []
        var count: Int { selected.count + computed.count }
    }

    func rangeInputs(_ arg: RangeArgument) throws(QueryError) -> RangeInputs {
        var inputs = RangeInputs()
        if let ms = arg.selector {
            let firstRef = refTime(start, at: arg.at, offset: arg.offsetMs)
            let lastRef = refTime(end, at: arg.at, offset: arg.offsetMs)
            let q = ctx.storage.querier(mint: firstRef &- arg.rangeMs &+ 1, maxt: lastRef)
            inputs.selected = q.select(ms.selector.matchers, sorted: false)
        } else if let sq = arg.subquery {
            inputs.computed = try evalSubqueryInner(sq).series
        }
        return inputs
    }

    /// Per-worker buffers of the range functions.
    final class RangeWorker {
        let scratch = WindowScratch()
        var ts: [Int64] = []
        var vs: [Double] = []
        /// Counter drops up to each sample (rate's reset index).
        var drops: [Int32] = []

        /// Runs `body` with a series' samples (stale markers removed) in this worker's reused
        /// arrays. They are borrowed as locals meanwhile: appending through the object would pay
        /// a dynamic exclusivity check per sample.
        @inline(__always)
        func withSamples<R>(
            _ a: inout ArraySampleIterator?, _ m: inout MergedSeriesIterator?,
            _ body: ([Int64], [Double]) throws(QueryError) -> R
        ) throws(QueryError) -> R {
            var ts = self.ts, vs = self.vs
            self.ts = []; self.vs = []
            defer { self.ts = ts; self.vs = vs }
            ts.removeAll(keepingCapacity: true)
            vs.removeAll(keepingCapacity: true)
            Evaluator.materialize(&a, &m, &ts, &vs)
            return try body(ts, vs)
        }
    }

    /// Runs `body` on every series of a range argument with an iterator over its samples (stale
    /// markers included; consumers skip them) and collects the non-nil results in input order.
    /// Many series are split over the cores: `body` must only touch its worker's buffers.
    func mapRangeSeries(
        _ arg: RangeArgument,
        _ body: (RangeWorker, Labels, Bool, inout ArraySampleIterator?, inout MergedSeriesIterator?, inout Int) throws(QueryError) -> StepSeries?
    ) throws(QueryError) -> [StepSeries] {
        let inputs = try rangeInputs(arg)
        let count = inputs.count
        let ctx = self.ctx
        func run(_ range: Range<Int>, _ worker: RangeWorker) -> Result<([StepSeries], Int), QueryError> {
            var out: [StepSeries] = []
            var held = 0
            do throws(QueryError) {
                for i in range {
                    if i & 15 == 0 { try ctx.checkShared() }
                    var a: ArraySampleIterator? = nil
                    var m: MergedSeriesIterator? = nil
                    let labels: Labels, dropped: Bool
                    if inputs.selected.isEmpty {
                        let s = inputs.computed[i]
                        a = ArraySampleIterator(timestamps: s.points.map(\.t), values: s.points.map(\.v))
                        labels = s.labels; dropped = s.dropName
                    } else {
                        m = inputs.selected[i].makeIterator()
                        labels = inputs.selected[i].labels; dropped = false
                    }
                    if let r = try body(worker, labels, dropped, &a, &m, &held) {
                        held &+= r.points.count
                        out.append(r)
                    }
                    // Peak memory only grows with series: refuse as soon as the limit is passed.
                    if held > ctx.options.maxSamples { throw .tooManySamples(limit: ctx.options.maxSamples) }
                }
            } catch {
                return .failure(error)
            }
            return .success((out, held))
        }
        // Several chunks per core, so one slow chunk does not leave a core idle at the end.
        let workers = Self.cores > 1 ? Swift.min(Self.cores * 4, count / 32) : 1
        let results: [Result<([StepSeries], Int), QueryError>]
        if workers <= 1 {
            results = [run(0..<count, RangeWorker())]
        } else {
            let per = (count + workers - 1) / workers
            results = Parallel.map(workers) { w in run((w * per)..<Swift.min(count, (w + 1) * per), RangeWorker()) }
        }
        var out: [StepSeries] = []
        out.reserveCapacity(count)
        var held = 0
        for r in results {
            switch r {
            case .success(let (part, h)): out.append(contentsOf: part); held &+= h
            case .failure(let e): throw e
            }
        }
        try ctx.checkNow()
        try ctx.add(samples: held)
        return out
    }

    /// All samples of a range input into `ts`/`vs`, stale markers removed (they end a series for
    /// instant selectors but are not samples for range functions).
    static func materialize(_ a: inout ArraySampleIterator?, _ m: inout MergedSeriesIterator?, _ ts: inout [Int64], _ vs: inout [Double]) {
        if var it = m {
            it.drain(into: &ts, &vs)
        } else if var it = a {
            while it.next() { ts.append(it.timestamp); vs.append(it.value) }
        }
        // Stale markers are rare: compact only when there is one.
        guard vs.contains(where: { StaleNaN.isStale($0) }) else { return }
        var k = 0
        for j in 0..<vs.count where !StaleNaN.isStale(vs[j]) {
            ts[k] = ts[j]
            vs[k] = vs[j]
            k += 1
        }
        ts.removeLast(ts.count - k)
        vs.removeLast(vs.count - k)
    }

    /// Slides each step's window `(ref − range, ref]` over a series' sorted timestamps and calls
    /// `body(step, stepTime, ref, lower, lo, hi)` with the window as `tb[lo..<hi]`; returns the
    /// largest window (the samples a step holds). Checks the deadline every 4,096 steps.
    @inline(__always)
    func slideWindows(
        _ tb: UnsafeBufferPointer<Int64>, _ arg: WindowSpec, _ ctx: EvalContext,
        _ body: (Int, Int64, Int64, Int64, Int, Int) throws(QueryError) -> Void
    ) throws(QueryError) -> Int {
        var lo = 0, hi = 0, peak = 0
        for i in 0..<stepCount {
            if i & 4095 == 4095 { try ctx.checkShared() }
            let t = time(i)
            let ref = refTime(t, at: arg.at, offset: arg.offsetMs)
            let lower = ref &- arg.rangeMs
            while hi < tb.count && tb[hi] <= ref { hi += 1 }
            while lo < hi && tb[lo] <= lower { lo += 1 }
            if hi - lo > peak { peak = hi - lo }
            try body(i, t, ref, lower, lo, hi)
        }
        return peak
    }

    /// Cores to spread per-series work over.
    static let cores = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// A `*_over_time` function computed by the storage engine's window kernel, one pass per series.
    /// Grids of more steps than `kernelBlock` run a block of steps at a time over the
    /// materialised samples, so cancellation and the deadline are seen in between.
    func evalOverTimeKernel(_ fn: WindowFunction, _ arg: RangeArgument, keepName: Bool) throws(QueryError) -> [StepSeries] {
        let n = stepCount
        let fixed = arg.at != nil
        let firstRef = refTime(start, at: arg.at, offset: arg.offsetMs)
        let lastRef = fixed ? firstRef : refTime(end, at: nil, offset: arg.offsetMs)
        let steps = fixed
            ? RangeSteps(start: firstRef, end: firstRef, step: 0, range: arg.rangeMs)
            : RangeSteps(start: firstRef, end: lastRef, step: interval, range: arg.rangeMs)
        // Share of a series' samples in one window: what Prometheus holds at a step.
        let windowShare = Swift.min(1.0, Double(arg.rangeMs) / Double(Swift.max(1, lastRef - firstRef + arg.rangeMs)))
        let blocked = !fixed && n > Self.kernelBlock
        let ctx = self.ctx
        let offsetMs = arg.offsetMs
        let start = self.start, interval = self.interval
        let out = try mapRangeSeries(arg) { (worker, labels, dropped, a, m, held) throws(QueryError) -> StepSeries? in
            var points: [FPoint] = []
            let emit: (Int64, Double) -> Void = { ref, v in
                if fixed {
                    points = (0..<n).map { FPoint(t: start &+ Int64($0) &* interval, v: v) }
                } else {
                    points.append(FPoint(t: ref &+ offsetMs, v: v))
                }
            }
            var loaded = 0
            if blocked {
                loaded = try worker.withSamples(&a, &m) { (ts, vs) throws(QueryError) in
                    var blockStart = steps.start
                    while blockStart <= steps.end {
                        try ctx.checkShared()
                        let blockEnd = Swift.min(steps.end, blockStart &+ Int64(Self.kernelBlock - 1) &* steps.step)
                        var it = ArraySampleIterator(timestamps: ts, values: vs)
                        let part = RangeSteps(start: blockStart, end: blockEnd, step: steps.step, range: steps.range)
                        WindowKernel.evaluate(fn, over: &it, steps: part, scratch: worker.scratch, emit: emit)
                        blockStart = blockEnd &+ steps.step
                    }
                    return ts.count
                }
            } else if let base = m {
                var it = CountingIterator(base)
                WindowKernel.evaluate(fn, over: &it, steps: steps, scratch: worker.scratch, emit: emit)
                loaded = it.count
            } else if let base = a {
                var it = CountingIterator(base)
                WindowKernel.evaluate(fn, over: &it, steps: steps, scratch: worker.scratch, emit: emit)
                loaded = it.count
            }
            held &+= Int((Double(loaded) * windowShare).rounded(.up))
            if points.isEmpty { return nil }
            var s = StepSeries(labels: labels, points: points, dropName: dropped)
            if !keepName { dropName(&s) }
            return s
        }
        return try afterNameDrop(out, of: arg)
    }

    /// Steps a kernel runs between cancellation checks.
    static let kernelBlock = 8192

    /// A range function over materialised windows: `fn` gets each non-empty window (stale markers
    /// removed) and returns the step's value, or nil for none. `fn` may run on several threads.
    func evalWindows(
        _ arg: RangeArgument, keepName: Bool, minSamples: Int = 1,
        _ fn: (RangeWindow) throws(QueryError) -> Double?
    ) throws(QueryError) -> [StepSeries] {
        let ctx = self.ctx
        let window = arg.window
        let out = try mapRangeSeries(arg) { (worker, labels, dropped, a, m, held) throws(QueryError) -> StepSeries? in
            var points: [FPoint] = []
            try worker.withSamples(&a, &m) { (ts, vs) throws(QueryError) in
                if ts.count < minSamples { return }
                try ts.withUnsafeBufferPointer { (tb) throws(QueryError) in
                    try vs.withUnsafeBufferPointer { (vb) throws(QueryError) in
                        held &+= try slideWindows(tb, window, ctx) { (i, t, ref, lower, lo, hi) throws(QueryError) in
                            if hi - lo < minSamples { return }
                            let w = RangeWindow(ts: UnsafeBufferPointer(rebasing: tb[lo..<hi]), vs: UnsafeBufferPointer(rebasing: vb[lo..<hi]),
                                                rangeStart: lower, rangeEnd: ref, stepTime: t, step: i)
                            if let v = try fn(w) { points.append(FPoint(t: t, v: v)) }
                        }
                    }
                }
            }
            if points.isEmpty { return nil }
            var s = StepSeries(labels: labels, points: points, dropName: dropped)
            if !keepName { dropName(&s) }
            return s
        }
        return try afterNameDrop(out, of: arg)
    }

    /// `rate`, `increase`, `delta`: the reset-corrected change per step, extrapolated as Prometheus 3
    /// does (`RangeFunctions.extrapolate`), with the counter
    /// resets of each series indexed once (a prefix count) so windows without a reset, nearly all
    /// of them, skip the reset scan.
    func evalExtrapolated(_ arg: RangeArgument, isCounter: Bool, isRate: Bool) throws(QueryError) -> [StepSeries] {
        let n = stepCount
        let rangeSeconds = Double(arg.rangeMs) / 1000
        let ctx = self.ctx
        let window = arg.window
        let out = try mapRangeSeries(arg) { (worker, labels, dropped, a, m, held) throws(QueryError) -> StepSeries? in
            var points: [FPoint] = []
            try worker.withSamples(&a, &m) { (ts, vs) throws(QueryError) in
                if ts.count < 2 { return }
                var drops = worker.drops
                worker.drops = []
                defer { worker.drops = drops }
                drops.removeAll(keepingCapacity: true)
                let count = vs.count
                drops.append(contentsOf: repeatElement(0, count: count))
                vs.withUnsafeBufferPointer { vb in
                    drops.withUnsafeMutableBufferPointer { db in
                        var prev = Double.nan, dropCount: Int32 = 0
                        for i in 0..<count {
                            let v = vb[i]
                            if v < prev { dropCount &+= 1 }
                            prev = v
                            db[i] = dropCount
                        }
                    }
                }
                points.reserveCapacity(n)
                try ts.withUnsafeBufferPointer { (tb) throws(QueryError) in
                    try vs.withUnsafeBufferPointer { (vb) throws(QueryError) in
                        try drops.withUnsafeBufferPointer { (db) throws(QueryError) in
                            let tp = tb.baseAddress.unsafelyUnwrapped, vp = vb.baseAddress.unsafelyUnwrapped
                            held &+= try slideWindows(tb, window, ctx) { (_, t, ref, lower, lo, hi) throws(QueryError) in
                                if hi - lo < 2 { return }
                                var result = vp[hi - 1] - vp[lo]
                                if isCounter && db[hi - 1] != db[lo] { result += RangeFunctions.resetCorrection(vp, lo, hi) }
                                let v = RangeFunctions.extrapolate(
                                    result, firstT: tp[lo], lastT: tp[hi - 1], firstV: vp[lo], count: hi - lo,
                                    rangeStart: lower, rangeEnd: ref, isCounter: isCounter, isRate: isRate, rangeSeconds: rangeSeconds)
                                points.append(FPoint(t: t, v: v))
                            }
                        }
                    }
                }
            }
            if points.isEmpty { return nil }
            var s = StepSeries(labels: labels, points: points, dropName: dropped)
            dropName(&s)
            return s
        }
        return try afterNameDrop(out, of: arg)
    }

    /// Dispatches the functions that take a range vector.
    func evalRangeFunction(_ c: Call) throws(QueryError) -> [StepSeries]? {
        let name = c.function.name
        let argIndex = name == "quantile_over_time" ? 1 : 0
        guard argIndex < c.args.count, let arg = RangeArgument.from(c.args[argIndex]) else { return nil }
        switch name {
        case "count_over_time": return try evalOverTimeKernel(.count, arg, keepName: false)
        case "sum_over_time": return try evalOverTimeKernel(.sum, arg, keepName: false)
        case "avg_over_time": return try evalOverTimeKernel(.avg, arg, keepName: false)
        case "min_over_time": return try evalOverTimeKernel(.min, arg, keepName: false)
        case "max_over_time": return try evalOverTimeKernel(.max, arg, keepName: false)
        case "stddev_over_time": return try evalOverTimeKernel(.stddev, arg, keepName: false)
        case "stdvar_over_time": return try evalOverTimeKernel(.stdvar, arg, keepName: false)
        case "last_over_time": return try evalOverTimeKernel(.last, arg, keepName: true)
        case "present_over_time": return try evalOverTimeKernel(.present, arg, keepName: false)
        case "quantile_over_time":
            let phi = try evalScalar(c.args[0])
            if let first = phi.first, phi.allSatisfy({ $0.bitPattern == first.bitPattern }) {
                return try evalOverTimeKernel(.quantile(first), arg, keepName: false)
            }
            return try evalWindows(arg, keepName: false) { w in
                RangeFunctions.quantile(phi[w.step], Array(w.vs))
            }
        case "first_over_time": return try evalWindows(arg, keepName: true) { w in w.vs.first }
        case "mad_over_time": return try evalWindows(arg, keepName: false) { w in RangeFunctions.mad(Array(w.vs)) }
        case "ts_of_min_over_time":
            return try evalWindows(arg, keepName: false) { w in RangeFunctions.timestampOfExtremum(w, max: false) }
        case "ts_of_max_over_time":
            return try evalWindows(arg, keepName: false) { w in RangeFunctions.timestampOfExtremum(w, max: true) }
        case "ts_of_last_over_time": return try evalWindows(arg, keepName: false) { w in w.ts.last.map { Double($0) / 1000 } }
        case "ts_of_first_over_time": return try evalWindows(arg, keepName: false) { w in w.ts.first.map { Double($0) / 1000 } }
        case "rate": return try evalExtrapolated(arg, isCounter: true, isRate: true)
        case "increase": return try evalExtrapolated(arg, isCounter: true, isRate: false)
        case "delta": return try evalExtrapolated(arg, isCounter: false, isRate: false)
        case "irate": return try evalWindows(arg, keepName: false, minSamples: 2) { w in RangeFunctions.instantValue(w, isRate: true) }
        case "idelta": return try evalWindows(arg, keepName: false, minSamples: 2) { w in RangeFunctions.instantValue(w, isRate: false) }
        case "changes": return try evalWindows(arg, keepName: false) { w in RangeFunctions.changes(w) }
        case "resets": return try evalWindows(arg, keepName: false) { w in RangeFunctions.resets(w) }
        case "deriv":
            return try evalWindows(arg, keepName: false, minSamples: 2) { w in
                RangeFunctions.linearRegression(w, interceptTime: w.ts[0]).slope
            }
        case "predict_linear":
            let duration = try evalScalar(c.args[1])
            // The prediction starts at the evaluation time, also under `@` (as Prometheus does).
            return try evalWindows(arg, keepName: false, minSamples: 2) { w in
                let (slope, intercept) = RangeFunctions.linearRegression(w, interceptTime: w.stepTime)
                return slope * duration[w.step] + intercept
            }
        case "holt_winters", "double_exponential_smoothing":
            let sf = try evalScalar(c.args[1]), tf = try evalScalar(c.args[2])
            for i in 0..<stepCount {
                if !(sf[i] > 0 && sf[i] < 1) { throw .execution("invalid smoothing factor. Expected: 0 < sf < 1, got: \(Self.goFloat(sf[i]))") }
                if !(tf[i] > 0 && tf[i] < 1) { throw .execution("invalid trend factor. Expected: 0 < tf < 1, got: \(Self.goFloat(tf[i]))") }
            }
            return try evalWindows(arg, keepName: false, minSamples: 2) { w in
                RangeFunctions.doubleExponentialSmoothing(w.vs, sf: sf[w.step], tf: tf[w.step])
            }
        case "absent_over_time":
            return try evalAbsentOverTime(c.args[0], arg)
        default:
            return nil
        }
    }

    /// `absent_over_time`: 1 at the steps where no series has a sample in its window.
    func evalAbsentOverTime(_ argExpr: Expr, _ arg: RangeArgument) throws(QueryError) -> [StepSeries] {
        let present = try evalWindows(arg, keepName: false) { _ in 1 }
        var seen = [Bool](repeating: false, count: stepCount)
        for s in present { for p in s.points { seen[index(p.t)] = true } }
        let points = seen.indices.filter { !seen[$0] }.map { FPoint(t: time($0), v: 1) }
        if points.isEmpty { return [] }
        return [StepSeries(labels: Self.absentLabels(argExpr), points: points)]
    }

    /// Labels of `absent()`'s output: the selector's equality matchers (a label matched twice is left out).
    static func absentLabels(_ e: Expr) -> Labels {
        let matchers: [Matcher]
        switch e {
        case .vectorSelector(let vs): matchers = vs.matchers
        case .matrixSelector(let ms): matchers = ms.selector.matchers
        case .subquery(let sq): return absentLabels(sq.expr)
        case .paren(let inner): return absentLabels(inner)
        default: return Labels(sortedUnchecked: [])
        }
        // Only labels pinned by exactly one equality matcher and no other matcher.
        var values: [String: String] = [:]
        var repeated = Set<String>()
        var seen = Set<String>()
        for m in matchers where m.name != "__name__" {
            if !seen.insert(m.name).inserted || m.kind != .equal { repeated.insert(m.name) }
            if m.kind == .equal { values[m.name] = m.value }
        }
        let pairs = values.filter { !repeated.contains($0.key) && !$0.value.isEmpty }
            .map { Label(name: $0.key, value: $0.value) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return Labels(sortedUnchecked: pairs)
    }

    /// A float as Go's `%f` prints it (six decimals).
    static func goFloat(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        var s = String(format: "%.6f", v)
        if s == "-0.000000" && v == 0 { s = "0.000000" }
        return s
    }
}
