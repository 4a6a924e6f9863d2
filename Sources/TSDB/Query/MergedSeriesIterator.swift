/// The samples of one series gathered from the head and any number of blocks, in time order,
/// bounded to `[mint, maxt]`. Where sources overlap, a timestamp is returned once, the newest
/// source's value winning (head over blocks, later blocks over earlier ones).
///
/// When the sources are known not to overlap (the querier checks chunk ranges) they are simply
/// chained: block samples pass straight through, then the head's.
public struct MergedSeriesIterator: SampleIterator {
    /// Where samples currently come from.
    @usableFromInline enum Stage: UInt8 {
        /// `chain` (pass-through); `t`/`v` unused.
        case chain
        /// The head after the chain (`head`, inline: this is the hot path for recent data).
        case head
        /// General merge of `rest.blocks` and `rest.head`; `t`/`v` hold the current sample.
        case merge
        case done
    }

    @usableFromInline var stage: Stage
    @usableFromInline var chain: BlockSeriesIterator
    /// The head's chunks after the chain (empty when none).
    @usableFromInline var head: HeadChunksIterator
    /// Merge state, boxed (copy-on-write); nil unless sources overlap.
    @usableFromInline var rest: MergedSeriesState?
    @usableFromInline let mint: Int64
    @usableFromInline let maxt: Int64
    @usableFromInline var t: Int64 = .min
    @usableFromInline var v: Double = 0

    /// Merges `blocks` (oldest first) and `head` within `[mint, maxt]`.
    public init(blocks: [BlockSeriesIterator], head: HeadChunksIterator?, mint: Int64, maxt: Int64) {
        stage = .merge
        chain = BlockSeriesIterator(chunks: [], mint: mint, maxt: maxt)
        self.head = HeadChunksIterator([])
        rest = MergedSeriesState(blocks: blocks, head: head)
        self.mint = mint
        self.maxt = maxt
    }

    /// Chains `chain` (block chunks in time order) and then `head`, whose samples all come later.
    init(chain: BlockSeriesIterator, head: HeadChunksIterator?, mint: Int64, maxt: Int64) {
        stage = .chain
        self.chain = chain
        self.head = head ?? HeadChunksIterator([])
        rest = nil
        self.mint = mint
        self.maxt = maxt
    }

    @inlinable public var timestamp: Int64 {
        switch stage {
        case .chain: return chain.timestamp
        case .head: return head.timestamp
        default: return t
        }
    }
    @inlinable public var value: Double {
        switch stage {
        case .chain: return chain.value
        case .head: return head.value
        default: return v
        }
    }

    @inlinable public mutating func next() -> Bool {
        switch stage {
        case .chain:
            if chain.next() { return true }
            return enterHead(seekingTo: mint)
        case .head:
            if head.next() && head.timestamp <= maxt { return true }
            stage = .done
            return false
        default:
            return slowNext()
        }
    }

    @inlinable public mutating func seek(to target: Int64) -> Bool {
        switch stage {
        case .chain:
            if chain.seek(to: target) { return true }
            return enterHead(seekingTo: Swift.max(target, mint))
        case .head:
            if head.timestamp >= target { return true }
            if head.seek(to: target) && head.timestamp <= maxt { return true }
            stage = .done
            return false
        default:
            return slowSeek(to: target)
        }
    }

    /// The boxed state, copied first if another iterator copy shares it.
    @usableFromInline mutating func uniqueRest() -> MergedSeriesState? {
        guard rest != nil else { return nil }
        if !isKnownUniquelyReferenced(&rest) { rest = rest?.copy() }
        return rest
    }

    /// The chain is exhausted: continue with the head, positioned at `target` or later.
    @usableFromInline mutating func enterHead(seekingTo target: Int64) -> Bool {
        stage = .head
        if head.seek(to: target) && head.timestamp <= maxt { return true }
        stage = .done
        return false
    }

