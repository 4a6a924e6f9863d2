import Synchronization
import TSDB

/// Head series of remote-written series, keyed by a hash of the raw label bytes of the request,
/// so a series seen before is appended without building Strings, hashing a `Labels` or a
/// lookup by ref.
///
/// A hit is accepted when a second, independently seeded 64-bit hash of the same bytes also
/// matches: 128 bits in all, so a false hit needs a collision of both (about n²/2¹²⁹ for n
/// series) instead of a byte-by-byte comparison with the head's labels on every request.
/// Striped so concurrent requests rarely contend; each stripe is one open-addressing array, so a
/// lookup costs one cache miss. Emptied whenever head GC removes series (so it holds no removed
/// series for long and does not grow with churn); a series removed in between fails on append
/// and the caller takes the label path.
final class RemoteWriteSeriesCache: Sendable {
    struct Entry: Sendable {
        var key: UInt64
        var check: UInt64
        var series: MemSeries?
    }

    private static let stripeCount = 64
    /// The seed of the confirming hash; different from `RemoteWriteLabels.hash`'s.
    static let checkSeed: UInt64 = LabelBytesHash.processSeed ^ 0x9e37_79b9_7f4a_7c15
    private let stripes: [LockedValue<Table>]
    private let head: Head
    private let generation = Atomic<Int>(0)

    init(head: Head) {
        self.head = head
        stripes = (0..<Self.stripeCount).map { _ in LockedValue(Table()) }
        generation.store(head.removalGeneration, ordering: .relaxed)
    }

    @inline(__always) private func stripe(_ h: UInt64) -> LockedValue<Table> {
        stripes[Int(truncatingIfNeeded: h >> 58) & (Self.stripeCount - 1)]
    }

    /// Empties the cache if head GC removed series since the last call (once per request).
    func checkGeneration() {
        let g = head.removalGeneration
        guard generation.load(ordering: .relaxed) != g else { return }
        generation.store(g, ordering: .relaxed)
        for s in stripes { s.withLock { $0 = Table() } }
    }

    /// The cached series for labels whose hashes are `h` and `check`.
    func get(_ h: UInt64, check: UInt64) -> MemSeries? {
        stripe(h).withLock { $0.get(h, check: check) }
    }

    func set(_ h: UInt64, check: UInt64, _ series: MemSeries) { stripe(h).withLock { $0.set(h, check: check, series) } }

    /// Open addressing on the already well-mixed hash (a `Dictionary` would hash it again).
    struct Table: Sendable {
        private var entries: [Entry] = []
        private var count = 0

        func get(_ h: UInt64, check: UInt64) -> MemSeries? {
            guard !entries.isEmpty else { return nil }
            let mask = entries.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            return entries.withUnsafeBufferPointer { e in
                while let s = e[i].series {
                    if e[i].key == h { return e[i].check == check ? s : nil }
                    i = (i &+ 1) & mask
                }
                return nil
            }
        }

        mutating func set(_ h: UInt64, check: UInt64, _ series: MemSeries) {
            if (count + 1) * 4 > entries.count * 3 { grow() }
            let mask = entries.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while entries[i].series != nil && entries[i].key != h { i = (i &+ 1) & mask }
            if entries[i].series == nil { count += 1 }
            entries[i] = Entry(key: h, check: check, series: series)
        }

        private mutating func grow() {
            let old = entries
            entries = [Entry](repeating: Entry(key: 0, check: 0, series: nil), count: Swift.max(64, entries.count * 2))
            count = 0
            for e in old { if let s = e.series { set(e.key, check: e.check, s) } }
        }
    }
}
