/// Walks one block series' samples within `[mint, maxt]`, decoding one chunk at a time into
/// reused buffers (no per-sample allocation). On corrupt data it stops and sets `error`.
public struct BlockSeriesIterator: SampleIterator, Sendable {
    @usableFromInline let reader: BlockReader
    @usableFromInline let chunks: [BlockChunkMeta]
    @usableFromInline var nextChunk = 0
    @usableFromInline var ts: [Int64] = []
    @usableFromInline var vs: [Double] = []
    @usableFromInline var i = -1
    @usableFromInline var n = 0
    @usableFromInline var exhausted = false
    @usableFromInline let mint: Int64
    @usableFromInline let maxt: Int64
    /// Why iteration stopped early, if it did (corrupt or unreadable chunk data).
    public private(set) var error: BlockError?

    init(reader: BlockReader, chunks: [BlockChunkMeta], mint: Int64, maxt: Int64) {
        self.reader = reader; self.chunks = chunks; self.mint = mint; self.maxt = maxt
        exhausted = chunks.isEmpty || mint > maxt
    }

    /// Timestamp of the current sample.
    @inlinable public var timestamp: Int64 { ts[i] }
    /// Value of the current sample.
    @inlinable public var value: Double { vs[i] }

    /// Advances to the next sample within the bounds.
    @inlinable public mutating func next() -> Bool {
        if exhausted { return false }
        i += 1
        if i < n {
            if ts[i] <= maxt { return true }
            exhausted = true
            return false
        }
        return load(from: mint)
    }

    /// Advances to the first sample with timestamp >= `t` (never backwards).
    @inlinable public mutating func seek(to t: Int64) -> Bool {
        if exhausted { return false }
        if i >= 0 && i < n && ts[i] >= t { return true }
        let target = Swift.max(t, mint)
        if n > 0 && i < n && ts[n - 1] >= target {
            var lo = Swift.max(i, 0), hi = n
            while lo < hi { let mid = (lo + hi) >> 1; if ts[mid] < target { lo = mid + 1 } else { hi = mid } }
            i = lo
            if ts[i] <= maxt { return true }
            exhausted = true
            return false
        }
        return load(from: target)
    }

    /// Decodes following chunks until one has a sample >= `target`; positions on it.
    @usableFromInline mutating func load(from target: Int64) -> Bool {
        while nextChunk < chunks.count {
            let c = chunks[nextChunk]
            nextChunk += 1
            if c.minTime > maxt { break }
            if c.maxTime < target { continue }
            do {
                n = try reader.decode(c, timestamps: &ts, values: &vs)
            } catch {
                self.error = error as? BlockError ?? .corrupt(file: reader.directory, reason: "\(error)")
                break
            }
            var lo = 0, hi = n
            while lo < hi { let mid = (lo + hi) >> 1; if ts[mid] < target { lo = mid + 1 } else { hi = mid } }
            i = lo
            if i < n {
                if ts[i] <= maxt { return true }
                break
            }
        }
        exhausted = true
        n = 0
        i = 0
        return false
    }
}
