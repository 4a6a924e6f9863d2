/// Evaluates PromQL `*_over_time` functions over one series for every step of a range query,
/// walking the series once.
///
/// Window membership follows Prometheus' range-vector selection: samples with `t-range < ts ≤ t`
/// (`[t-range, t]` when not `leftOpen`), stale markers dropped. Steps whose window is empty produce
/// no output. Values equal Prometheus' bit for bit (see `WindowAggregation` and `QuantileWindow`
/// for the two documented exceptions: ±0 / NaN-payload ordering in large quantile windows, FMA on arm64).
public enum WindowKernel {
    /// Evaluates `function` at every step of `steps`; calls `emit(t, value)` for steps whose window
    /// holds at least one sample, in step order. `it` is consumed (positioned past the last window).
    @inlinable
    public static func evaluate<I: SampleIterator>(
        _ function: WindowFunction, over it: inout I, steps: RangeSteps, scratch: WindowScratch,
        emit: (Int64, Double) -> Void
    ) {
        guard steps.canHaveSamples else { return }
        let sliding = steps.windowsOverlap
        switch function {
        case .count:
            var r = CountReducer()
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .last:
            var r = LastReducer()
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .present:
            var r = ConstantReducer(1)
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .sum:
            var r = RecomputingReducer<SumFormula>()
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .avg:
            var r = RecomputingReducer<AvgFormula>()
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .avgV2:
            var r = RecomputingReducer<AvgV2Formula>()
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .stdvar:
            var r = RecomputingReducer<StdvarFormula>()
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .stddev:
            var r = RecomputingReducer<StddevFormula>()
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .max:
            var r = ExtremumReducer<MaxOrder>(sliding: sliding, scratch: scratch)
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .min:
            var r = ExtremumReducer<MinOrder>(sliding: sliding, scratch: scratch)
            drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
        case .quantile(let phi):
            if let constant = WindowAggregation.invalidQuantileResult(phi) {
                var r = ConstantReducer(constant)
                drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
            } else {
                var r = QuantileReducer(phi: phi, sliding: sliding, scratch: scratch)
                drive(&r, over: &it, steps: steps, scratch: scratch, emit: emit)
            }
        }
    }

    /// Instant-query convenience: `function` over the single window ending at `t`; nil when empty.
    @inlinable
    public static func evaluate<I: SampleIterator>(
        _ function: WindowFunction, over it: inout I, at t: Int64, range: Int64, leftOpen: Bool = true,
        scratch: WindowScratch
    ) -> Double? {
        var out: Double? = nil
        let steps = RangeSteps(start: t, end: t, step: 0, range: range, leftOpen: leftOpen)
        evaluate(function, over: &it, steps: steps, scratch: scratch) { _, v in out = v }
        return out
    }

    /// The single pass: per step, evict samples older than the window, seek over gaps, append the
    /// samples up to `t`, and ask the reducer for a value when the window is not empty.
    @inlinable
    static func drive<I: SampleIterator, R: WindowReducer>(
        _ reducer: inout R, over it: inout I, steps: RangeSteps, scratch: WindowScratch,
        emit: (Int64, Double) -> Void
    ) {
        // Work on local copies (written back at the end) so the optimiser can keep the cursor and
        // buffer indices in registers instead of storing them through the inout/class references.
        var buffer = scratch.samples
        var iter = it
        buffer.reset()
        defer {
            it = iter
            scratch.samples = buffer
            reducer.returnStorage(to: scratch)
        }
        let tracks = reducer.tracksSamples
        let end = steps.end
        var t = steps.start
        // The pending sample: the first one not yet appended (its timestamp is > every buffered one).
        var hasPending = iter.seek(to: steps.lowerBound(at: t))
        var pendingT: Int64 = hasPending ? iter.timestamp : 0
        var pendingV: Double = hasPending ? iter.value : 0
        while true {
            let lower = steps.lowerBound(at: t)
            // Evict; when the whole window goes (gap, or non-overlapping windows) do it in one go.
            if !buffer.isEmpty {
                if buffer.lastTimestamp < lower {
                    if tracks { reducer.evictingAll() }
                    buffer.removeAll()
                } else {
                    while buffer.firstTimestamp < lower {
                        if tracks { reducer.evicting(seq: buffer.headSeq, value: buffer.firstValue) }
                        buffer.removeFirst()
                    }
                }
            }
            if buffer.isEmpty {
                // Nothing buffered: stop when the series is exhausted, and jump over the steps whose
                // windows end before the next sample (gaps, late-starting series) instead of
                // visiting each empty one.
                guard hasPending else { return }
                if pendingT > t {
                    guard let next = steps.firstStep(atOrAfter: pendingT, from: t) else { return }
                    t = next
                    continue
                }
            }
            if hasPending {
                // Skip samples that fall before this window without reading them one by one.
                if pendingT < lower {
                    hasPending = iter.seek(to: lower)
                    if hasPending { pendingT = iter.timestamp; pendingV = iter.value }
                }
                if hasPending && pendingT <= t {
                    appendSamples(through: t, from: &iter, pendingT: &pendingT, pendingV: &pendingV,
                                  hasPending: &hasPending, into: &buffer, reducer: &reducer, tracks: tracks)
                }
            }
            if !buffer.isEmpty { emit(t, reducer.result(buffer.view)) }
            guard steps.step > 0 else { return }
            let (next, overflow) = t.addingReportingOverflow(steps.step)
            if overflow || next > end { return }
            t = next
        }
    }

    /// Appends the pending sample and its successors up to `t` (stale markers dropped: they are not
    /// samples for range functions). Kept out of line so this loop gets the registers to itself.
    @inlinable @inline(never)
    static func appendSamples<I: SampleIterator, R: WindowReducer>(
        through t: Int64, from iter: inout I, pendingT: inout Int64, pendingV: inout Double,
        hasPending: inout Bool, into buffer: inout SampleWindowBuffer, reducer: inout R, tracks: Bool
    ) {
        // The cursor is used in place (a local copy could cost ARC traffic per step for iterators
        // holding references); the buffer is trivial, so a local copy keeps its indices in registers.
        var b = buffer
        var ts = pendingT, v = pendingV
        var more = true
        repeat {
            if !StaleNaN.isStale(v) {
                let seq = b.append(ts, v)
                if tracks { reducer.appended(seq: seq, value: v) }
            }
            more = iter.next()
            if !more { break }
            ts = iter.timestamp
            v = iter.value
        } while ts <= t
        buffer = b
        pendingT = ts
        pendingV = v
        hasPending = more
    }
}
