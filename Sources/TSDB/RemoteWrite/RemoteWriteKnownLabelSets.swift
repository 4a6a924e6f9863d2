import Synchronization

/// Hashes of label spans that already passed full validation under the current limits, so a
/// series sent again (every scrape interval, by any sender) skips re-checking its labels.
///
/// One table serves every decoder of a pool (a table per decoder held the same series once per
/// concurrent request, a megabyte each at 100 k series). A request takes the lock twice: once
/// to look up all its series, once to add those it validated.
///
/// A lossy two-way set-associative table of 64-bit hashes (seeded per process): a forgotten
/// span is simply validated again. Only a 64-bit collision between a valid and an invalid span
/// could let the invalid one skip the checks; `makeLabels()` still validates on a cache miss.
final class RemoteWriteKnownLabelSets: Sendable {
    private typealias Table = RemoteWriteKnownLabelSetTable
    private let table: Mutex<Table>

    /// A table of `capacity` hashes (rounded up to a power of two; 0 disables it).
    init(capacity: Int) {
        table = Mutex(Table(capacity: capacity))
    }

    /// Marks the records whose label spans are not known under `limits` (or are interleaved,
    /// never remembered) as needing validation; returns how many.
    func markUnknown(_ records: UnsafeMutableBufferPointer<RemoteWriteSeriesRecord>, limits: RemoteWriteLimits) -> Int {
        table.withLock { t in
            t.prepare(for: limits)
            return t.markUnknown(records)
        }
    }

    /// Remembers `hashes`, validated under `limits`.
    func insert(_ hashes: [UInt64], limits: RemoteWriteLimits) {
        guard !hashes.isEmpty else { return }
        table.withLock { t in
            t.prepare(for: limits)
            for h in hashes { t.insert(h) }
        }
    }
}

/// The table behind `RemoteWriteKnownLabelSets` (not thread-safe).
struct RemoteWriteKnownLabelSetTable: Sendable {
    private var slots: [UInt64] = []
    private let capacity: Int
    /// The limits the remembered spans were validated under; other limits start afresh.
    private var limits: RemoteWriteLimits?

    /// A table of `capacity` hashes (rounded up to a power of two; 0 disables it).
    init(capacity: Int) {
        self.capacity = capacity <= 0 ? 0 : max(2, 1 << (Int.bitWidth - (capacity - 1).leadingZeroBitCount))
    }

    /// Forgets everything if `limits` differ from those of the remembered spans.
    mutating func prepare(for limits: RemoteWriteLimits) {
        guard capacity > 0 else { return }
        if slots.isEmpty { slots = Array(repeating: 0, count: capacity) }
        if self.limits != limits {
            if self.limits != nil { for i in slots.indices { slots[i] = 0 } }
            self.limits = limits
        }
    }

    /// 0 marks an empty slot, so hash 0 is stored as 1.
    @inline(__always) private static func key(_ hash: UInt64) -> UInt64 { hash == 0 ? 1 : hash }

    /// The first slot of `hash`'s pair in a table of `count` slots (a power of two).
    @inline(__always) private static func pair(_ hash: UInt64, _ count: Int) -> Int {
        Int(truncatingIfNeeded: hash >> 32) & (count - 2)
    }

    /// Marks the records whose label spans are not known (or are interleaved, never remembered)
    /// as needing validation; returns how many. All slots are prefetched first, so the lookups'
    /// cache misses overlap instead of following one another.
    func markUnknown(_ records: UnsafeMutableBufferPointer<RemoteWriteSeriesRecord>) -> Int {
        slots.withUnsafeBufferPointer { s in
            var unknown = 0
            guard let b = s.baseAddress else {
                for i in records.indices { records[i].needsValidation = true }
                return records.count
            }
            for r in records { Prefetch.read(b + Self.pair(r.labelHash, s.count)) }
            for i in records.indices {
                let k = Self.key(records[i].labelHash)
                let slot = Self.pair(records[i].labelHash, s.count)
                if records[i].labelsInterleaved || (s[slot] != k && s[slot + 1] != k) {
                    records[i].needsValidation = true
                    unknown += 1
                }
            }
            return unknown
        }
    }

    /// Remembers `hash`, evicting the older entry of its pair.
    @inline(__always) mutating func insert(_ hash: UInt64) {
        guard !slots.isEmpty else { return }
        let k = Self.key(hash)
        let i = Self.pair(hash, slots.count)
        slots.withUnsafeMutableBufferPointer { s in
            s[i + 1] = s[i]
            s[i] = k
        }
    }
}
