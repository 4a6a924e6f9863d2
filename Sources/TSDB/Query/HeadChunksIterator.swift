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
            ts.removeAll(keepingCapacity: true)
            vs.removeAll(keepingCapacity: true)
            let n = c.numSamples
            ts.reserveCapacity(n)
            vs.reserveCapacity(n)
            var it = c.makeIterator()
            it.forEachRemaining { t, v in
                ts.append(t)
                vs.append(v)
            }
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
}
