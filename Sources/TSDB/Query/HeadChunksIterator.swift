/// Walks a series' head chunks (time-ordered, non-overlapping) as one sample stream.
public struct HeadChunksIterator: SampleIterator {
    @usableFromInline var chunks: [SealedXORChunk]
    @usableFromInline var idx = 0
    @usableFromInline var cur: XORChunkIterator?

    /// Iterates `chunks`, which must be sorted by time and non-overlapping.
    public init(_ chunks: [SealedXORChunk]) {
        self.chunks = chunks
        cur = chunks.first?.makeIterator()
    }

    @inlinable public mutating func next() -> Bool {
        while true {
            if cur?.next() == true { return true }
            idx += 1
            guard idx < chunks.count else { cur = nil; return false }
            cur = chunks[idx].makeIterator()
        }
    }

    @inlinable public mutating func seek(to t: Int64) -> Bool {
        // Skip whole chunks that end before t without decoding them.
        while idx < chunks.count && chunks[idx].maxTime < t {
            idx += 1
            cur = idx < chunks.count ? chunks[idx].makeIterator() : nil
        }
        guard cur != nil else { return false }
        if cur?.seek(to: t) == true { return true }
        return next()
    }

    @inlinable public var timestamp: Int64 { cur?.timestamp ?? .max }
    @inlinable public var value: Double { cur?.value ?? .nan }
}
