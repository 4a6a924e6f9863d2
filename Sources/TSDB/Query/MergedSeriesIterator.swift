/// The samples of one series gathered from the head and any number of blocks, in time order,
/// bounded to `[mint, maxt]`. Where sources overlap, a timestamp is returned once, the newest
/// source's value winning (head over blocks, later blocks over earlier ones).
public struct MergedSeriesIterator: SampleIterator {
    @usableFromInline var blocks: [BlockSeriesIterator]
    @usableFromInline var blockOK: [Bool]
    @usableFromInline var head: HeadChunksIterator?
    @usableFromInline var headOK = false
    @usableFromInline let mint: Int64
    @usableFromInline let maxt: Int64
    @usableFromInline var started = false
    @usableFromInline var done = false
    @usableFromInline var t: Int64 = .min
    @usableFromInline var v: Double = 0

    /// Merges `blocks` (oldest first) and `head` within `[mint, maxt]`.
    public init(blocks: [BlockSeriesIterator], head: HeadChunksIterator?, mint: Int64, maxt: Int64) {
        self.blocks = blocks
        self.blockOK = Array(repeating: false, count: blocks.count)
        self.head = head
        self.mint = mint
        self.maxt = maxt
    }

    @inlinable public var timestamp: Int64 { t }
    @inlinable public var value: Double { v }

    @inlinable public mutating func next() -> Bool {
        if done { return false }
        if !started { return seekAll(mint) }
        // Advance every source sitting on the timestamp just returned (dedup across sources).
        let last = t
        if headOK, head?.timestamp == last { headOK = head?.next() ?? false }
        for i in 0..<blocks.count where blockOK[i] && blocks[i].timestamp == last {
            blockOK[i] = blocks[i].next()
        }
        return pick()
    }

    @inlinable public mutating func seek(to target: Int64) -> Bool {
        if done { return false }
        if !started { return seekAll(Swift.max(target, mint)) }
        if t >= target { return true }
        if headOK, let ht = head?.timestamp, ht < target { headOK = head?.seek(to: target) ?? false }
        for i in 0..<blocks.count where blockOK[i] && blocks[i].timestamp < target {
            blockOK[i] = blocks[i].seek(to: target)
        }
        return pick()
    }

    @usableFromInline mutating func seekAll(_ target: Int64) -> Bool {
        started = true
        if head != nil { headOK = head?.seek(to: target) ?? false }
        for i in 0..<blocks.count { blockOK[i] = blocks[i].seek(to: target) }
        return pick()
    }

    /// Chooses the smallest current timestamp; ties go to the newest source.
    @usableFromInline mutating func pick() -> Bool {
        var best = Int64.max
        var found = false
        for i in 0..<blocks.count where blockOK[i] {
            let bt = blocks[i].timestamp
            if bt <= best { best = bt; v = blocks[i].value; found = true }
        }
        if headOK, let h = head, h.timestamp <= best {
            best = h.timestamp; v = h.value; found = true
        }
        guard found, best <= maxt else { done = true; return false }
        t = best
        return true
    }
}
