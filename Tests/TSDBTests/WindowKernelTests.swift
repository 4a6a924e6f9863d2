import Testing
@testable import TSDB

// MARK: - Brute-force reference

/// Straightforward per-window implementations written to mirror Prometheus' Go loops
/// (promql/functions.go, promql/quantile.go) statement for statement.
private enum PrometheusReference {
    static let goNaN = Double(bitPattern: 0x7FF8_0000_0000_0001)

    static func kahanInc(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
        var c = c
        let t = sum + inc
        if t.isInfinite {
            c = 0
        } else if abs(sum) >= abs(inc) {
            c += (sum - t) + inc
        } else {
            c += (inc - t) + sum
        }
        return (t, c)
    }

    static func sum(_ f: [Double]) -> Double {
        var sum = 0.0, c = 0.0
        for v in f { (sum, c) = kahanInc(v, sum, c) }
        if sum.isInfinite { return sum }
        return sum + c
    }

    static func avg(_ f: [Double]) -> Double {
        var sum = f[0], count = 1.0
        var mean = 0.0, kahanC = 0.0
        var incrementalMean = false
        for (i, v) in f.dropFirst().enumerated() {
            count = Double(i + 2)
            if !incrementalMean {
                let (newSum, newC) = kahanInc(v, sum, kahanC)
                if !newSum.isInfinite {
                    sum = newSum
                    kahanC = newC
                    continue
                }
                incrementalMean = true
                mean = sum / (count - 1)
                kahanC /= (count - 1)
            }
            let q = (count - 1) / count
            (mean, kahanC) = kahanInc(v / count, q * mean, q * kahanC)
        }
        if incrementalMean { return mean + kahanC }
        return sum / count + kahanC / count
    }

    /// Prometheus 2.x (e.g. 2.42) `avgOverTime` and its `kahanSumInc` without the Inf reset.
    static func avgV2(_ f: [Double]) -> Double {
        func kahanSumInc(_ inc: Double, _ sum: Double, _ c: Double) -> (Double, Double) {
            var c = c
            let t = sum + inc
            if abs(sum) >= abs(inc) { c += (sum - t) + inc } else { c += (inc - t) + sum }
            return (t, c)
        }
        var mean = 0.0, count = 0.0, c = 0.0
        for v in f {
            count += 1
            if mean.isInfinite {
                if v.isInfinite && (mean > 0) == (v > 0) { continue }
                if !v.isInfinite && !v.isNaN { continue }
            }
            (mean, c) = kahanSumInc(v / count - mean / count, mean, c)
        }
        if mean.isInfinite { return mean }
        return mean + c
    }

    static func variance(_ f: [Double]) -> Double {
        var count = 0.0
        var mean = 0.0, cMean = 0.0
        var aux = 0.0, cAux = 0.0
        for v in f {
            count += 1
            let delta = v - (mean + cMean)
            (mean, cMean) = kahanInc(delta / count, mean, cMean)
            (aux, cAux) = kahanInc(delta * (v - (mean + cMean)), aux, cAux)
        }
        return (aux + cAux) / count
    }

    static func compare(_ f: [Double], _ better: (Double, Double) -> Bool) -> Double {
        var m = f[0]
        for v in f where better(v, m) || m.isNaN { m = v }
        return m
    }

    /// Go's `insertionSort` with `vectorByValueHeap.Less` (what `sort.Sort` does for ≤ 12 elements).
    static func goInsertionSort(_ a: inout [Double]) {
        func less(_ i: Int, _ j: Int) -> Bool { a[i].isNaN ? true : a[i] < a[j] }
        guard a.count > 1 else { return }
        for i in 1..<a.count {
            var j = i
            while j > 0 && less(j, j - 1) {
                a.swapAt(j, j - 1)
                j -= 1
            }
        }
    }

    static func quantile(_ q: Double, _ f: [Double]) -> Double {
        if f.isEmpty || q.isNaN { return goNaN }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        var values = f
        goInsertionSort(&values)
        let n = Double(values.count)
        let rank = q * (n - 1)
        let lowerIndex = max(0, rank.rounded(.down))
        let upperIndex = min(n - 1, lowerIndex + 1)
        let weight = rank - rank.rounded(.down)
        return values[Int(lowerIndex)] * (1 - weight) + values[Int(upperIndex)] * weight
    }

