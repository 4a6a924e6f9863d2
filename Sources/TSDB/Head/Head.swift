import Synchronization

/// The in-memory, appendable part of the database: series, their open chunks and a label index.
///
/// Thread-safe. Series lookup is striped by label hash and by ref, and each series has its own
/// lock, so concurrent appenders only contend when they touch the same stripe at the same moment.
public final class Head: Sendable {
    static let stripeCount = 256

    private let hashStripes: [LockedValue<SeriesHashMap>]
    private let refStripes: [LockedValue<RefTable>]
    private let nextRef = Atomic<UInt32>(1)
    let postings = MemPostings()
    /// Label names and values, numbered (series keep their labels as ids).
    public let symbols = SymbolTable()
    /// The bytes of closed chunks.
    public let chunkStore: HeadChunkStore

    /// Samples per chunk before a new one is cut.
    public let samplesPerChunk: Int
    /// Block range (ms): chunks never cross a multiple of it.
    public let blockRange: Int64

    private let minT = Atomic<Int64>(.max)
    private let maxT = Atomic<Int64>(.min)
    /// Samples older than this are rejected: that span is already persisted in blocks.
    let minValidTime = Atomic<Int64>(.min)
    private let seriesCount = Atomic<Int>(0)
    private let removals = Atomic<Int>(0)
    /// Incremented each time head GC removes series: caches of `MemSeries` objects compare it
    /// to drop entries that may be gone.
    public var removalGeneration: Int { removals.load(ordering: .relaxed) }
    private let sampleCount = Atomic<Int>(0)
    private let appendedCount = Atomic<Int>(0)

    /// Creates an empty head; closed chunks go to files under `chunkDirectory`, or stay in
    /// memory without one.
    public init(samplesPerChunk: Int = 120, blockRange: Int64 = 2 * 3_600_000, chunkDirectory: String? = nil) {
        self.samplesPerChunk = samplesPerChunk
        self.blockRange = blockRange
        chunkStore = HeadChunkStore(directory: chunkDirectory)
        hashStripes = (0..<Self.stripeCount).map { _ in LockedValue(SeriesHashMap()) }
        refStripes = (0..<Self.stripeCount).map { _ in LockedValue(RefTable()) }
    }

    /// Number of series in the head.
    public var numSeries: Int { seriesCount.load(ordering: .relaxed) }
    /// Number of samples held in memory.
    public var numSamples: Int { sampleCount.load(ordering: .relaxed) }
    /// Samples appended since the head was created (never decreases).
    public var appendedTotal: Int { appendedCount.load(ordering: .relaxed) }
    /// Oldest sample time in the head, nil when empty.
    public var minTime: Int64? { let v = minT.load(ordering: .relaxed); return v == .max ? nil : v }
    /// Newest sample time in the head, nil when empty.
    public var maxTime: Int64? { let v = maxT.load(ordering: .relaxed); return v == .min ? nil : v }

    // The stripe takes the top bits; the map inside a stripe probes with the low bits.
    @inline(__always) private func hashStripe(_ h: UInt64) -> Int { Int(truncatingIfNeeded: h >> 56) & (Self.stripeCount - 1) }
    @inline(__always) private func refStripe(_ r: UInt32) -> Int { Int(r & UInt32(Self.stripeCount - 1)) }
    @inline(__always) private func refSlot(_ r: UInt32) -> Int { Int(r) / Self.stripeCount }

    /// The series with `labels`, if present.
    public func series(labels: Labels) -> MemSeries? {
        let h = labels.stableHash
        return hashStripes[hashStripe(h)].withLock { $0.find(h) { $0.hasLabels(labels) } }
    }

    /// The series with head ref `ref`, if present.
    public func series(ref: UInt32) -> MemSeries? {
        refStripes[refStripe(ref)].withLock { $0.get(refSlot(ref)) }
    }

    /// Finds or creates the series for `labels`. `ref` forces the ref (WAL replay).
    func getOrCreate(_ labels: Labels, ref forcedRef: UInt32? = nil, logged: Bool = false) -> (series: MemSeries, created: Bool) {
        let h = labels.stableHash
        let stripe = hashStripe(h)
        if let s = series(labels: labels) { return (s, false) }
        let encoded = symbols.encode(labels)
        let result: (MemSeries, Bool) = hashStripes[stripe].withLock { s in
            // Another appender created it meanwhile: `encoded` gives its uses back as it goes.
            if let x = s.find(h, where: { $0.hasLabels(labels) }) { return (x, false) }
            let ref: UInt32
            if let f = forcedRef {
                ref = f
                // Keep fresh refs above every replayed one.
                var cur = nextRef.load(ordering: .relaxed)
                while cur <= f {
                    let (ok, orig) = nextRef.compareExchange(expected: cur, desired: f &+ 1, ordering: .relaxed)
                    if ok { break }
                    cur = orig
                }
            } else {
                ref = nextRef.wrappingAdd(1, ordering: .relaxed).oldValue
            }
            let ms = MemSeries(ref: ref, labels: labels, labelIDs: encoded, logged: logged)
            s.insert(h, ms)
            return (ms, true)
        }
        if result.1 {
            let ms = result.0
            refStripes[refStripe(ms.ref)].withLock { $0.set(refSlot(ms.ref), ms) }
            postings.add(ms.ref, labels)
            seriesCount.wrappingAdd(1, ordering: .relaxed)
        }
        return result
    }

