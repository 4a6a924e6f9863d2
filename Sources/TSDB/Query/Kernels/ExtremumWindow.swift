/// Which extremum an `ExtremumWindow` tracks.
@usableFromInline
protocol ExtremumOrder {
    /// True when `a` strictly beats `b` (neither is NaN).
    static func beats(_ a: Double, _ b: Double) -> Bool
    /// The same formula applied to a whole window from scratch.
    static func scan(_ values: UnsafeBufferPointer<Double>) -> Double
}

/// Order for `max_over_time`.
@usableFromInline
enum MaxOrder: ExtremumOrder {
    @inlinable @inline(__always) static func beats(_ a: Double, _ b: Double) -> Bool { a > b }
    @inlinable static func scan(_ values: UnsafeBufferPointer<Double>) -> Double { WindowAggregation.max(values) }
}

/// Order for `min_over_time`.
@usableFromInline
enum MinOrder: ExtremumOrder {
    @inlinable @inline(__always) static func beats(_ a: Double, _ b: Double) -> Bool { a < b }
    @inlinable static func scan(_ values: UnsafeBufferPointer<Double>) -> Double { WindowAggregation.min(values) }
}

/// Sliding max (or min) of a window by a monotonic deque: O(1) amortised per sample.
///
/// Holds the non-NaN samples that could still become the extremum, best first; a new value only
/// discards entries it strictly beats, so among equal values the oldest stays in front, matching
/// Prometheus' "replace only when strictly better" scan (which keeps the first of equal extrema,
/// visible for ±0). NaNs never enter: Prometheus lets any number replace a NaN, so a NaN is the
/// result only for an all-NaN window, and then it is the newest sample's value.
@usableFromInline
struct ExtremumWindow<Order: ExtremumOrder> {
    @usableFromInline var seqs: ScratchArray<Int>
    @usableFromInline var values: ScratchArray<Double>
    @usableFromInline var head = 0
    @usableFromInline var tail = 0

    @usableFromInline
    init(seqs: ScratchArray<Int>, values: ScratchArray<Double>) {
        self.seqs = seqs
        self.values = values
    }

    @inlinable
    mutating func removeAll() {
        head = 0
        tail = 0
    }

    /// Adds the newest sample.
    @inlinable @inline(__always)
    mutating func append(seq: Int, value v: Double) {
        if v.isNaN { return }
        while tail > head && Order.beats(v, values[tail - 1]) { tail -= 1 }
        if tail == values.capacity { makeRoom() }
        seqs[tail] = seq
        values[tail] = v
        tail += 1
    }

    /// Notes that the oldest window sample `seq` leaves.
    @inlinable @inline(__always)
    mutating func evict(seq: Int) {
        if tail > head && seqs[head] == seq {
            head += 1
            if head == tail { head = 0; tail = 0 }
        }
    }

    /// The extremum of the window, given the window (for the all-NaN case).
    @inlinable @inline(__always)
    func result(_ window: WindowView) -> Double {
        tail > head ? values[head] : window.last
    }

    @usableFromInline @inline(never)
    mutating func makeRoom() {
        let n = tail - head
        if n * 2 <= values.capacity {
            seqs.move(from: head, to: 0, count: n)
            values.move(from: head, to: 0, count: n)
        } else {
            let newCapacity = values.capacity * 2
            seqs.grow(minimumCapacity: newCapacity, keeping: head, count: n, to: 0)
            values.grow(minimumCapacity: newCapacity, keeping: head, count: n, to: 0)
        }
        head = 0
        tail = n
    }
}
