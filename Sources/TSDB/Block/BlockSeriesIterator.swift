/// One chunk of a block series: the block it lives in and where.
public struct BlockChunkRef: Sendable {
    /// The block holding the chunk.
    public let reader: BlockReader
    /// The chunk's time range and location.
    public let meta: BlockChunkMeta
}

/// The error that stopped a `BlockSeriesIterator` (immutable).
@usableFromInline final class BlockIteratorFailure: Sendable {
    let error: BlockError
    init(_ error: BlockError) { self.error = error }
}

/// Walks one series' block chunks within `[mint, maxt]`, decoding one chunk at a time (no
/// per-sample allocation). The chunks may come from several blocks as long as they are in time
/// order and do not overlap (the querier chains a series' blocks this way). On corrupt data it
/// stops and sets `error`.
public struct BlockSeriesIterator: SampleIterator, @unchecked Sendable {
    // @unchecked: `ts`/`vs` point into `column` (immutable, shared) and `values` (replaced, never
    // written, while another copy holds it), both kept alive by the references stored alongside.
    @usableFromInline let chunks: [BlockChunkRef]
    @usableFromInline var nextChunk = 0
    @usableFromInline var column: BlockTimestampColumn?
    @usableFromInline var values: BlockValueBuffer?
    @usableFromInline var ts: UnsafePointer<Int64>?
    @usableFromInline var vs: UnsafePointer<Double>?
    /// Current sample within the loaded chunk.
    @usableFromInline var i = -1
    /// Samples `0..<end` of the loaded chunk are <= maxt (the rest are never visited).
    @usableFromInline var end = 0
    @usableFromInline var exhausted = false
    @usableFromInline let mint: Int64
    @usableFromInline let maxt: Int64
    /// Set when iteration stopped early; boxed so copying the iterator stays cheap.
    @usableFromInline var failure: BlockIteratorFailure?

    /// Why iteration stopped early, if it did (corrupt or unreadable chunk data).
    public var error: BlockError? { failure?.error }

    init(chunks: [BlockChunkRef], mint: Int64, maxt: Int64) {
        self.chunks = chunks; self.mint = mint; self.maxt = maxt
        exhausted = chunks.isEmpty || mint > maxt
    }

    /// Timestamp of the current sample.
    @inlinable public var timestamp: Int64 { ts.unsafelyUnwrapped[i] }
    /// Value of the current sample.
    @inlinable public var value: Double { vs.unsafelyUnwrapped[i] }

    /// Advances to the next sample within the bounds.
    @inlinable public mutating func next() -> Bool {
        i += 1
        if i < end { return true }
        if exhausted { return false }
        return load(from: mint)
    }

    /// Advances to the first sample with timestamp >= `t` (never backwards).
    @inlinable public mutating func seek(to t: Int64) -> Bool {
        if exhausted { return false }
        if i >= 0 && i < end {
            let p = ts.unsafelyUnwrapped
            if p[i] >= t { return true }
            if p[end - 1] >= t {
                var lo = i + 1, hi = end - 1
                while lo < hi { let mid = (lo + hi) >> 1; if p[mid] < t { lo = mid + 1 } else { hi = mid } }
                i = lo
                return true
            }
        }
        return load(from: Swift.max(t, mint))
    }

    /// Decodes following chunks until one has a sample in `[target, maxt]`; positions on it.
    /// Only the values from there up to `maxt` are decoded (iteration never moves backwards).
    @usableFromInline mutating func load(from target: Int64) -> Bool {
        while nextChunk < chunks.count {
            let c = chunks[nextChunk]
            nextChunk += 1
            if c.meta.minTime > maxt { break }
            if c.meta.maxTime < target { continue }
            let col: BlockTimestampColumn
            do {
                col = try c.reader.timestamps(of: c.meta)
            } catch {
                failure = BlockIteratorFailure(error as? BlockError ?? .corrupt(file: c.reader.directory, reason: "\(error)"))
                break
            }
            let p = UnsafePointer(col.base)
            let n = col.count
            // Clip at maxt once per chunk, so next() compares only against `end`.
            var e = n
            if p[n - 1] > maxt {
                var lo = 0, hi = n
                while lo < hi { let mid = (lo + hi) >> 1; if p[mid] <= maxt { lo = mid + 1 } else { hi = mid } }
                e = lo
            }
            var lo = 0, hi = e
            while lo < hi { let mid = (lo + hi) >> 1; if p[mid] < target { lo = mid + 1 } else { hi = mid } }
            guard lo < e else {
                // Nothing in [target, maxt] here: all of it is beyond maxt (stop), or none of it is.
                if e < n { break }
                continue
            }
            do {
                if values == nil || values.unsafelyUnwrapped.valueCapacity < n || !isKnownUniquelyReferenced(&values) {
                    values = BlockValueBuffer.make(capacity: Swift.max(n, values?.valueCapacity ?? 0))
                }
                let buf = values.unsafelyUnwrapped
                try c.reader.decodeValues(c.meta, count: n, range: lo..<e, into: buf.base)
                vs = UnsafePointer(buf.base)
            } catch {
                failure = BlockIteratorFailure(error as? BlockError ?? .corrupt(file: c.reader.directory, reason: "\(error)"))
                break
            }
            column = col
            ts = p
            i = lo
            end = e
            // Samples beyond maxt mean no later chunk can contribute.
            if e < n { nextChunk = chunks.count }
            return true
        }
        exhausted = true
        end = 0
        i = 0
        return false
    }
}

extension BlockSeriesIterator {
    /// Appends every remaining sample (after the current one) to `ts`/`vs`, a chunk at a time,
    /// and leaves the iterator exhausted.
    public mutating func drain(into ts: inout [Int64], _ vs: inout [Double]) {
        while true {
            let from = i &+ 1
            if from < end, let tp = self.ts, let vp = self.vs {
                ts.append(contentsOf: UnsafeBufferPointer(start: tp + from, count: end &- from))
                vs.append(contentsOf: UnsafeBufferPointer(start: vp + from, count: end &- from))
            }
            i = end
            if exhausted || !load(from: mint) { return }
            i &-= 1  // load positioned on the chunk's first sample: take it too
        }
    }
}
