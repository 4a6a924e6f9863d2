/// Order-statistic helpers on NaN-free `Double` arrays in raw memory.
@usableFromInline
enum DoubleSelection {
    /// First index in `[lo, hi)` whose element is not `< v` (array sorted, NaN-free, `v` not NaN).
    @inlinable @inline(__always)
    static func lowerBound(_ a: UnsafePointer<Double>, _ lo: Int, _ hi: Int, _ v: Double) -> Int {
        partitionPoint(a, lo, hi) { $0 < v }
    }

    /// First index in `[lo, hi)` whose element is `> v` (array sorted, NaN-free, `v` not NaN).
    @inlinable @inline(__always)
    static func upperBound(_ a: UnsafePointer<Double>, _ lo: Int, _ hi: Int, _ v: Double) -> Int {
        partitionPoint(a, lo, hi) { $0 <= v }
    }

    /// First index in `[lo, hi)` where `before` turns false (`before` is monotone: true, then false).
    ///
    /// Counts instead of bisecting: binary search on window-sized arrays mispredicts about every
    /// other probe (LLVM will not emit conditional moves for it), whereas counting the 32-element
    /// blocks that lie entirely before `v`, then the elements before `v` inside the next block, is
    /// branch-free and vectorises. About twice as fast for windows of a few hundred samples;
    /// larger ranges are first narrowed by bisection.
    @inlinable @inline(__always)
    static func partitionPoint(_ a: UnsafePointer<Double>, _ lo: Int, _ hi: Int, _ before: (Double) -> Bool) -> Int {
        var lo = lo, hi = hi
        while hi &- lo > 1024 {
            let mid = lo &+ (hi &- lo) &>> 1
            if before(a[mid]) { lo = mid &+ 1 } else { hi = mid }
        }
        var blocks = 0
        var i = lo &+ 31
        while i < hi {
            blocks &+= before(a[i]) ? 1 : 0
            i &+= 32
        }
        let from = lo &+ blocks &* 32
        let to = Swift.min(hi, from &+ 32)
        var n = 0
        var j = from
        while j < to {
            n &+= before(a[j]) ? 1 : 0
            j &+= 1
        }
        return from &+ n
    }

    /// Sorts `a[0..<n]` ascending (NaN-free).
    @usableFromInline
    static func sort(_ a: UnsafeMutablePointer<Double>, count n: Int) {
        if n < 2 { return }
        if n <= 24 { insertionSort(a, 0, n - 1); return }
        var whole = UnsafeMutableBufferPointer(start: a, count: n)
        whole.sort()
    }

    /// Partially orders `a[0..<n]` (NaN-free) so that `a[k]` is the k-th smallest, everything
    /// before it `<=` and everything after it `>=`. Expected O(n): quickselect with a
    /// median-of-three pivot and branch-free partitions (about twice as fast as a Hoare partition
    /// on random data, whose comparisons mispredict half the time); falls back to sorting the
    /// remaining range after too many rounds.
    @usableFromInline
    static func select(_ a: UnsafeMutablePointer<Double>, count n: Int, k: Int) {
        var lo = 0, hi = n &- 1
        var rounds = 2 &* (Int.bitWidth &- n.leadingZeroBitCount) &+ 4
        while hi &- lo > 16 {
            if rounds == 0 {
                var rest = UnsafeMutableBufferPointer(start: a + lo, count: hi &- lo &+ 1)
                rest.sort()
                return
            }
            rounds &-= 1
            let x = medianOfThree(a[lo], a[lo &+ (hi &- lo) &>> 1], a[hi])
            // [lo, less) < x, then [less, notGreater) == x, then > x; x occurs, so each round shrinks.
            let less = partition(a, lo, hi) { $0 < x }
            if k < less { hi = less &- 1; continue }
            let notGreater = partition(a, less, hi) { $0 <= x }
            if k < notGreater { return }
            lo = notGreater
        }
        insertionSort(a, lo, hi)
    }

    /// Moves the elements of `a[lo...hi]` satisfying `front` before the others; returns the
    /// boundary. Branch-free Lomuto: every element is swapped into place and the boundary advances
    /// by the comparison's 0/1 outcome.
    @inlinable @inline(__always)
    static func partition(_ a: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int, _ front: (Double) -> Bool) -> Int {
        var store = lo
        var i = lo
        while i <= hi {
            let v = a[i]
            a[i] = a[store]
            a[store] = v
            store &+= front(v) ? 1 : 0
            i &+= 1
        }
        return store
    }

    @inlinable @inline(__always)
    static func medianOfThree(_ a: Double, _ b: Double, _ c: Double) -> Double {
        Swift.max(Swift.min(a, b), Swift.min(Swift.max(a, b), c))
    }

    @usableFromInline
    static func insertionSort(_ a: UnsafeMutablePointer<Double>, _ lo: Int, _ hi: Int) {
        guard lo < hi else { return }
        for i in (lo + 1)...hi {
            let v = a[i]
            var j = i
            while j > lo && v < a[j - 1] {
                a[j] = a[j - 1]
                j -= 1
            }
            a[j] = v
        }
    }
}