    static func apply(_ fn: WindowFunction, _ f: [Double]) -> Double {
        switch fn {
        case .count: return Double(f.count)
        case .sum: return sum(f)
        case .avg: return avg(f)
        case .avgV2: return avgV2(f)
        case .min: return compare(f, <)
        case .max: return compare(f, >)
        case .stdvar: return variance(f)
        case .stddev: return variance(f).squareRoot()
        case .last: return f[f.count - 1]
        case .present: return 1
        case .quantile(let q): return quantile(q, f)
        }
    }

    /// Every step's window collected from the full sample list, stale markers dropped.
    static func evaluate(_ fn: WindowFunction, _ samples: [Sample], _ s: RangeSteps) -> [(Int64, Double)] {
        var out: [(Int64, Double)] = []
        guard s.start <= s.end else { return out }
        var t = s.start
        while true {
            // Binary search only locates the first candidate; membership is checked per sample.
            var lo = 0, hi = samples.count
            while lo < hi { let mid = (lo + hi) / 2; if samples[mid].t < t - s.range { lo = mid + 1 } else { hi = mid } }
            var window: [Double] = []
            var i = lo
            while i < samples.count && samples[i].t <= t {
                let smp = samples[i]
                let inside = s.leftOpen ? smp.t > t - s.range : smp.t >= t - s.range
                if inside && !StaleNaN.isStale(smp.v) { window.append(smp.v) }
                i += 1
            }
            if !window.isEmpty { out.append((t, apply(fn, window))) }
            if s.step <= 0 { break }
            t += s.step
            if t > s.end { break }
        }
        return out
    }
}

// MARK: - Helpers

// The shared SplitMix64 generator from TestSupport, with the helpers these tests draw from.
private typealias SplitMix64 = SeededRandom

extension SeededRandom {
    fileprivate init(state: UInt64) { self.init(seed: state) }
    fileprivate mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
    fileprivate mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    fileprivate mutating func chance(_ p: Double) -> Bool { unit() < p }
}

/// Bit-identical, or both NaN (NaN payload propagation is the hardware's business).
private func same(_ a: Double, _ b: Double) -> Bool {
    a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN)
}

private func run(_ fn: WindowFunction, _ samples: [Sample], _ steps: RangeSteps, _ scratch: WindowScratch) -> [(Int64, Double)] {
    var it = ArraySampleIterator(samples)
    var out: [(Int64, Double)] = []
    WindowKernel.evaluate(fn, over: &it, steps: steps, scratch: scratch) { out.append(($0, $1)) }
    return out
}

private func mismatch(_ got: [(Int64, Double)], _ want: [(Int64, Double)]) -> String? {
    if got.count != want.count { return "count \(got.count) vs \(want.count)" }
    for (g, w) in zip(got, want) where g.0 != w.0 || !same(g.1, w.1) {
        return "at t=\(w.0): got (\(g.0), \(g.1) 0x\(String(g.1.bitPattern, radix: 16))) want \(w.1) 0x\(String(w.1.bitPattern, radix: 16))"
    }
    return nil
}

private func specialValue(_ rng: inout SplitMix64) -> Double {
    switch rng.int(0...15) {
    case 0: return .nan
    case 1: return Double(bitPattern: 0x7FF8_0000_0000_0001)
    case 2: return StaleNaN.value
    case 3: return StaleNaN.value
    case 4: return .infinity
    case 5: return -.infinity
    case 6: return 1.7e308 * (rng.chance(0.5) ? 1 : -1)
    case 7: return 1e308 * rng.unit()
    case 8: return Double.leastNonzeroMagnitude
    case 9: return -Double.leastNormalMagnitude / 3
    case 10: return 0
    case 11: return -0.0
    case 12: return 1e16
    case 13: return -1e16
    case 14: return Double(rng.int(-2...2))
    default: return 1e-300 * rng.unit()
    }
}

