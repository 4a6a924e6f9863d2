/// Walks a series' head chunks (time-ordered, non-overlapping) as one sample stream.
public struct HeadChunksIterator: SampleIterator {
    @usableFromInline var chunks: [SealedXORChunk]
    @usableFromInline var idx = 0
    /// The current chunk's iterator, stored inline (not optional: mutating through an optional
    /// copied the whole decoder state in and out on every sample).
    @usableFromInline var cur: XORChunkIterator
    @usableFromInline var done: Bool

    /// An empty chunk, the iterator of an exhausted or empty list.
    @usableFromInline static let empty = SealedXORChunk(XORChunk())

    /// Iterates `chunks`, which must be sorted by time and non-overlapping.
    public init(_ chunks: [SealedXORChunk]) {
        self.chunks = chunks
        done = chunks.isEmpty
        cur = (chunks.first ?? Self.empty).makeIterator()
    }

    @inlinable public mutating func next() -> Bool {
        if done { return false }
        if cur.next() { return true }
        return nextChunk()
    }

    @usableFromInline mutating func nextChunk() -> Bool {
        while true {
            idx += 1
            guard idx < chunks.count else { done = true; return false }
            cur = chunks[idx].makeIterator()
            if cur.next() { return true }
        }
    }

    @inlinable public mutating func seek(to t: Int64) -> Bool {
        if done { return false }
        // Skip whole chunks that end before t without decoding them.
        if chunks[idx].maxTime < t {
            while idx < chunks.count && chunks[idx].maxTime < t { idx += 1 }
            guard idx < chunks.count else { done = true; return false }
            cur = chunks[idx].makeIterator()
        }
        if cur.seek(to: t) { return true }
        return nextChunk()
    }

    @inlinable public var timestamp: Int64 { done ? .max : cur.timestamp }
    @inlinable public var value: Double { done ? .nan : cur.value }
}
