/// One sample of a float series: a millisecond timestamp and a float64 value.
public struct Sample: Sendable, Hashable {
    public var t: Int64
    public var v: Double
    @inlinable public init(t: Int64, v: Double) { self.t = t; self.v = v }

    /// Bit-exact equality (NaN payloads included), unlike `==` on Double.
    @inlinable public func bitEqual(_ o: Sample) -> Bool { t == o.t && v.bitPattern == o.v.bitPattern }
}

/// Walks the samples of one series in strictly ascending time order.
///
/// Contract: call `next()` or `seek(to:)` before reading `timestamp`/`value`; once either returns
/// false the iterator is exhausted. Not thread-safe; a value type, so a copy is an independent cursor.
public protocol SampleIterator {
    /// Advances to the next sample; false at the end.
    mutating func next() -> Bool
    /// Advances to the first sample with timestamp >= `t`; does not move backwards (if the current
    /// sample is already at or after `t` it stays). False when no such sample exists.
    mutating func seek(to t: Int64) -> Bool
    /// Timestamp (ms) of the current sample.
    var timestamp: Int64 { get }
    /// Value of the current sample.
    var value: Double { get }
}

/// Prometheus' stale marker: a NaN with a payload that marks a series as gone.
public enum StaleNaN {
    /// The exact bit pattern Prometheus writes as a staleness marker.
    public static let bits: UInt64 = 0x7ff0_0000_0000_0002
    /// The stale marker as a Double.
    public static var value: Double { Double(bitPattern: bits) }
    /// True when `v` is exactly the stale marker.
    @inlinable public static func isStale(_ v: Double) -> Bool { v.bitPattern == 0x7ff0_0000_0000_0002 }
}

/// Iterates a pair of arrays (used by tests, blocks and kernels).
public struct ArraySampleIterator: SampleIterator {
    @usableFromInline let ts: [Int64]
    @usableFromInline let vs: [Double]
    @usableFromInline var i: Int = -1
    public init(timestamps: [Int64], values: [Double]) { ts = timestamps; vs = values }
    public init(_ samples: [Sample]) { ts = samples.map(\.t); vs = samples.map(\.v) }
    @inlinable public mutating func next() -> Bool {
        if i < ts.count { i += 1 }
        return i < ts.count
    }
    @inlinable public mutating func seek(to t: Int64) -> Bool {
        if i < 0 { i = 0 }
        if i < ts.count, ts[i] >= t { return true }
        // Binary search for the first index >= t in [i, count).
        var lo = i, hi = ts.count
        while lo < hi { let mid = (lo + hi) >> 1; if ts[mid] < t { lo = mid + 1 } else { hi = mid } }
        i = lo
        return i < ts.count
    }
    @inlinable public var timestamp: Int64 { ts[i] }
    @inlinable public var value: Double { vs[i] }
}