    @usableFromInline mutating func slowNext() -> Bool {
        switch stage {
        case .chain, .head: return next()
        case .done: return false
        case .merge:
            guard let r = uniqueRest() else { stage = .done; return false }
            if !r.started { return seekAll(r, mint) }
            // Advance every source sitting on the timestamp just returned (dedup across sources).
            let last = t
            if r.headT == last { r.headT = (r.head?.next() ?? false) ? (r.head?.timestamp ?? .max) : .max }
            for i in 0..<r.blocks.count where r.blockT[i] == last {
                r.blockT[i] = r.blocks[i].next() ? r.blocks[i].timestamp : .max
            }
            return pick(r)
        }
    }

    @usableFromInline mutating func slowSeek(to target: Int64) -> Bool {
        switch stage {
        case .chain, .head: return seek(to: target)
        case .done: return false
        case .merge:
            guard let r = uniqueRest() else { stage = .done; return false }
            if !r.started { return seekAll(r, Swift.max(target, mint)) }
            if t >= target { return true }
            if r.headT < target { r.headT = (r.head?.seek(to: target) ?? false) ? (r.head?.timestamp ?? .max) : .max }
            for i in 0..<r.blocks.count where r.blockT[i] < target {
                r.blockT[i] = r.blocks[i].seek(to: target) ? r.blocks[i].timestamp : .max
            }
            return pick(r)
        }
    }

    @usableFromInline mutating func seekAll(_ r: MergedSeriesState, _ target: Int64) -> Bool {
        r.started = true
        if r.head != nil { r.headT = (r.head?.seek(to: target) ?? false) ? (r.head?.timestamp ?? .max) : .max }
        for i in 0..<r.blocks.count { r.blockT[i] = r.blocks[i].seek(to: target) ? r.blocks[i].timestamp : .max }
        return pick(r)
    }

    /// Chooses the smallest current timestamp; ties go to the newest source.
    @usableFromInline mutating func pick(_ r: MergedSeriesState) -> Bool {
        var best = Int64.max
        var src = -1
        for i in 0..<r.blocks.count where r.blockT[i] <= best && r.blockT[i] != .max {
            best = r.blockT[i]; src = i
        }
        if r.headT != .max && r.headT <= best { best = r.headT; src = r.blocks.count }
        guard src >= 0, best <= maxt else { stage = .done; return false }
        t = best
        v = src == r.blocks.count ? (r.head?.value ?? .nan) : r.blocks[src].value
        return true
    }
}

/// The head and merge sources of a `MergedSeriesIterator` (copied before mutation when shared).
@usableFromInline final class MergedSeriesState {
    var blocks: [BlockSeriesIterator]
    /// Current timestamp of each of `blocks`, `.max` once exhausted (merge only).
    var blockT: [Int64]
    var head: HeadChunksIterator?
    /// Current head timestamp, `.max` once exhausted (merge only).
    var headT: Int64 = .max
    var started = false

    init(blocks: [BlockSeriesIterator], head: HeadChunksIterator?) {
        self.blocks = blocks
        blockT = Array(repeating: .max, count: blocks.count)
        self.head = head
    }

    func copy() -> MergedSeriesState {
        let c = MergedSeriesState(blocks: blocks, head: head)
        c.blockT = blockT
        c.headT = headT
        c.started = started
        return c
    }
}

extension MergedSeriesIterator {
    /// Appends every remaining sample (after the current one, if any) to `ts`/`vs` and leaves the
    /// iterator exhausted: chunk by chunk where sources are chained, sample by sample where they
    /// overlap. Stale markers are included.
    public mutating func drain(into ts: inout [Int64], _ vs: inout [Double]) {
        switch stage {
        case .chain:
            chain.drain(into: &ts, &vs)
            // The head's first sample at or after mint, then the rest in bulk.
            stage = .head
            if head.seek(to: mint) && head.timestamp <= maxt {
                ts.append(head.timestamp)
                vs.append(head.value)
                head.drain(maxt: maxt, into: &ts, &vs)
            }
        case .head:
            head.drain(maxt: maxt, into: &ts, &vs)
        case .merge, .done:
            while next() { ts.append(timestamp); vs.append(value) }
        }
        stage = .done
    }
}