    /// Records that samples at `t` were stored (for min/max time and counts).
    func noteAppended(minT t0: Int64, maxT t1: Int64, count: Int) {
        _ = minT.min(t0, ordering: .relaxed)
        _ = maxT.max(t1, ordering: .relaxed)
        sampleCount.wrappingAdd(count, ordering: .relaxed)
        appendedCount.wrappingAdd(count, ordering: .relaxed)
    }

    /// Appends one sample straight into memory (WAL replay): no WAL write, same order rules.
    func appendReplayed(_ s: MemSeries, t: Int64, v: Double) -> SampleVerdict {
        let verdict: SampleVerdict = s.state.withLock { st in
            let verdict = st.classify(t, v.bitPattern)
            if case .accept = verdict { st.commit(t, v, samplesPerChunk: samplesPerChunk, blockRange: blockRange, store: chunkStore) }
            return verdict
        }
        if case .accept = verdict { noteAppended(minT: t, maxT: t, count: 1) }
        return verdict
    }

    /// All series refs currently in the head (unsorted).
    func allSeries() -> [MemSeries] {
        var out: [MemSeries] = []
        out.reserveCapacity(numSeries)
        for s in refStripes { s.withLock { out.append(contentsOf: $0.all) } }
        return out
    }

    /// All series with their labels, sorted by labels: the order blocks are written in.
    func sortedSeries() -> [(labels: Labels, series: MemSeries)] {
        allSeries().map { ($0.labels, $0) }.sorted { $0.labels < $1.labels }
    }

    /// Drops all chunk data before `mint`, removes series left without data whose newest sample
    /// is older than `mint`, and raises the minimum valid time. Returns removed series refs.
    /// Takes a series GC has marked removed out of the label lookup now (GC does it too, later;
    /// removal is by identity, so twice is harmless), so an appender that found it removed gets
    /// a new series on its next lookup instead of the same removed one.
    func unlinkRemoved(_ s: MemSeries) {
        let h = s.labelsHash
        hashStripes[hashStripe(h)].withLock { $0.remove(h, s) }
    }

    @discardableResult
    func truncate(before mint: Int64) -> [UInt32] {
        _ = minValidTime.max(mint, ordering: .relaxed)
        var removed: [MemSeries] = []
        var dropped = 0
        var newMin = Int64.max
        for ms in allSeries() {
            let (gone, d, smin): (Bool, Int, Int64?) = ms.state.withLock { st in
                let d = st.truncate(before: mint)
                // Keep series with in-flight appends: an appender holds them (unretained). An
                // appender that looked a series up but has not reserved yet finds it removed
                // when it does, and looks it up again.
                let gone = st.isEmpty && st.inFlight == 0 && st.pendingT <= st.lastT
                if gone { st.removed = true }
                return (gone, d, st.minTime)
            }
            dropped += d
            if gone { removed.append(ms) } else if let m = smin { newMin = Swift.min(newMin, m) }
        }
        for ms in removed {
            let h = ms.labelsHash
            hashStripes[hashStripe(h)].withLock { $0.remove(h, ms) }
            refStripes[refStripe(ms.ref)].withLock { $0.set(refSlot(ms.ref), nil) }
        }
        postings.remove(Set(removed.map(\.ref)))
        if !removed.isEmpty { removals.wrappingAdd(1, ordering: .relaxed) }
        seriesCount.wrappingAdd(-removed.count, ordering: .relaxed)
        sampleCount.wrappingAdd(-dropped, ordering: .relaxed)
        minT.store(newMin, ordering: .relaxed)
        if newMin == .max { maxT.store(.min, ordering: .relaxed) }
        chunkStore.release(before: mint)
        return removed.map(\.ref)
    }

    /// Moves the open chunks' completed bytes to the chunk files (those with at least `minimum`
    /// in memory; see `OpenHeadChunk.spill`), for when appends pause: the head then holds no
    /// finished chunk bytes in memory. Takes each series' lock once.
    public func spillOpenChunks(minimum: Int = 32) {
        guard chunkStore.spillsOpenChunks else { return }
        for ms in allSeries() { ms.state.withLock { $0.spillOpenChunk(store: chunkStore, minimum: minimum) } }
    }

    /// Packs the series' chunk buffers into fewer slabs (see `SlabAllocator.beginEvacuation`), so
    /// the memory of buffer sizes the series have mostly moved on from goes back to the OS.
    /// Takes each series' lock once, briefly; returns the slabs that were evacuated.
    /// With `fully` (when appends pause), packs as tightly as the slabs' holes allow.
    @discardableResult
    public func compactChunkBuffers(fully: Bool = false) -> Int {
        let slabs = SlabAllocator.shared
        let marked = slabs.beginEvacuation(fully: fully)
        guard marked > 0 else { return 0 }
        defer { slabs.endEvacuation() }
        for ms in allSeries() { ms.state.withLock { $0.relocateBuffers() } }
        return marked
    }

    /// `series`' chunks overlapping `[mint, maxt]` (see `MemSeries.chunks`).
    func chunks(of series: MemSeries, mint: Int64, maxt: Int64) -> [SealedXORChunk] {
        series.chunks(mint: mint, maxt: maxt, store: chunkStore)
    }

    /// Chunks held and their encoded bytes (walks every series: for diagnostics and benchmarks).
    public func chunkStats() -> (chunks: Int, encodedBytes: Int) {
        var n = 0, bytes = 0
        for ms in allSeries() {
            for c in chunks(of: ms, mint: .min, maxt: .max) { n += 1; bytes += c.encodedByteCount }
        }
        return (n, bytes)
    }

    /// An index reader over a snapshot of the head's postings.
    public func indexReader() -> HeadIndexReader { HeadIndexReader(head: self, postings: postings) }
}
