/// The samples of the current window, oldest first, in contiguous memory.
///
/// A FIFO over a linear buffer that compacts (or doubles) when the tail reaches the end, rather than a
/// modular ring: the live window is then always one contiguous slice, so the per-window loops
/// (sum, avg, stddev) run over a plain pointer without wrap-around checks. Compaction happens only
/// when at most half the capacity is live, so each sample is moved O(1) times amortised.
///
/// Samples are also numbered by a sequence number (`headSeq` for the oldest) that stays valid across
/// compaction; sliding structures (deques, caches) refer to samples by it.
@usableFromInline
struct SampleWindowBuffer {
    @usableFromInline var timestamps: ScratchArray<Int64>
    @usableFromInline var values: ScratchArray<Double>
    @usableFromInline var head = 0
    @usableFromInline var tail = 0
    @usableFromInline var headSeq = 0

    @usableFromInline
    init(capacity: Int) {
        timestamps = ScratchArray(capacity: capacity)
        values = ScratchArray(capacity: capacity)
    }

    @usableFromInline
    func deallocate() {
        timestamps.deallocate()
        values.deallocate()
    }

    @inlinable var count: Int { @inline(__always) get { tail &- head } }
    @inlinable var isEmpty: Bool { @inline(__always) get { tail == head } }
    @inlinable var firstTimestamp: Int64 { @inline(__always) get { timestamps[head] } }
    @inlinable var lastTimestamp: Int64 { @inline(__always) get { timestamps[tail &- 1] } }
    @inlinable var firstValue: Double { @inline(__always) get { values[head] } }

    /// The live window as a read-only view.
    @inlinable var view: WindowView {
        @inline(__always) get { WindowView(values: UnsafePointer(values.base + head), count: tail &- head, firstSeq: headSeq) }
    }

    /// Empties the buffer and restarts sequence numbers (start of a new evaluation).
    @inlinable
    mutating func reset() {
        head = 0
        tail = 0
        headSeq = 0
    }

    /// Appends the newest sample; returns its sequence number.
    @inlinable @inline(__always)
    mutating func append(_ t: Int64, _ v: Double) -> Int {
        if tail == values.capacity { makeRoom() }
        timestamps[tail] = t
        values[tail] = v
        tail &+= 1
        return headSeq &+ (tail &- head) &- 1
    }

    /// Drops the oldest sample.
    @inlinable @inline(__always)
    mutating func removeFirst() {
        head &+= 1
        headSeq &+= 1
        // Rewinding an empty buffer for free postpones the next compaction.
        if head == tail { head = 0; tail = 0 }
    }

    /// Drops every sample.
    @inlinable @inline(__always)
    mutating func removeAll() {
        headSeq &+= tail &- head
        head = 0
        tail = 0
    }

    @usableFromInline @inline(never)
    mutating func makeRoom() {
        let n = tail - head
        if n * 2 <= values.capacity {
            timestamps.move(from: head, to: 0, count: n)
            values.move(from: head, to: 0, count: n)
        } else {
            let newCapacity = values.capacity * 2
            timestamps.grow(minimumCapacity: newCapacity, keeping: head, count: n, to: 0)
            values.grow(minimumCapacity: newCapacity, keeping: head, count: n, to: 0)
        }
        head = 0
        tail = n
    }
}

/// Read-only view of the values in the current window, oldest first.
@usableFromInline
struct WindowView {
    /// Values, oldest first.
    @usableFromInline let values: UnsafePointer<Double>
    /// Number of samples (> 0 whenever a reducer sees it).
    @usableFromInline let count: Int
    /// Sequence number of the oldest sample; with `count` it identifies the window's contents.
    @usableFromInline let firstSeq: Int

    @inlinable
    init(values: UnsafePointer<Double>, count: Int, firstSeq: Int) {
        self.values = values
        self.count = count
        self.firstSeq = firstSeq
    }

    @inlinable var buffer: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: values, count: count) }
    @inlinable var last: Double { values[count - 1] }
}