private func randomSeries(_ rng: inout SplitMix64) -> [Sample] {
    let n = rng.int(0...260)
    let specials = [0.0, 0.05, 0.3, 0.7][rng.int(0...3)]
    let ties = rng.chance(0.3)
    var t = Int64(rng.int(-50...50)) * 1000
    var out: [Sample] = []
    out.reserveCapacity(n)
    for _ in 0..<n {
        let v: Double
        if rng.chance(specials) {
            v = specialValue(&rng)
        } else if ties {
            v = Double(rng.int(-3...3)) * (rng.chance(0.1) ? -1 : 1)  // includes -0
        } else {
            v = (rng.unit() - 0.5) * pow10(rng.int(-3...12))
        }
        out.append(Sample(t: t, v: v))
        switch rng.int(0...19) {
        case 0: t += Int64(rng.int(60...1500)) * 1000  // gap longer than most ranges
        case 1, 2: t += Int64(rng.int(1...30)) * 1000
        case 3: t += Int64(rng.int(1...999))  // off-grid
        case 4: t += 5000
        default: t += 15000
        }
    }
    return out
}

private func pow10(_ e: Int) -> Double {
    var x = 1.0
    if e >= 0 { for _ in 0..<e { x *= 10 } } else { for _ in 0..<(-e) { x /= 10 } }
    return x
}

private func randomSteps(_ rng: inout SplitMix64, _ samples: [Sample]) -> RangeSteps {
    let first = samples.first?.t ?? 0
    let last = samples.last?.t ?? 100_000
    let range = Int64([1, 5, 15, 30, 60, 120, 300, 600][rng.int(0...7)]) * 1000 + (rng.chance(0.1) ? Int64(rng.int(1...999)) : 0)
    let step: Int64
    switch rng.int(0...6) {
    case 0: step = range
    case 1: step = range / 2 > 0 ? range / 2 : 1
    case 2: step = range + Int64(rng.int(1...4)) * 5000
    case 3: step = 1000
    case 4: step = range * Int64(rng.int(2...5))
    case 5: step = Int64(rng.int(1...120)) * 1000
    default: step = 15000
    }
    let start = first - range + Int64(rng.int(-3...20)) * 5000
    var end = last + Int64(rng.int(-10...10)) * 5000
    // Keep the number of steps moderate so the quadratic reference stays fast.
    end = min(end, start + step * 180)
    return RangeSteps(start: start, end: end, step: step, range: range, leftOpen: rng.chance(0.5))
}

private let allFunctions: [WindowFunction] = [
    .count, .sum, .avg, .avgV2, .min, .max, .stddev, .stdvar, .last, .present,
    .quantile(0), .quantile(0.5), .quantile(0.9), .quantile(0.99), .quantile(1), .quantile(0.3141),
    .quantile(-0.5), .quantile(1.5), .quantile(.nan),
]

// MARK: - Differential tests

@Test func randomSeriesMatchReferenceForEveryFunction() {
    var rng = SplitMix64(state: 0x5EED_0001)
    let scratch = WindowScratch(expectedWindowSamples: 4)  // small, so growth paths run too
    var checked = 0
    for _ in 0..<220 {
        let samples = randomSeries(&rng)
        let steps = randomSteps(&rng, samples)
        for fn in allFunctions {
            let got = run(fn, samples, steps, scratch)
            let want = PrometheusReference.evaluate(fn, samples, steps)
            let problem = mismatch(got, want)
            #expect(problem == nil, "\(fn) \(steps): \(problem ?? "")")
            if problem != nil { return }
            checked += want.count
        }
    }
    #expect(checked > 50_000)
}

@Test func edgeStepShapesMatchReference() {
    // step < range, == range, > range, single step, degenerate ranges, both boundary modes,
    // on a grid where many samples sit exactly on window boundaries.
    var rng = SplitMix64(state: 42)
    var samples: [Sample] = []
    for i in 0..<120 {
        let v: Double = i % 17 == 0 ? StaleNaN.value : (i % 23 == 0 ? .nan : Double(rng.int(-5...5)))
        samples.append(Sample(t: Int64(i) * 10_000, v: v))
    }
    let scratch = WindowScratch()
    for leftOpen in [true, false] {
        for (step, range) in [(5000, 30000), (30000, 30000), (40000, 30000), (10000, 10000), (1, 10000), (10000, 0), (10000, -5000), (0, 30000)] as [(Int64, Int64)] {
            for (start, end) in [(0, 1_200_000), (-60_000, 500_000), (600_000, 600_000), (500_000, 400_000)] as [(Int64, Int64)] {
                let steps = RangeSteps(start: start, end: step == 1 ? start + 300 : end, step: step, range: range, leftOpen: leftOpen)
                for fn in allFunctions {
                    let want = PrometheusReference.evaluate(fn, samples, steps)
                    let got = run(fn, samples, steps, scratch)
                    let problem = mismatch(got, want)
                    #expect(problem == nil, "\(fn) \(steps): \(problem ?? "")")
                }
            }
        }
    }
}

