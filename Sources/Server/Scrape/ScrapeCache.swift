import Foundation
import TSDB

/// Per-target memory of the series a target exposes, keyed by the raw series text of the
/// exposition (`name{labels}` exactly as sent), so a known series costs a hash and a compare,
/// not parsing labels, relabeling and a label-set lookup.
///
/// Also tracks which series each scrape saw, for stale markers on the ones that disappear.
///
/// Laid out for the way targets behave: they expose the same series in the same order every
/// time. Entries are kept in first-seen order and their raw texts back to back in one arena, so
/// a scrape walks both sequentially (the hardware prefetcher keeps up), and the entry after the
/// last one found is tried before the hash table; the parser gets it as a hint, and a line that
/// starts with its text is neither label-parsed nor hashed. An open-addressing table of entry indices
/// finds the rest by the (already well-mixed) hash of the raw text.
struct ScrapeCache {
    struct Entry {
        /// Where the raw series text sits in `arena`, to rule out hash collisions.
        var rawOffset: Int
        var rawCount: Int
        /// What parsing the raw text gave (see `ExpositionSeriesHint`).
        var nameLength: Int32
        /// What parsing the raw text gave (see `ExpositionSeriesHint`).
        var labelCount: Int32
        var labelsHaveEscapes: Bool
        var openMetrics: Bool
        /// The last sample carried its own timestamp: as in Prometheus, such a series gets no
        /// stale marker when it disappears (the exporter owns its timeline).
        var explicitTimestamp = false
        /// Final labels (after target labels and metric relabeling); nil when relabeling dropped it.
        var labels: Labels?
        /// Head series ref, once known.
        var ref: UInt32?
        /// The head series itself (one lookup less per sample); nil until known or after head GC.
        var series: MemSeries?
        /// The same, for use without a retain (an atomic per sample); `series` keeps it alive.
        var unretainedSeries: Unmanaged<MemSeries>?
        /// The scrape generation that last saw this series, and the one before (to undo a failed scrape).
        var seen: UInt64
        var previousSeen: UInt64
        var hash: UInt64
    }

    /// `previousSeen` of an entry no earlier scrape saw.
    private static let neverSeen = UInt64.max

    private var entries: [Entry] = []
    private var arena: [UInt8] = []
    /// Entry index + 1 per slot, 0 when empty; at most half full.
    private var slots: [Int32] = []
    /// The entry expected next: the one after the last found.
    private var hint = 0
    /// Incremented per scrape.
    private(set) var generation: UInt64 = 0

    /// Starts a new scrape.
    mutating func beginScrape() {
        generation &+= 1
        hint = 0
    }

    /// Forgets what the current scrape saw (it failed, and stored nothing), so the series of the
    /// last stored scrape are the ones `vanished()` reports next.
    mutating func abortScrape() {
        for i in entries.indices where entries[i].seen == generation { entries[i].seen = entries[i].previousSeen }
        generation &-= 1
    }

    /// A fast seeded hash of the raw bytes.
    @inline(__always)
    static func hash(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        LabelBytesHash.hash(raw, seed: LabelBytesHash.processSeed)
    }

    @inline(__always)
    private func rawEquals(_ e: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let count = entries[e].rawCount
        guard count == raw.count else { return false }
        guard let bp = raw.baseAddress, count > 0 else { return count == 0 }
        let offset = entries[e].rawOffset
        return arena.withUnsafeBytes { memcmp($0.baseAddress.unsafelyUnwrapped + offset, bp, count) == 0 }
    }

