import TSDB

/// Head refs of remote-written series, keyed by a hash of the raw label bytes of the request,
/// so a series seen before is appended without building Strings or hashing a `Labels`.
/// Striped so concurrent requests rarely contend. A hit is confirmed against the head series'
/// labels, so collisions and series removed by head GC fall back to the slow path.
final class RemoteWriteSeriesCache: Sendable {
    private static let stripeCount = 64
    private let stripes: [LockedValue<[UInt64: UInt32]>]

    init() {
        stripes = (0..<Self.stripeCount).map { _ in LockedValue([:]) }
    }

    @inline(__always) private func stripe(_ h: UInt64) -> LockedValue<[UInt64: UInt32]> {
        stripes[Int(truncatingIfNeeded: h >> 58) & (Self.stripeCount - 1)]
    }

    func get(_ h: UInt64) -> UInt32? { stripe(h).withLock { $0[h] } }
    func set(_ h: UInt64, _ ref: UInt32) { stripe(h).withLock { $0[h] = ref } }
}
