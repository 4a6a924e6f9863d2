/// One series in the head: its identity and its in-memory chunks, guarded by its own lock.
public final class MemSeries: Sendable {
    // Field order is layout (a class's fields are not reordered): the lock's 4-byte word ends
    // `state` and `ref` fills the 4 bytes after it, so the object is 120 bytes, which glibc
    // serves from 128-byte chunks instead of 144 (1.6 MB per 100 k series).
    let state: SpinMutex<SeriesState>
    /// Head-local series reference (also the WAL's series ref).
    public let ref: UInt32
    /// The stable hash of the series' labels.
    public let labelsHash: UInt64
    /// The labels as symbol ids (see `SymbolTable.encode`): a few dozen bytes instead of ~200
    /// for an array of strings, for every active series. They give their uses of the symbols
    /// back when the last holder of the series is gone.
    private let labelIDs: SeriesLabelIDs

    /// A series with `labels`, encoded as `labelIDs` (encoding takes the symbol table's locks:
    /// callers do it before taking their own).
    init(ref: UInt32, labels: Labels, labelIDs: SeriesLabelIDs, logged: Bool) {
        self.ref = ref
        labelsHash = labels.stableHash
        self.labelIDs = labelIDs
        self.state = SpinMutex(SeriesState(logged: logged))
    }

    /// A series with `labels`, encoded in `symbols`.
    convenience init(ref: UInt32, labels: Labels, symbols: SymbolTable = SymbolTable(), logged: Bool) {
        self.init(ref: ref, labels: labels, labelIDs: symbols.encode(labels), logged: logged)
    }

    /// The series' labels (built from the symbol ids on each call).
    public var labels: Labels { labelIDs.labels(hash: labelsHash) }

    /// True when the series' labels are exactly `labels`, without building them.
    func hasLabels(_ labels: Labels) -> Bool {
        labels.stableHash == labelsHash && labelIDs.matches(labels)
    }

    /// Starts loading the open chunk's first bytes (a reader's first touch), for selections that
    /// walk many series: the address is read under the lock, the prefetch never faults.
    func prefetchOpenChunk() {
        let a: ChunkTouchAddresses? = state.withLock { s in s.open.map(\.touchAddresses) }
        if let a { Prefetch.read(a.header + 16) }
    }

    /// The chunks overlapping `[mint, maxt]`, copied so the caller reads them without the lock:
    /// the closed ones out of `store` into one buffer, the open one as a sealed copy. A closed
    /// chunk the head drops meanwhile (its block was just persisted) is left out.
    func chunks(mint: Int64, maxt: Int64, store: HeadChunkStore) -> [SealedXORChunk] {
        var records: [ClosedChunkList.Record] = []
        let open: SealedXORChunk? = state.withLock { s in
            s.closed?.chunks(mint: mint, maxt: maxt, into: &records)
            // The open chunk keeps growing: readers get a sealed copy of what it holds now.
            if let o = s.open, o.count > 0, s.lastT >= mint, o.minTime <= maxt { return o.sealed(maxTime: s.lastT, store: store) }
            return nil
        }
        var out: [SealedXORChunk] = []
        out.reserveCapacity(records.count &+ 1)
        if !records.isEmpty {
            let total = records.reduce(0) { $0 &+ Int($1.ref.length) }
            var bytes = XORChunkStorage(zeroedCount: total &+ BitReader.validStreamPadding)
            _ = bytes.isUnique()
            let kept = bytes.withMutableBase { store.read(records, into: $0) }
            for (r, start) in kept {
                out.append(SealedXORChunk(storage: bytes, start: start, length: Int(r.ref.length), minTime: r.minTime, maxTime: r.maxTime))
            }
        }
        if let open { out.append(open) }
        return out
    }
}

