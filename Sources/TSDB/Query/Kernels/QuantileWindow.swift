/// The values of a sliding window kept sorted the way Prometheus' `quantile` orders them.
///
/// Prometheus sorts with `Less(a, b) = isNaN(a) || a < b`; for small inputs Go's sort is an insertion
/// sort, which puts every NaN in front in reverse order of arrival and keeps equal values in arrival
/// order. This structure maintains exactly that arrangement incrementally: NaNs are inserted at index
/// 0 and the oldest NaN leaves from the end of the NaN prefix; other values are inserted after their
/// equals (upper bound) and the oldest of equal values leaves from the front of its run (lower bound),
/// which is the evicted sample because eviction is first-in first-out. Only ±0 (equal but with
/// different bits) and NaN payloads make that order observable; beyond 12 values Go's pdqsort is not
/// stable, so for those two cases alone Prometheus' choice cannot be reproduced (it is arbitrary).
@usableFromInline
struct QuantileWindow {
    @usableFromInline var storage: ScratchArray<Double>
    @usableFromInline var count = 0
    @usableFromInline var nanCount = 0

    @usableFromInline
    init(storage: ScratchArray<Double>) { self.storage = storage }

    @inlinable
    mutating func removeAll() {
        count = 0
        nanCount = 0
    }

    /// Adds the newest window value.
    @inlinable @inline(__always)
    mutating func insert(_ v: Double) {
        if count == storage.capacity {
            storage.grow(minimumCapacity: count + 1, keeping: 0, count: count, to: 0)
        }
        let at: Int
        if v.isNaN {
            at = 0
            nanCount += 1
        } else {
            at = DoubleSelection.upperBound(storage.base, nanCount, count, v)
        }
        storage.move(from: at, to: at + 1, count: count - at)
        storage[at] = v
        count += 1
    }

    /// Removes the oldest window value `v` (which must be present).
    @inlinable @inline(__always)
    mutating func remove(_ v: Double) {
        let at: Int
        if v.isNaN {
            nanCount -= 1
            at = nanCount
        } else {
            at = DoubleSelection.lowerBound(storage.base, nanCount, count, v)
        }
        storage.move(from: at + 1, to: at, count: count - at - 1)
        count -= 1
    }

    /// Removes the oldest value `old` and adds the newest `new` in one shift: only the elements
    /// between the two positions move (instead of the tails twice), the common sliding case.
    @inlinable @inline(__always)
    mutating func replace(_ old: Double, with new: Double) {
        if old.isNaN || new.isNaN {
            remove(old)
            insert(new)
            return
        }
        let a = storage.base
        let i = DoubleSelection.lowerBound(a, nanCount, count, old)
        if new < old {
            // `new` lands at or before `old`'s slot; shift the elements in between right.
            let j = DoubleSelection.upperBound(a, nanCount, i, new)
            storage.move(from: j, to: j &+ 1, count: i &- j)
            a[j] = new
        } else {
            // `new` lands after `old` (which is <= new); shift the elements in between left.
            let j = DoubleSelection.upperBound(a, i &+ 1, count, new)
            storage.move(from: i &+ 1, to: i, count: j &- 1 &- i)
            a[j &- 1] = new
        }
    }

    /// Replaces the contents with `window`'s values (all of them new), sorting in bulk.
    @inlinable
    mutating func rebuild(from window: WindowView) {
        storage.reserveDiscarding(window.count)
        let a = storage.base
        let src = window.values
        let n = window.count
        // NaNs newest first, then the others in arrival order, then sort the non-NaN part.
        var nans = 0
        var i = n - 1
        while i >= 0 {
            if src[i].isNaN { a[nans] = src[i]; nans += 1 }
            i -= 1
        }
        var w = nans
        for j in 0..<n where !src[j].isNaN {
            a[w] = src[j]
            w += 1
        }
        DoubleSelection.sort(a + nans, count: n - nans)
        count = n
        nanCount = nans
        restoreZeroOrder(window)
    }

    /// Rewrites the run of zeros in arrival order (a generic sort may have permuted -0 and +0).
    @inlinable
    func restoreZeroOrder(_ window: WindowView) {
        let a = storage.base
        let lo = DoubleSelection.lowerBound(a, nanCount, count, 0)
        let hi = DoubleSelection.upperBound(a, lo, count, 0)
        guard hi - lo > 1 else { return }
        var w = lo
        for j in 0..<window.count where window.values[j] == 0 {
            a[w] = window.values[j]
            w += 1
        }
    }

    /// Prometheus' `quantile(φ)` over the current values, φ ∈ [0, 1], count > 0.
    @inlinable
    func quantile(_ phi: Double) -> Double {
        let a = storage.base
        return WindowAggregation.interpolate(phi, count: count) { a[$0] }
    }

    /// Prometheus' `quantile(φ)` of one window computed from scratch by selection (no full sort),
    /// φ ∈ [0, 1], window not empty; `work` is scratch space.
    ///
    /// Reads the same two sorted positions as the incremental structure and resolves the same
    /// tie-breaking (NaN newest first, zeros in arrival order), so both paths agree bit for bit.
    @inlinable
    static func quantile(_ phi: Double, of window: WindowView, work: inout ScratchArray<Double>) -> Double {
        let n = window.count
        let src = window.values
        work.reserveDiscarding(n)
        let a = work.base
        var m = 0
        for j in 0..<n {
            let v = src[j]
            a[m] = v
            m &+= v.isNaN ? 0 : 1
        }
        let nans = n - m
        let (lower, upper) = WindowAggregation.interpolationRanks(phi, count: n)
        var lowValue: Double
        if lower < nans {
            lowValue = newestNaN(lower, window)
        } else {
            DoubleSelection.select(a, count: m, k: lower - nans)
            lowValue = a[lower - nans]
            if lowValue == 0 { lowValue = zero(rank: lower - nans, window) }
        }
        var highValue: Double
        if upper == lower {
            highValue = lowValue
        } else if upper < nans {
            highValue = newestNaN(upper, window)
        } else {
            // The next order statistic is the minimum of the part right of the selected one
            // (or of everything when the lower rank fell among the NaNs).
            let from = lower < nans ? 0 : lower - nans + 1
            var h = a[from]
            for j in (from + 1)..<Swift.max(from + 1, m) where a[j] < h { h = a[j] }
            highValue = h == 0 ? zero(rank: upper - nans, window) : h
        }
        return WindowAggregation.interpolate(phi, count: n) { $0 == lower ? lowValue : highValue }
    }

    /// The `k`-th NaN counting from the newest (NaNs sort newest first).
    @inlinable
    static func newestNaN(_ k: Int, _ window: WindowView) -> Double {
        var left = k
        var j = window.count - 1
        while j >= 0 {
            let v = window.values[j]
            if v.isNaN {
                if left == 0 { return v }
                left -= 1
            }
            j -= 1
        }
        return WindowAggregation.goNaN
    }

    /// The zero at non-NaN sorted rank `rank`: zeros sit after all negatives, in arrival order.
    @inlinable
    static func zero(rank: Int, _ window: WindowView) -> Double {
        var negatives = 0
        for j in 0..<window.count where window.values[j] < 0 { negatives += 1 }
        var left = rank - negatives
        for j in 0..<window.count where window.values[j] == 0 {
            if left == 0 { return window.values[j] }
            left -= 1
        }
        return 0
    }
}
