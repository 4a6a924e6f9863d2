import TSDB

/// Counts the samples a window kernel steps through (for the sample limit), passing everything
/// else to `base`.
struct CountingIterator<Base: SampleIterator>: SampleIterator {
    var base: Base
    /// Calls to `next` and `seek`: an upper bound of the samples read.
    var count = 0

    init(_ base: Base) { self.base = base }

    @inline(__always) mutating func next() -> Bool {
        count &+= 1
        return base.next()
    }

    @inline(__always) mutating func seek(to t: Int64) -> Bool {
        count &+= 1
        return base.seek(to: t)
    }

    @inline(__always) var timestamp: Int64 { base.timestamp }
    @inline(__always) var value: Double { base.value }
}