    /// Calls `body` with a hint for the entry expected next (nil after the last), valid during the call.
    func withExpectedHint<R>(_ body: (ExpositionSeriesHint?) throws(ExpositionError) -> R) throws(ExpositionError) -> R {
        guard hint < entries.count else { return try body(nil) }
        let e = hint
        // Through a Result: `withUnsafeBytes` rethrows untyped errors.
        let result: Result<R, ExpositionError> = arena.withUnsafeBytes { a in
            do throws(ExpositionError) {
                return .success(try body(ExpositionSeriesHint(
                    bytes: UnsafeRawBufferPointer(rebasing: a[entries[e].rawOffset..<entries[e].rawOffset + entries[e].rawCount]),
                    nameLength: Int(entries[e].nameLength), labelCount: Int(entries[e].labelCount), labelsHaveEscapes: entries[e].labelsHaveEscapes,
                    openMetrics: entries[e].openMetrics)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// The expected entry, after the parser found its series at the start of the line.
    mutating func takeExpected() -> Int {
        hint += 1
        return hint - 1
    }

    /// The index of the entry for `raw`, if cached.
    mutating func find(_ raw: UnsafeRawBufferPointer, hash h: UInt64) -> Int? {
        let expected = hint
        if expected < entries.count, entries[expected].hash == h, rawEquals(expected, raw) {
            hint = expected + 1
            return expected
        }
        guard !slots.isEmpty else { return nil }
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while slots[i] != 0 {
            let e = Int(slots[i]) - 1
            if entries[e].hash == h && rawEquals(e, raw) {
                hint = e + 1
                return e
            }
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
        entries[i].previousSeen = entries[i].seen
        entries[i].seen = generation
        return true
    }

    /// Notes whether entry `i`'s sample in this scrape had its own timestamp.
    mutating func setExplicitTimestamp(_ i: Int, _ explicit: Bool) {
        if entries[i].explicitTimestamp != explicit { entries[i].explicitTimestamp = explicit }
    }

    /// Whether entry `i`'s series is stored (not dropped by relabeling).
    func isKept(_ i: Int) -> Bool { entries[i].labels != nil }
    func labels(_ i: Int) -> Labels? { entries[i].labels }

    /// Starts loading entry `i`'s head series (see `Prefetch`), a few samples ahead of its append.
    @inline(__always) func prefetchSeries(_ i: Int) {
        entries.withUnsafeBufferPointer { e in
            if let s = e[i].unretainedSeries { MemSeries.prefetch(s) }
        }
    }

    /// Appends a sample to entry `i`'s cached head series; false when there is none (or head GC
    /// removed it): then look it up by labels.
    @inline(__always) func append(_ i: Int, t: Int64, v: Double, to app: inout HeadAppender) -> Bool {
        guard let u = entries.withUnsafeBufferPointer({ $0[i].unretainedSeries }) else { return false }
        return u._withUnsafeGuaranteedRef { s in (try? app.append(series: s, t: t, v: v)) != nil }
    }

    /// Records the head ref and series of entry `i`.
    mutating func setSeries(_ i: Int, ref: UInt32?, series: MemSeries?) {
        entries[i].ref = ref
        entries[i].series = series
        entries[i].unretainedSeries = series.map(Unmanaged.passUnretained)
    }

    /// Caches a new series seen in this scrape; returns its index.
    @discardableResult
    mutating func insert(_ sample: ExpositionSample, openMetrics: Bool, hash h: UInt64, labels: Labels?, ref: UInt32?) -> Int {
        let raw = sample.series
        let i = entries.count
        let offset = arena.count
        arena.append(contentsOf: raw)
        entries.append(Entry(
            rawOffset: offset, rawCount: raw.count, nameLength: Int32(truncatingIfNeeded: sample.metricNameBytes.count),
            labelCount: Int32(truncatingIfNeeded: sample.labelCount), labelsHaveEscapes: sample.labelsHaveEscapes, openMetrics: openMetrics,
            labels: labels, ref: ref, series: nil, unretainedSeries: nil,
            seen: generation, previousSeen: Self.neverSeen, hash: h))
        if (i + 1) * 2 > slots.count { rebuildSlots(capacity: i + 1) } else { place(h, i) }
        hint = i + 1
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
            if seen == prev, !entries[i].explicitTimestamp, let l = entries[i].labels { out.append((l, entries[i].ref)) }
            if generation &- seen > keep { dead += 1 }
        }
        if dead > 0 && dead * 4 >= entries.count { compact(keep: keep) }
        return out
    }

    private mutating func compact(keep: UInt64) {
        let old = arena
        arena.removeAll(keepingCapacity: true)
        entries.removeAll { generation &- $0.seen > keep }
        for i in entries.indices {
            let offset = arena.count
            old.withUnsafeBytes { arena.append(contentsOf: UnsafeRawBufferPointer(rebasing: $0[entries[i].rawOffset..<entries[i].rawOffset + entries[i].rawCount])) }
            entries[i].rawOffset = offset
        }
        rebuildSlots(capacity: entries.count)
        hint = 0
    }

    /// Every series the last scrape saw (for stale markers when the target goes away).
    func seenLastScrape() -> [(labels: Labels, ref: UInt32?)] {
        entries.compactMap { e in e.seen == generation && !e.explicitTimestamp ? e.labels.map { ($0, e.ref) } : nil }
    }

    /// Number of cached series.
    var count: Int { entries.count }
}
