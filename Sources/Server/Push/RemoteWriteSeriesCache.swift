import Synchronization
import TSDB

/// Head series of remote-written series, keyed by a hash of the raw label bytes of the request,
/// so a series seen before is appended without building Strings, hashing a `Labels` or a
/// lookup by ref.
///
/// A hit is accepted when a second, independently seeded 64-bit hash of the same bytes also
/// matches: 128 bits in all, so a false hit needs a collision of both (about n²/2¹²⁹ for n
/// series) instead of a byte-by-byte comparison with the head's labels on every request.
///
/// Most lookups hit series cached long ago, so those live in an immutable snapshot that a
/// request reads without any lock: a lock is a fence, and with one per series the lookups'
/// cache misses would run one after another instead of overlapping. New series go to a small
/// locked table, merged into a new snapshot once it holds a quarter as many (amortised O(1) per
/// series) or when a request finds that no series were added since the one before. Emptied
/// whenever head GC removes series (so it holds no removed series for long and does not grow
/// with churn); a series removed in between fails on append and the caller takes the label path.
final class RemoteWriteSeriesCache: Sendable {
    /// The seed of the confirming hash; different from `RemoteWriteLabels.hash`'s.
    static let checkSeed: UInt64 = LabelBytesHash.processSeed ^ 0x9e37_79b9_7f4a_7c15
    private let head: Head
    private let state: Mutex<State>

    private struct State {
        var snapshot = Snapshot(Table())
        var recent = Table()
        var generation: Int
        /// Series added since the last `snapshot()`.
        var added = 0

        /// Makes a snapshot of everything cached.
        mutating func merge() {
            var merged = snapshot.table
            merged.merge(recent)
            snapshot = Snapshot(merged)
            recent = Table()
        }
    }

    init(head: Head) {
        self.head = head
        state = Mutex(State(generation: head.removalGeneration))
    }

    /// The table to read this request's hits from, after emptying the cache if head GC removed
    /// series since the last request. Holding it keeps its series alive.
    func snapshot() -> Snapshot {
        let g = head.removalGeneration
        return state.withLock { st in
            if st.generation != g { st = State(generation: g) }
            // No new series since the previous request: the burst is over, so the recent ones
            // move to the snapshot now rather than staying on the locked path for good.
            if st.added == 0 && st.recent.count > 0 { st.merge() }
            st.added = 0
            return st.snapshot
        }
    }

    /// A series added after `snapshot` was taken (the locked path, for snapshot misses).
    func recent(_ h: UInt64, check: UInt64) -> MemSeries? {
        state.withLock { $0.recent.get(h, check: check)?.takeUnretainedValue() }
    }

    /// Caches `series` for labels whose hashes are `h` and `check`.
    func set(_ h: UInt64, check: UInt64, _ series: MemSeries) {
        state.withLock { st in
            st.recent.set(h, check: check, series)
            st.added += 1
            if st.recent.count * 4 > Swift.max(4096, st.snapshot.table.count) { st.merge() }
        }
    }

    /// An immutable table, read without locks.
    final class Snapshot: Sendable {
        let table: Table
        init(_ table: Table) { self.table = table }

        /// The cached series for labels whose hashes are `h` and `check`, valid while the
        /// snapshot is alive.
        @inline(__always) func get(_ h: UInt64, check: UInt64) -> Unmanaged<MemSeries>? { table.get(h, check: check) }
        /// Starts loading the slot of `h`.
        @inline(__always) func prefetch(_ h: UInt64) { table.prefetch(h) }
    }

    struct Entry: Sendable {
        var key: UInt64
        var check: UInt64
        var series: MemSeries?
    }

    /// Open addressing on the already well-mixed hash (a `Dictionary` would hash it again).
    struct Table: Sendable {
        private var entries: [Entry] = []
        private(set) var count = 0

        /// Starts loading the first slot `h` probes (see `Prefetch`).
        @inline(__always) func prefetch(_ h: UInt64) {
            guard !entries.isEmpty else { return }
            let i = Int(truncatingIfNeeded: h) & (entries.count - 1)
            entries.withUnsafeBufferPointer { e in if let b = e.baseAddress { Prefetch.read(b + i) } }
        }

        func get(_ h: UInt64, check: UInt64) -> Unmanaged<MemSeries>? {
            guard !entries.isEmpty else { return nil }
            let mask = entries.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            return entries.withUnsafeBufferPointer { e in
                // Unmanaged: a hit costs no retain (an atomic, itself a fence); the table owns it.
                while let s = e[i].series.map(Unmanaged.passUnretained) {
                    if e[i].key == h { return e[i].check == check ? s : nil }
                    i = (i &+ 1) & mask
                }
                return nil
            }
        }

        mutating func set(_ h: UInt64, check: UInt64, _ series: MemSeries) {
            // Up to 7/8 full (28-55 bytes per series instead of 32-64 at 3/4). Linear probing:
            // a hit, nearly every lookup, reads about 4.5 consecutive 24-byte slots at the limit
            // (2.7 at 100 k series, 0.77 full); a miss, a new series, about 32 at the limit.
            if (count + 1) * 8 > entries.count * 7 { grow() }
            let mask = entries.count - 1
            var i = Int(truncatingIfNeeded: h) & mask
            while entries[i].series != nil && entries[i].key != h { i = (i &+ 1) & mask }
            if entries[i].series == nil { count += 1 }
            entries[i] = Entry(key: h, check: check, series: series)
        }

        /// Adds every entry of `other`.
        mutating func merge(_ other: Table) {
            for e in other.entries { if let s = e.series { set(e.key, check: e.check, s) } }
        }

        private mutating func grow() {
            let old = entries
            entries = [Entry](repeating: Entry(key: 0, check: 0, series: nil), count: Swift.max(64, entries.count * 2))
            count = 0
            for e in old { if let s = e.series { set(e.key, check: e.check, s) } }
        }
    }
}