/// Mutable per-series state. Timestamps are milliseconds. Kept small (80 bytes): a head holds
/// one per active series.
///
/// Non-copyable because it owns its chunks' slab buffers, which it frees as it replaces them
/// and when it goes away.
struct SeriesState: ~Copyable {
    /// Full chunks, oldest first, non-overlapping.
    var closed: ClosedChunkList? = nil
    /// The chunk being appended to.
    var open: OpenHeadChunk? = nil
    /// Whether the series record is known to be in the WAL.
    var logged: Bool
    /// Set when head GC removed the series: a holder of the object must look it up again.
    var removed = false
    /// Samples appenders have reserved on this series and not yet committed or rolled back.
    /// Head GC keeps a series while this is non-zero, which is what lets appenders hold it
    /// unretained in between.
    var inFlight: UInt32 = 0
    /// Newest committed sample (also the open chunk's encoder state).
    var lastT: Int64 = .min
    var lastV: UInt64 = 0
    /// Newest sample reserved by an appender that has not committed yet.
    var pendingT: Int64 = .min
    var pendingV: UInt64 = 0

    init(logged: Bool) { self.logged = logged }

    deinit {
        closed?.release()
        open?.release()
    }

    /// The newest accepted-or-reserved sample, against which new samples are checked.
    var highT: Int64 { Swift.max(lastT, pendingT) }
    var highV: UInt64 { pendingT > lastT ? pendingV : lastV }

    /// Classifies a candidate sample against the newest accepted or reserved one.
    func classify(_ t: Int64, _ bits: UInt64) -> SampleVerdict {
        let ht = highT
        if t > ht { return .accept }
        if t == ht { return bits == highV ? .duplicateIgnored : .duplicate }
        return .outOfOrder
    }

    /// Appends a sample known to be newer than `lastT`.
    mutating func commit(_ t: Int64, _ v: Double, samplesPerChunk: Int, blockRange: Int64, store: HeadChunkStore) {
        let perChunk = Swift.min(samplesPerChunk, XORChunk.maxSamples)
        if _slowPath(open.map { Int($0.count) >= perChunk || t >= $0.end } ?? true) {
            // `closing` frees the previous list.
            if let o = open, o.count > 0 { closed = o.closing(into: closed, maxTime: lastT, store: store) }
            // Align the chunk window to the block range so chunks never straddle blocks.
            let end = alignDown(t, blockRange) &+ blockRange
            if open != nil { open?.restart(end: end) } else { open = OpenHeadChunk(end: end) }
        }
        // Optional chaining mutates in place: no copy-on-write of the chunk's bytes.
        open?.append(t: t, bits: v.bitPattern, lastT: lastT, lastBits: lastV, store: store)
        if _slowPath(open.map { Int($0.count) >= perChunk } ?? false) { open?.shrinkToFit() }
        lastT = t
        lastV = v.bitPattern
    }

    /// Drops chunks that end before `mint`; returns the number of samples dropped.
    mutating func truncate(before mint: Int64) -> Int {
        var dropped = 0
        if let c = closed {
            // Frees the old list when it drops anything.
            let r = c.dropping(before: mint)
            closed = r.list
            dropped = r.droppedSamples
        }
        if let o = open, o.count > 0, lastT < mint {
            dropped += Int(o.count)
            o.release()
            open = nil
        }
        return dropped
    }

    /// Moves the open chunk's completed bytes to `store` when at least `minimum` are in memory.
    mutating func spillOpenChunk(store: HeadChunkStore, minimum: Int) {
        open?.spill(store: store, minimum: minimum)
    }

    /// Moves the chunk buffers that sit in slabs being evacuated.
    mutating func relocateBuffers() {
        if let moved = closed?.relocated() { closed = moved }
        open?.relocateIfEvacuating()
    }

    /// True when no chunk remains.
    var isEmpty: Bool { closed == nil && (open?.count ?? 0) == 0 }

    var minTime: Int64? {
        if let c = closed { return c.minTime }
        if let o = open, o.count > 0 { return o.minTime }
        return nil
    }
}

/// The outcome of checking one sample against its series.
enum SampleVerdict {
    case accept, duplicateIgnored, duplicate, outOfOrder
}
