/// An open-addressing map from an already well-mixed 64-bit key to a series.
///
/// Swift's `Dictionary` re-hashes every key with SipHash; series keys are label hashes (or
/// refs mixed below), so hashing them again is wasted work on the append path.
/// Linear probing with backward-shift deletion; not thread-safe (callers hold a stripe lock).
struct SeriesHashMap {
    // Key and value side by side: one cache miss per probe instead of two.
    struct Entry {
        var key: UInt64
        var value: MemSeries?
    }
    private var entries: [Entry] = []
    private var mask = -1
    private(set) var count = 0

    /// The first series stored under `key` for which `match` holds.
    @inline(__always) func find(_ key: UInt64, where match: (MemSeries) -> Bool) -> MemSeries? {
        guard count > 0 else { return nil }
        return entries.withUnsafeBufferPointer { e in
            var i = Int(truncatingIfNeeded: key) & mask
            while let v = e[i].value {
                if e[i].key == key, match(v) { return v }
                i = (i &+ 1) & mask
            }
            return nil
        }
    }

    /// Inserts (duplicates of a key are allowed: hash collisions of different label sets).
    mutating func insert(_ key: UInt64, _ value: MemSeries) {
        // Up to 7/8 full (16 bytes a slot, so 18-37 bytes per series instead of 21-43 at 3/4).
        // Linear probing at the limit: a hit reads about 4.5 consecutive slots (one or two cache
        // lines), a miss (a new series) about 32; misses are rare once a head is warm.
        if (count + 1) * 8 > entries.count * 7 { grow() }
        var i = Int(truncatingIfNeeded: key) & mask
        while entries[i].value != nil { i = (i &+ 1) & mask }
        entries[i] = Entry(key: key, value: value)
        count += 1
    }

    /// Removes the entry holding exactly `value` under `key`.
    mutating func remove(_ key: UInt64, _ value: MemSeries) {
        guard count > 0 else { return }
        var i = Int(truncatingIfNeeded: key) & mask
        while let v = entries[i].value {
            if v === value { break }
            i = (i &+ 1) & mask
        }
        guard entries[i].value != nil else { return }
        entries[i].value = nil
        count -= 1
        // Backward-shift: pull later entries of the probe run into the hole.
        var hole = i
        var j = (i &+ 1) & mask
        while entries[j].value != nil {
            let home = Int(truncatingIfNeeded: entries[j].key) & mask
            // Move v if its home is not in the cyclic range (hole, j].
            let inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !inRange {
                entries[hole] = entries[j]
                entries[j].value = nil
                hole = j
            }
            j = (j &+ 1) & mask
        }
    }

    /// Every stored series.
    var all: [MemSeries] { entries.compactMap(\.value) }

    private mutating func grow() {
        let newSize = Swift.max(16, entries.count * 2)
        let old = entries
        entries = [Entry](repeating: Entry(key: 0, value: nil), count: newSize)
        mask = newSize - 1
        count = 0
        for e in old { if let v = e.value { insert(e.key, v) } }
    }
}