@Test func instantEvaluationMatchesReference() {
    var rng = SplitMix64(state: 7)
    let scratch = WindowScratch()
    for _ in 0..<150 {
        let samples = randomSeries(&rng)
        let t = (samples.last?.t ?? 0) - Int64(rng.int(0...60)) * 5000
        let range = Int64(rng.int(1...3600)) * 1000
        let leftOpen = rng.chance(0.5)
        for fn in allFunctions {
            var it = ArraySampleIterator(samples)
            let got = WindowKernel.evaluate(fn, over: &it, at: t, range: range, leftOpen: leftOpen, scratch: scratch)
            let want = PrometheusReference.evaluate(fn, samples, RangeSteps(start: t, end: t, step: 1, range: range, leftOpen: leftOpen)).first?.1
            #expect((got == nil) == (want == nil))
            if let got, let want { #expect(same(got, want), "\(fn): \(got) vs \(want)") }
        }
    }
}

@Test func largeWindowsGrowScratchAndStillMatch() {
    // Windows far larger than the scratch's initial capacity, with ties and zeros of both signs.
    var rng = SplitMix64(state: 99)
    var samples: [Sample] = []
    for i in 0..<1500 {
        let v = rng.chance(0.2) ? (rng.chance(0.5) ? 0.0 : -0.0) : Double(rng.int(-50...50)) / 4
        samples.append(Sample(t: Int64(i) * 1000, v: v))
    }
    let scratch = WindowScratch(expectedWindowSamples: 1)
    let steps = RangeSteps(start: 0, end: 1_500_000, step: 47_000, range: 700_000)
    for fn in [WindowFunction.max, .min, .sum, .avg, .stddev, .quantile(0.5), .quantile(0.37)] {
        let problem = mismatch(run(fn, samples, steps, scratch), PrometheusReference.evaluate(fn, samples, steps))
        #expect(problem == nil, "\(fn): \(problem ?? "")")
    }
}

// MARK: - Window membership and iteration

@Test func leftBoundaryFollowsLeftOpen() {
    let samples = [Sample(t: 0, v: 1), Sample(t: 10, v: 2), Sample(t: 20, v: 4)]
    let scratch = WindowScratch()
    var it = ArraySampleIterator(samples)
    #expect(WindowKernel.evaluate(.sum, over: &it, at: 20, range: 10, leftOpen: true, scratch: scratch) == 4)
    it = ArraySampleIterator(samples)
    #expect(WindowKernel.evaluate(.sum, over: &it, at: 20, range: 10, leftOpen: false, scratch: scratch) == 6)
    it = ArraySampleIterator(samples)
    #expect(WindowKernel.evaluate(.count, over: &it, at: 10, range: 10, leftOpen: true, scratch: scratch) == 1)
    it = ArraySampleIterator(samples)
    #expect(WindowKernel.evaluate(.count, over: &it, at: 5, range: 4, leftOpen: true, scratch: scratch) == nil)
}

@Test func staleMarkersAreNotSamples() {
    let samples = [Sample(t: 0, v: 1), Sample(t: 10, v: StaleNaN.value), Sample(t: 20, v: 3), Sample(t: 40, v: StaleNaN.value)]
    let scratch = WindowScratch()
    let out = run(.count, samples, RangeSteps(start: 0, end: 50, step: 10, range: 10, leftOpen: false), scratch)
    // t=0:[1] t=10:[1] t=20:[3] t=30:[3] t=40:[] (only a stale marker) t=50:[]
    #expect(out.map(\.0) == [0, 10, 20, 30])
    #expect(out.map(\.1) == [1, 1, 1, 1])
    let last = run(.last, samples, RangeSteps(start: 10, end: 30, step: 10, range: 20, leftOpen: true), scratch)
    #expect(last.map(\.1) == [1, 3, 3])
}

/// Counts how the kernel drives the iterator.
private struct CountingIterator: SampleIterator {
    var base: ArraySampleIterator
    var nexts = 0
    var seeks = 0
    mutating func next() -> Bool { nexts += 1; return base.next() }
    mutating func seek(to t: Int64) -> Bool { seeks += 1; return base.seek(to: t) }
    var timestamp: Int64 { base.timestamp }
    var value: Double { base.value }
}

@Test func iteratorIsWalkedOnceAndGapsAreSeeked() {
    let samples = (0..<20_000).map { Sample(t: Int64($0) * 15_000, v: Double($0 % 7)) }
    let scratch = WindowScratch()
    // Overlapping windows: every sample read once.
    var it = CountingIterator(base: ArraySampleIterator(samples))
    var points = 0
    WindowKernel.evaluate(.avg, over: &it, steps: RangeSteps(start: 0, end: 300_000_000, step: 60_000, range: 3_600_000), scratch: scratch) { _, _ in points += 1 }
    #expect(points == 5001)
    #expect(it.nexts <= samples.count)
    // Sparse steps (step ≫ range): the kernel seeks instead of reading every sample.
    it = CountingIterator(base: ArraySampleIterator(samples))
    points = 0
    WindowKernel.evaluate(.max, over: &it, steps: RangeSteps(start: 0, end: 300_000_000, step: 3_600_000, range: 60_000), scratch: scratch) { _, _ in points += 1 }
    #expect(points == 84)
    #expect(it.nexts < 84 * 6)
    #expect(it.seeks >= 84)
}

// MARK: - Hand-computed cases

private func quantileOf(_ phi: Double, _ values: [Double], range: Int64 = 1_000_000) -> Double? {
    let samples = values.enumerated().map { Sample(t: Int64($0.offset) * 1000, v: $0.element) }
    var it = ArraySampleIterator(samples)
    return WindowKernel.evaluate(.quantile(phi), over: &it, at: Int64(values.count) * 1000, range: range, scratch: WindowScratch())
}

@Test func quantileHandComputed() {
    let v = [50.0, 10, 40, 20, 30]  // sorted: 10 20 30 40 50
    #expect(quantileOf(0, v) == 10)
    #expect(quantileOf(0.5, v) == 30)
    #expect(quantileOf(0.75, v) == 40)
    #expect(quantileOf(1, v) == 50)
    #expect(abs(quantileOf(0.95, v)! - 48) < 1e-12)  // rank 3.8: 40·0.2 + 50·0.8
    #expect(abs(quantileOf(0.99, v)! - 49.6) < 1e-12)  // rank 3.96
    #expect(quantileOf(0.125, v) == 15)  // rank 0.5: halfway between 10 and 20
    #expect(quantileOf(-0.1, v) == -.infinity)
    #expect(quantileOf(1.1, v) == .infinity)
    #expect(quantileOf(.nan, v)!.isNaN)
    let hundred = (0...100).map { Double($0) }.reversed().map { $0 }
    #expect(quantileOf(0.99, hundred) == 99)
    #expect(quantileOf(0.5, hundred) == 50)
    // NaN sorts below everything.
    #expect(quantileOf(0, [2, .nan, 1])!.isNaN)
    #expect(quantileOf(1, [2, .nan, 1]) == 2)
    // Prometheus always evaluates both terms: 1·1 + Inf·0 = NaN.
    #expect(quantileOf(0, [1, .infinity])!.isNaN)
    #expect(quantileOf(1, [1, .infinity])!.isNaN)  // Inf·1 + Inf·0
    #expect(quantileOf(0.5, [1, .infinity]) == .infinity)
    // A single value is every quantile.
    #expect(quantileOf(0.3, [7]) == 7)
}

@Test func compensatedSumBeatsNaiveSummation() {
    let values = [1e16, 1, -1e16, 1e100, 1, -1e100, 0.1, 0.2, 0.3]
    var naive = 0.0
    for v in values { naive += v }
    let samples = values.enumerated().map { Sample(t: Int64($0.offset), v: $0.element) }
    let scratch = WindowScratch()
    var it = ArraySampleIterator(samples)
    let sum = WindowKernel.evaluate(.sum, over: &it, at: 100, range: 1000, scratch: scratch)
    #expect(naive != 2.6)  // naive summation loses both 1s
    #expect(abs(sum! - 2.6) < 1e-14)
    it = ArraySampleIterator(Array(samples.prefix(3)))
    #expect(WindowKernel.evaluate(.sum, over: &it, at: 100, range: 1000, scratch: scratch) == 1)
    it = ArraySampleIterator(Array(samples.prefix(3)))
    #expect(WindowKernel.evaluate(.avg, over: &it, at: 100, range: 1000, scratch: scratch) == 1.0 / 3)
}

@Test func avgFallsBackToIncrementalMeanOnOverflow() {
    let samples = [Sample(t: 1, v: 1.5e308), Sample(t: 2, v: 1.5e308), Sample(t: 3, v: -1.2e308)]
    let scratch = WindowScratch()
    var it = ArraySampleIterator(samples)
    let avg = WindowKernel.evaluate(.avg, over: &it, at: 3, range: 10, scratch: scratch)!
    #expect(avg.isFinite)
    #expect(abs(avg - 0.6e308) < 1e293)
    it = ArraySampleIterator(samples)
    #expect(WindowKernel.evaluate(.sum, over: &it, at: 3, range: 10, scratch: scratch) == .infinity)
}

@Test func extremaIgnoreNaNUnlessAllNaN() {
    let scratch = WindowScratch()
    func ev(_ fn: WindowFunction, _ vs: [Double], step: Int64 = 1) -> [Double] {
        let samples = vs.enumerated().map { Sample(t: Int64($0.offset), v: $0.element) }
        return run(fn, samples, RangeSteps(start: 0, end: Int64(vs.count - 1), step: step, range: 3), scratch).map(\.1)
    }
    // Windows of 3: [N] [N,1] [N,1,N] [1,N,5] [N,5,N] [5,N,N] [N,N,N]
    let vs: [Double] = [.nan, 1, .nan, 5, .nan, .nan, .nan]
    let maxes = ev(.max, vs)
    #expect(maxes[0].isNaN && maxes[6].isNaN)
    #expect(Array(maxes[1...5]) == [1, 1, 5, 5, 5])
    let mins = ev(.min, vs)
    #expect(Array(mins[1...5]) == [1, 1, 1, 5, 5])
    // The first of equal extrema wins: max over [+0, -0] is +0, over [-0, +0] is -0.
    let zeros = ev(.max, [0.0, -0.0, 0.0], step: 1)
    #expect(zeros.map { $0.sign } == [.plus, .plus, .plus])
    let zeros2 = ev(.max, [-0.0, 0.0, -0.0], step: 1)
    #expect(zeros2.map { $0.sign } == [.minus, .minus, .minus])
}

@Test func stddevAndStdvarHandComputed() {
    let samples = [2.0, 4, 4, 4, 5, 5, 7, 9].enumerated().map { Sample(t: Int64($0.offset), v: $0.element) }
    let scratch = WindowScratch()
    var it = ArraySampleIterator(samples)
    #expect(abs(WindowKernel.evaluate(.stddev, over: &it, at: 7, range: 100, scratch: scratch)! - 2) < 1e-15)
    it = ArraySampleIterator(samples)
    #expect(abs(WindowKernel.evaluate(.stdvar, over: &it, at: 7, range: 100, scratch: scratch)! - 4) < 1e-14)
    it = ArraySampleIterator([Sample(t: 0, v: 1), Sample(t: 1, v: .infinity)])
    #expect(WindowKernel.evaluate(.stddev, over: &it, at: 1, range: 100, scratch: scratch)!.isNaN)
}

@Test func branchFreeCompensationEqualsNeumaierBitForBit() {
    // The finite fast path of sum/avg (TwoSum) must reproduce Prometheus' Neumaier loop exactly,
    // across the whole exponent range, signed zeros, cancellation and near-overflow magnitudes.
    var rng = SplitMix64(state: 2024)
    var checked = 0
    for round in 0..<3000 {
        let n = rng.int(1...40)
        var values: [Double] = []
        for _ in 0..<n {
            let kind = rng.int(0...9)
            var v: Double
            switch kind {
            case 0: v = rng.chance(0.5) ? 0.0 : -0.0
            case 1: v = Double(sign: .plus, exponent: rng.int(-1074 ... -1000), significand: 1)
            case 2: v = Double(sign: .plus, exponent: rng.int(1000...1023), significand: 1 + rng.unit())
            case 3: v = values.last.map { -$0 } ?? 1
            default: v = Double(sign: .plus, exponent: rng.int(-60...60), significand: 1 + rng.unit())
            }
            if rng.chance(0.5) { v = -v }
            values.append(v)
        }
        if round % 3 == 0 { values = values.map { $0 * 0x1p-900 } }
        values.withUnsafeBufferPointer { buf in
            let s = WindowAggregation.sum(buf), rs = PrometheusReference.sum(values)
            let a = WindowAggregation.avg(buf), ra = PrometheusReference.avg(values)
            #expect(same(s, rs), "sum \(values): \(s) vs \(rs)")
            #expect(same(a, ra), "avg \(values): \(a) vs \(ra)")
        }
        checked += 1
    }
    #expect(checked == 3000)
}

@Test func emptyStretchesAreSkippedNotVisited() {
    // Two samples 10^9 steps apart: visiting every empty step would take minutes in a debug build.
    let samples = [Sample(t: 0, v: 1), Sample(t: 1_000_000_000, v: 2)]
    let scratch = WindowScratch()
    let out = run(.sum, samples, RangeSteps(start: -2, end: 2_000_000_000, step: 1, range: 3), scratch)
    #expect(out.map(\.0) == [0, 1, 2, 1_000_000_000, 1_000_000_001, 1_000_000_002])
    #expect(out.map(\.1) == [1, 1, 1, 2, 2, 2])
    #expect(run(.count, [], RangeSteps(start: 0, end: 100, step: 1, range: 10), scratch).isEmpty)
    #expect(run(.count, samples, RangeSteps(start: 2_000_000_000, end: 3_000_000_000, step: 7, range: 10), scratch).isEmpty)
}

@Test func firstStepAtOrAfterHandlesExtremes() {
    let s = RangeSteps(start: .min + 5, end: .max - 5, step: 10, range: 1)
    #expect(s.firstStep(atOrAfter: 7, from: 0) == 10)
    #expect(s.firstStep(atOrAfter: 10, from: 0) == 10)
    #expect(s.firstStep(atOrAfter: -3, from: 0) == 0)
    let nearTop: Int64? = s.firstStep(atOrAfter: Int64.max - 16, from: Int64.min + 5)
    #expect(nearTop == Int64.max - 10)  // the last step ≤ end: Int64.min + 5 + k·10
    let pastEnd: Int64? = s.firstStep(atOrAfter: Int64.max - 6, from: Int64.min + 5)
    #expect(pastEnd == nil)
    #expect(RangeSteps(start: 0, end: 100, step: 0, range: 1).firstStep(atOrAfter: 5, from: 0) == nil)
}

@Test func standaloneQuantileMatchesReference() {
    var rng = SplitMix64(state: 11)
    let scratch = WindowScratch(expectedWindowSamples: 2)
    for _ in 0..<300 {
        let n = rng.int(0...60)
        let values: [Double] = (0..<n).map { _ in rng.chance(0.15) ? specialValue(&rng) : Double(rng.int(-20...20)) / 2 }
            .filter { !StaleNaN.isStale($0) }
        for phi in [0, 0.01, 0.5, 0.77, 1, -1, 2, .nan] {
            let got = values.withUnsafeBufferPointer { WindowAggregation.quantile(phi, of: $0, scratch: scratch) }
            let want = PrometheusReference.quantile(phi, values)
            #expect(same(got, want), "φ=\(phi) \(values): \(got) vs \(want)")
        }
    }
}

@Test func selectionPlacesTheKthSmallest() {
    var rng = SplitMix64(state: 5)
    for round in 0..<200 {
        let n = rng.int(1...300)
        let distinct = [2, 10, 1000][round % 3]
        let values = (0..<n).map { _ in Double(rng.int(0...distinct)) - Double(distinct / 2) }
        let sorted = values.sorted()
        let k = rng.int(0...(n - 1))
        var work = values
        work.withUnsafeMutableBufferPointer { DoubleSelection.select($0.baseAddress!, count: n, k: k) }
        #expect(work[k] == sorted[k])
        #expect(work[..<k].allSatisfy { $0 <= work[k] } && work[(k + 1)...].allSatisfy { $0 >= work[k] })
        #expect(work.sorted() == sorted)
    }
}
