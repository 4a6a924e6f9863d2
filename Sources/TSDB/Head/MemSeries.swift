import Synchronization

/// One series in the head: its identity and its in-memory chunks, guarded by its own lock.
public final class MemSeries: Sendable {
    /// Head-local series reference (also the WAL's series ref).
    public let ref: UInt32
    /// The series' labels (strings interned).
    public let labels: Labels
    let state: Mutex<SeriesState>

    init(ref: UInt32, labels: Labels, logged: Bool) {
        self.ref = ref
        self.labels = labels
        self.state = Mutex(SeriesState(logged: logged))
    }

    /// The chunks overlapping `[mint, maxt]`, shared or copied so the caller reads them without the lock.
    func chunks(mint: Int64, maxt: Int64) -> [SealedXORChunk] {
        state.withLock { s in
            var out: [SealedXORChunk] = []
            for c in s.closed where c.maxTime >= mint && c.minTime <= maxt { out.append(c) }
            // The open chunk keeps growing: readers get a sealed copy of what it holds now.
            if let h = s.open, h.numSamples > 0, h.maxTime >= mint, h.minTime <= maxt { out.append(SealedXORChunk(h)) }
            return out
        }
    }
}

/// Mutable per-series state. Timestamps are milliseconds.
struct SeriesState {
    /// Full chunks, oldest first, non-overlapping, trimmed to their exact bytes.
    var closed: [SealedXORChunk] = []
    /// The chunk being appended to.
    var open: XORChunk? = nil
    /// Exclusive end of the time window the open chunk may cover (chunks never cross a block boundary).
    var openEnd: Int64 = .min
    /// Newest committed sample.
    var lastT: Int64 = .min
    var lastV: UInt64 = 0
    /// Newest sample reserved by an appender that has not committed yet.
    var pendingT: Int64 = .min
    var pendingV: UInt64 = 0
    /// Whether the series record is known to be in the WAL.
    var logged: Bool

    init(logged: Bool) { self.logged = logged }

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
    mutating func commit(_ t: Int64, _ v: Double, samplesPerChunk: Int, blockRange: Int64) {
        if (open?.numSamples ?? samplesPerChunk) >= samplesPerChunk || t >= openEnd {
            if let o = open, o.numSamples > 0 { closed.append(SealedXORChunk(o)) }
            open = XORChunk()
            // Align the chunk window to the block range so chunks never straddle blocks.
            openEnd = alignDown(t, blockRange) &+ blockRange
        }
        // Optional chaining mutates in place: no copy-on-write of the chunk's bytes.
        open?.append(t: t, v: v)
        lastT = t
        lastV = v.bitPattern
    }

    /// Drops chunks that end before `mint`; returns the number of samples dropped.
    mutating func truncate(before mint: Int64) -> Int {
        var dropped = 0
        closed.removeAll { c in
            if c.maxTime < mint { dropped += c.numSamples; return true }
            return false
        }
        if let o = open, o.numSamples > 0, o.maxTime < mint {
            dropped += o.numSamples
            open = nil
            openEnd = .min
        }
        return dropped
    }

    /// True when no chunk remains.
    var isEmpty: Bool { closed.isEmpty && (open?.numSamples ?? 0) == 0 }

    var minTime: Int64? { closed.first?.minTime ?? (open?.numSamples ?? 0 > 0 ? open?.minTime : nil) }
}

/// The outcome of checking one sample against its series.
enum SampleVerdict {
    case accept, duplicateIgnored, duplicate, outOfOrder
}
