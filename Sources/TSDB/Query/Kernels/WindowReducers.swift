/// Per-function state of a window evaluation, driven by `WindowKernel`.
///
/// Reducers that keep sliding state (`tracksSamples`) are told about every sample entering and
/// leaving the window, first in first out; all reducers are asked for a result for each non-empty
/// window. Specialised statically, so the per-sample calls inline into the driver loop.
@usableFromInline
protocol WindowReducer {
    /// True when `appended`/`evicting` must be called.
    var tracksSamples: Bool { get }
    /// The newest sample entered the window.
    mutating func appended(seq: Int, value: Double)
    /// The oldest sample is about to leave the window.
    mutating func evicting(seq: Int, value: Double)
    /// Every sample is about to leave the window.
    mutating func evictingAll()
    /// The function's value for the current (non-empty) window.
    mutating func result(_ window: WindowView) -> Double
    /// Hands borrowed (possibly regrown) storage back to the scratch.
    func returnStorage(to scratch: WindowScratch)
}

extension WindowReducer {
    @inlinable var tracksSamples: Bool { false }
    @inlinable mutating func appended(seq: Int, value: Double) {}
    @inlinable mutating func evicting(seq: Int, value: Double) {}
    @inlinable mutating func evictingAll() {}
    @inlinable func returnStorage(to scratch: WindowScratch) {}
}

/// `count_over_time`.
@usableFromInline
struct CountReducer: WindowReducer {
    @inlinable init() {}
    @inlinable func result(_ window: WindowView) -> Double { Double(window.count) }
}

/// `last_over_time`.
@usableFromInline
struct LastReducer: WindowReducer {
    @inlinable init() {}
    @inlinable func result(_ window: WindowView) -> Double { window.last }
}

/// A value that does not depend on the samples: `present_over_time` (1) and `quantile_over_time`
/// with φ outside [0, 1].
@usableFromInline
struct ConstantReducer: WindowReducer {
    @usableFromInline let value: Double
    @inlinable init(_ value: Double) { self.value = value }
    @inlinable func result(_ window: WindowView) -> Double { value }
}

/// A formula that must see the window's values in order, from scratch.
@usableFromInline
protocol WindowFormula {
    /// The function's value over `values` (oldest first, not empty).
    static func apply(_ values: UnsafeBufferPointer<Double>) -> Double
}

/// `WindowAggregation.sum`.
@usableFromInline enum SumFormula: WindowFormula {
    @inlinable static func apply(_ values: UnsafeBufferPointer<Double>) -> Double { WindowAggregation.sum(values) }
}
/// `WindowAggregation.avg`.
@usableFromInline enum AvgFormula: WindowFormula {
    @inlinable static func apply(_ values: UnsafeBufferPointer<Double>) -> Double { WindowAggregation.avg(values) }
}
/// `WindowAggregation.avgV2`.
@usableFromInline enum AvgV2Formula: WindowFormula {
    @inlinable static func apply(_ values: UnsafeBufferPointer<Double>) -> Double { WindowAggregation.avgV2(values) }
}
/// `WindowAggregation.variance`.
@usableFromInline enum StdvarFormula: WindowFormula {
    @inlinable static func apply(_ values: UnsafeBufferPointer<Double>) -> Double { WindowAggregation.variance(values) }
}
/// `WindowAggregation.stddev`.
@usableFromInline enum StddevFormula: WindowFormula {
    @inlinable static func apply(_ values: UnsafeBufferPointer<Double>) -> Double { WindowAggregation.stddev(values) }
}

/// `sum`, `avg`, `stdvar`, `stddev`: recomputed over the buffered window for each step.
///
/// Why not slide (add the newcomers, subtract the leavers)? Prometheus sums each window from its
/// first sample with compensated arithmetic whose rounding depends on the exact sequence of
/// partial sums; a sliding total would drift from that by a few ulps (and never recover from an
/// Inf or NaN that has left the window). Recomputing costs one pass over values already decoded
/// in the buffer, and is skipped entirely when the window holds the same samples as at the
/// previous step (step shorter than the scrape interval), identified by first sequence number
/// and count.
@usableFromInline
struct RecomputingReducer<Formula: WindowFormula>: WindowReducer {
    @usableFromInline var cachedFirstSeq = -1
    @usableFromInline var cachedCount = -1
    @usableFromInline var cachedValue = 0.0

