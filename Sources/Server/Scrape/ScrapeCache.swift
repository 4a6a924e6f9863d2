import TSDB

/// Per-target memory of the series a target exposes, keyed by the raw series text of the
/// exposition (`name{labels}` exactly as sent), so a known series costs a hash and a compare,
/// not parsing labels, relabeling and a label-set lookup.
///
/// Also tracks which series each scrape saw, for stale markers on the ones that disappear.
/// Entries live in one array updated in place (no copy-on-write per sample); the dictionary
/// maps a hash to the first entry of its collision chain.
struct ScrapeCache {
    struct Entry {
        /// The raw series text, to rule out hash collisions.
        var raw: [UInt8]
        /// Final labels (after target labels and metric relabeling); nil when relabeling dropped it.
        var labels: Labels?
        /// Head series ref, once known.
        var ref: UInt32?
        /// The scrape generation that last saw this series.
        var seen: UInt64
        /// Next entry with the same hash, or -1.
        var next: Int
        var hash: UInt64
    }

    private var entries: [Entry] = []
    private var heads: [UInt64: Int] = [:]
    /// Incremented per scrape.
    private(set) var generation: UInt64 = 0

    /// Starts a new scrape.
    mutating func beginScrape() { generation &+= 1 }

    /// FNV-1a over the raw bytes (series texts are short).
    @inline(__always)
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in raw { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    /// The index of the entry for `raw`, if cached.
    func find(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> Int? {
        var i = heads[h] ?? -1
        while i >= 0 {
            if entries[i].raw.elementsEqual(raw) { return i }
            i = entries[i].next
        }
        return nil
    }

    /// Marks entry `i` seen by this scrape; returns false when it was already (a repeated series).
    mutating func markSeen(_ i: Int) -> Bool {
        if entries[i].seen == generation { return false }
        entries[i].seen = generation
        return true
    }

    func entry(_ i: Int) -> Entry { entries[i] }

    /// Records the head ref of entry `i`.
    mutating func setRef(_ i: Int, _ ref: UInt32?) { entries[i].ref = ref }

    /// Caches a new series seen in this scrape; returns its index.
    @discardableResult
    mutating func insert(_ raw: UnsafeRawBufferPointer, hash h: UInt64, labels: Labels?, ref: UInt32?) -> Int {
        let i = entries.count
        entries.append(Entry(raw: Array(raw), labels: labels, ref: ref, seen: generation, next: heads[h] ?? -1, hash: h))
        heads[h] = i
        return i
    }

    /// Series seen by the previous scrape but not this one (they get stale markers); entries
    /// unseen for `keep` scrapes are dropped.
    mutating func vanished(keep: UInt64 = 10) -> [(labels: Labels, ref: UInt32?)] {
        var out: [(Labels, UInt32?)] = []
        let prev = generation &- 1
        var dead = 0
        for e in entries {
            if e.seen == prev, let l = e.labels { out.append((l, e.ref)) }
            if generation &- e.seen > keep { dead += 1 }
        }
        if dead > 0 && dead * 4 >= entries.count { compact(keep: keep) }
        return out
    }

    private mutating func compact(keep: UInt64) {
        let old = entries
        entries = []
        heads = [:]
        for var e in old where generation &- e.seen <= keep {
            e.next = heads[e.hash] ?? -1
            heads[e.hash] = entries.count
            entries.append(e)
        }
    }

    /// Every series the last scrape saw (for stale markers when the target goes away).
    func seenLastScrape() -> [(labels: Labels, ref: UInt32?)] {
        entries.compactMap { e in e.seen == generation ? e.labels.map { ($0, e.ref) } : nil }
    }

    /// Number of cached series.
    var count: Int { entries.count }
}
