/// Walks a series' head chunks (time-ordered, non-overlapping) as one sample stream.
///
/// Each chunk is decoded in one tight loop into a buffer (the XOR decoder's state stays in
/// registers that way), then samples are served from the buffer: the per-sample path is an array
/// index, as for block chunks, instead of a decoder step behind several iterator layers.
public struct HeadChunksIterator: SampleIterator {
    @usableFromInline var chunks: [SealedXORChunk]
    /// Next chunk to decode.
    @usableFromInline var nextChunk = 0
    @usableFromInline var ts: [Int64] = []
    @usableFromInline var vs: [Double] = []
    /// Current sample in the buffer.
    @usableFromInline var i = -1

    /// Iterates `chunks`, which must be sorted by time and non-overlapping.
    public init(_ chunks: [SealedXORChunk]) {
        self.chunks = chunks
    }

    @inlinable public mutating func next() -> Bool {
        i &+= 1
        if i < ts.count { return true }
        return load()
    }

    /// Decodes the next chunk with samples; false when none is left.
    @usableFromInline mutating func load() -> Bool {
        while nextChunk < chunks.count {
            let c = chunks[nextChunk]
            nextChunk += 1
            // Fill local arrays (moved out and back, so they stay uniquely referenced).
            var lt = ts, lv = vs
            ts = []; vs = []
            lt.removeAll(keepingCapacity: true)
            lv.removeAll(keepingCapacity: true)
            var it = c.makeIterator()
            it.appendRemaining(to: &lt, &lv)
            ts = lt; vs = lv
            i = 0
            if !ts.isEmpty { return true }
        }
        i = ts.count
        return false
    }

    @inlinable public mutating func seek(to t: Int64) -> Bool {
        if i >= 0 && i < ts.count {
            if ts[i] >= t { return true }
            if let last = ts.last, last >= t {
                var lo = i + 1, hi = ts.count - 1
                while lo < hi { let mid = (lo + hi) >> 1; if ts[mid] < t { lo = mid + 1 } else { hi = mid } }
                i = lo
                return true
            }
        }
        // Skip whole chunks that end before t without decoding them.
        while nextChunk < chunks.count && chunks[nextChunk].maxTime < t { nextChunk += 1 }
        guard load() else { return false }
        if ts[i] >= t { return true }
        var lo = 0, hi = ts.count - 1
        guard let last = ts.last, last >= t else { return next() && seek(to: t) }
        while lo < hi { let mid = (lo + hi) >> 1; if ts[mid] < t { lo = mid + 1 } else { hi = mid } }
        i = lo
        return true
    }

    @inlinable public var timestamp: Int64 { i >= 0 && i < ts.count ? ts[i] : .max }
    @inlinable public var value: Double { i >= 0 && i < vs.count ? vs[i] : .nan }

    /// Appends every remaining sample (after the current one) up to `maxt` to `ts`/`vs`, decoding
    /// later chunks straight into them, and leaves the iterator exhausted.
    @usableFromInline mutating func drain(maxt: Int64, into outT: inout [Int64], _ outV: inout [Double]) {
        var k = i &+ 1
        while k < ts.count && ts[k] <= maxt { outT.append(ts[k]); outV.append(vs[k]); k &+= 1 }
        if k < ts.count { i = ts.count; nextChunk = chunks.count; return }
        while nextChunk < chunks.count {
            let c = chunks[nextChunk]
            nextChunk += 1
            if c.minTime > maxt { break }
            var it = c.makeIterator()
            if c.maxTime <= maxt {
                it.appendRemaining(to: &outT, &outV)
            } else {
                while it.next() && it.timestamp <= maxt { outT.append(it.timestamp); outV.append(it.value) }
                break
            }
        }
        ts.removeAll(keepingCapacity: true)
        vs.removeAll(keepingCapacity: true)
        i = 0
        nextChunk = chunks.count
    }
}