    @inlinable init() {}

    @inlinable
    mutating func result(_ window: WindowView) -> Double {
        if window.firstSeq == cachedFirstSeq && window.count == cachedCount { return cachedValue }
        cachedValue = Formula.apply(window.buffer)
        cachedFirstSeq = window.firstSeq
        cachedCount = window.count
        return cachedValue
    }
}

/// `max_over_time` / `min_over_time`: monotonic deque when windows overlap, a plain scan otherwise.
@usableFromInline
struct ExtremumReducer<Order: ExtremumOrder>: WindowReducer {
    @usableFromInline var deque: ExtremumWindow<Order>
    @usableFromInline let sliding: Bool

    @inlinable
    init(sliding: Bool, scratch: WindowScratch) {
        self.sliding = sliding
        deque = ExtremumWindow(seqs: scratch.dequeSeqs, values: scratch.dequeValues)
    }

    @inlinable var tracksSamples: Bool { sliding }
    @inlinable mutating func appended(seq: Int, value: Double) { deque.append(seq: seq, value: value) }
    @inlinable mutating func evicting(seq: Int, value: Double) { deque.evict(seq: seq) }
    @inlinable mutating func evictingAll() { deque.removeAll() }

    @inlinable
    func result(_ window: WindowView) -> Double {
        sliding ? deque.result(window) : Order.scan(window.buffer)
    }

    @inlinable
    func returnStorage(to scratch: WindowScratch) {
        scratch.dequeSeqs = deque.seqs
        scratch.dequeValues = deque.values
    }
}

/// `quantile_over_time` with φ ∈ [0, 1]: an incrementally sorted window when windows overlap,
/// selection from scratch otherwise.
///
/// Evictions are queued and paired with the step's arrivals, so a sliding step costs one short
/// shift per replaced sample (`QuantileWindow.replace`); leftovers are removed before the result.
@usableFromInline
struct QuantileReducer: WindowReducer {
    @usableFromInline let phi: Double
    @usableFromInline let sliding: Bool
    @usableFromInline var sorted: QuantileWindow
    /// Values evicted this step and not yet removed from `sorted`, oldest first, from `evictedHead`.
    @usableFromInline var evicted: ScratchArray<Double>
    @usableFromInline var evictedCount = 0
    @usableFromInline var evictedHead = 0
    /// Every sorted value was leaving when this step's samples arrived: sort the new window in one
    /// go at `result` instead of inserting one by one (first window, and after gaps).
    @usableFromInline var rebuildPending = false

    @inlinable
    init(phi: Double, sliding: Bool, scratch: WindowScratch) {
        self.phi = phi
        self.sliding = sliding
        sorted = QuantileWindow(storage: scratch.sortedValues)
        evicted = scratch.evictedValues
    }

    @inlinable var tracksSamples: Bool { sliding }

    @inlinable
    mutating func evicting(seq: Int, value: Double) {
        if evictedCount == evicted.capacity {
            evicted.grow(minimumCapacity: evictedCount &+ 1, keeping: 0, count: evictedCount, to: 0)
        }
        evicted[evictedCount] = value
        evictedCount &+= 1
    }

    @inlinable
    mutating func evictingAll() {
        evictedCount = 0
        evictedHead = 0
        sorted.removeAll()
    }

    @inlinable
    mutating func appended(seq: Int, value: Double) {
        if rebuildPending { return }
        let leaving = evictedCount &- evictedHead
        if sorted.count == leaving {
            sorted.removeAll()
            evictedCount = 0
            evictedHead = 0
            rebuildPending = true
        } else if leaving > 0 {
            sorted.replace(evicted[evictedHead], with: value)
            evictedHead &+= 1
        } else {
            sorted.insert(value)
        }
    }

    @inlinable
    mutating func result(_ window: WindowView) -> Double {
        if !sliding { return QuantileWindow.quantile(phi, of: window, work: &sorted.storage) }
        while evictedHead < evictedCount {
            sorted.remove(evicted[evictedHead])
            evictedHead &+= 1
        }
        evictedHead = 0
        evictedCount = 0
        if rebuildPending {
            sorted.rebuild(from: window)
            rebuildPending = false
        }
        return sorted.quantile(phi)
    }

    @inlinable
    func returnStorage(to scratch: WindowScratch) {
        scratch.sortedValues = sorted.storage
        scratch.evictedValues = evicted
    }
}
