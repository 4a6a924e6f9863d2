import Foundation
import TSDB

/// Per-target memory of the series a target exposes, keyed by the raw series text of the
/// exposition (`name{labels}` exactly as sent), so a known series costs a hash and a compare,
/// not parsing labels, relabeling and a label-set lookup.
///
/// Also tracks which series each scrape saw, for stale markers on the ones that disappear.
/// Entries live in one array updated in place (no copy-on-write per sample); an open-addressing
/// table of entry indices finds them by the (already well-mixed) hash of the raw text.
struct ScrapeCache {
    struct Entry {
        /// The raw series text, to rule out hash collisions.
        var raw: [UInt8]
        /// Final labels (after target labels and metric relabeling); nil when relabeling dropped it.
        var labels: Labels?
        /// Head series ref, once known.
        var ref: UInt32?
        /// The head series itself (one lookup less per sample); nil until known or after head GC.
        var series: MemSeries?
        /// The scrape generation that last saw this series.
        var seen: UInt64
        var hash: UInt64
    }

    private var entries: [Entry] = []
    /// Entry index + 1 per slot, 0 when empty; at most half full.
    private var slots: [Int32] = []
    /// Incremented per scrape.
    private(set) var generation: UInt64 = 0

    /// Starts a new scrape.
    mutating func beginScrape() { generation &+= 1 }

    /// A fast seeded hash of the raw bytes.
    @inline(__always)
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        LabelBytesHash.hash(raw, seed: LabelBytesHash.processSeed)
    }

    @inline(__always)
    static func equal(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let bp = b.baseAddress, !a.isEmpty else { return a.isEmpty }
        return a.withUnsafeBytes { memcmp($0.baseAddress.unsafelyUnwrapped, bp, a.count) == 0 }
    }

    /// The index of the entry for `raw`, if cached.
    func find(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> Int? {
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 {
            let e = Int(slots[i]) - 1
            if entries[e].hash == h && Self.equal(entries[e].raw, raw) { return e }
            i = (i &+ 1) & mask
        }
        return nil
    }

    private mutating func place(_ h: UInt64, _ index: Int) {
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 { i = (i &+ 1) & mask }
        slots[i] = Int32(truncatingIfNeeded: index + 1)
    }

    private mutating func rebuildSlots(capacity: Int) {
        var size = 64
        while size < capacity * 2 { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        for i in entries.indices { place(entries[i].hash, i) }
    }

    /// Marks entry `i` seen by this scrape; returns false when it was already (a repeated series).
    mutating func markSeen(_ i: Int) -> Bool {
        if entries[i].seen == generation { return false }
        entries[i].seen = generation
        return true
    }

    /// Whether entry `i`'s series is stored (not dropped by relabeling).
    func isKept(_ i: Int) -> Bool { entries[i].labels != nil }
    func labels(_ i: Int) -> Labels? { entries[i].labels }
    func series(_ i: Int) -> MemSeries? { entries[i].series }

    /// Records the head ref and series of entry `i`.
    mutating func setSeries(_ i: Int, ref: UInt32?, series: MemSeries?) {
        entries[i].ref = ref
        entries[i].series = series
    }

    /// Caches a new series seen in this scrape; returns its index.
    @discardableResult
    mutating func insert(_ raw: UnsafeRawBufferPointer, hash h: UInt64, labels: Labels?, ref: UInt32?) -> Int {
        let i = entries.count
        entries.append(Entry(raw: Array(raw), labels: labels, ref: ref, series: nil, seen: generation, hash: h))
        if (i + 1) * 2 > slots.count { rebuildSlots(capacity: i + 1) } else { place(h, i) }
        return i
    }

    /// Series seen by the previous scrape but not this one (they get stale markers); entries
    /// unseen for `keep` scrapes are dropped.
    mutating func vanished(keep: UInt64 = 10) -> [(labels: Labels, ref: UInt32?)] {
        var out: [(Labels, UInt32?)] = []
        let prev = generation &- 1
        var dead = 0
        // By index, reading only `seen`: iterating entries would copy (retain) each one.
        for i in entries.indices {
            let seen = entries[i].seen
            if seen == prev, let l = entries[i].labels { out.append((l, entries[i].ref)) }
            if generation &- seen > keep { dead += 1 }
        }
        if dead > 0 && dead * 4 >= entries.count { compact(keep: keep) }
        return out
    }

    private mutating func compact(keep: UInt64) {
        entries.removeAll { generation &- $0.seen > keep }
        rebuildSlots(capacity: entries.count)
    }

    /// Every series the last scrape saw (for stale markers when the target goes away).
    func seenLastScrape() -> [(labels: Labels, ref: UInt32?)] {
        entries.compactMap { e in e.seen == generation ? e.labels.map { ($0, e.ref) } : nil }
    }

    /// Number of cached series.
    var count: Int { entries.count }
}
