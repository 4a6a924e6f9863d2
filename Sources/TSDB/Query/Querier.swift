/// One selected series: its labels and a way to walk its samples within the querier's range.
public struct QueriedSeries: Sendable {
    /// The series' labels.
    public let labels: Labels
    /// The series' block chunks overlapping the range, blocks in querier order (oldest first).
    @usableFromInline let blockChunks: [BlockChunkRef]
    @usableFromInline let headChunks: [SealedXORChunk]
    @usableFromInline let mint: Int64
    @usableFromInline let maxt: Int64
    /// The chunks, blocks then head, are in time order without overlap, so the samples are their
    /// concatenation and iterating needs no merge (the usual case: blocks cover disjoint ranges).
    @usableFromInline let chained: Bool

    init(labels: Labels, blockChunks: [BlockChunkRef], headChunks: [SealedXORChunk], mint: Int64, maxt: Int64) {
        self.labels = labels
        self.blockChunks = blockChunks
        self.headChunks = headChunks
        self.mint = mint
        self.maxt = maxt
        var ok = true
        var prevMax = Int64.min
        for (k, c) in blockChunks.enumerated() {
            if k > 0 && c.meta.minTime <= prevMax { ok = false; break }
            prevMax = c.meta.maxTime
        }
        if ok, !blockChunks.isEmpty, let h = headChunks.first, h.minTime <= prevMax { ok = false }
        chained = ok
    }

    /// A fresh iterator over the series' samples in `[mint, maxt]`, in time order.
    /// Chunks of a corrupt block that fail to decode are skipped.
    public func makeIterator() -> MergedSeriesIterator {
        let head = headChunks.isEmpty ? nil : HeadChunksIterator(headChunks)
        if chained {
            return MergedSeriesIterator(chain: BlockSeriesIterator(chunks: blockChunks, mint: mint, maxt: maxt), head: head,
                                        mint: mint, maxt: maxt)
        }
        // Overlapping sources: one iterator per block (runs of chunks sharing a reader).
        var its: [BlockSeriesIterator] = []
        var start = 0
        while start < blockChunks.count {
            var end = start + 1
            while end < blockChunks.count && blockChunks[end].reader === blockChunks[start].reader { end += 1 }
            its.append(BlockSeriesIterator(chunks: Array(blockChunks[start..<end]), mint: mint, maxt: maxt))
            start = end
        }
        return MergedSeriesIterator(blocks: its, head: head, mint: mint, maxt: maxt)
    }

    /// All samples in range, materialised (tests and small queries).
    public func samples() -> [Sample] {
        var it = makeIterator()
        var out: [Sample] = []
        while it.next() { out.append(Sample(t: it.timestamp, v: it.value)) }
        return out
    }
}

/// Reads series from the head and the blocks overlapping `[mint, maxt]` (both inclusive) as one.
///
/// A querier works on a snapshot: blocks it captured stay readable even if compaction replaces
/// them meanwhile. Thread-safe.
public struct Querier: Sendable {
    /// Inclusive time bounds in milliseconds.
    public let mint: Int64
    public let maxt: Int64
    let head: Head
    let blocks: [BlockReader]

    init(head: Head, blocks: [BlockReader], mint: Int64, maxt: Int64) {
        self.head = head
        self.mint = mint
        self.maxt = maxt
        self.blocks = blocks.filter { $0.meta.minTime <= maxt && $0.meta.maxTime > mint }
    }

    /// Series matching every matcher, each merged across head and blocks; sorted by labels unless
    /// `sorted` is false and only the head has data in range (merging with blocks needs the
    /// order; a PromQL selection does not, and sorting thousands of label sets costs more than
    /// reading their few samples). Series with no sample in range are omitted.
    public func select(_ matchers: [Matcher], sorted: Bool = true) -> [QueriedSeries] {
        // Blocks list their series in label order already: they are merged as streams, decoding
        // each index entry once and building labels only for the series returned. Only the
        // head's series need sorting.
        var sources: [BlockSelectSource] = []
        for b in blocks {
            let ordinals = b.select(matchers)
            guard !ordinals.isEmpty, !b.isClosed else { continue }
            var src = BlockSelectSource(reader: b, ordinals: ordinals)
            if src.advance() { sources.append(src) }
        }
        let hr = head.indexReader()
        if sources.isEmpty {
            // Only the head has data in range: its series are the answer, built once.
            var out: [QueriedSeries] = []
            // Series objects are scattered in memory and each is a cache miss: they are looked up
            // first, then walked with the objects a few places ahead prefetched, so misses overlap.
            let all = hr.select(matchers).compactMap { head.series(ref: $0) }
            out.reserveCapacity(all.count)
            for i in all.indices {
                if i + 6 < all.count { MemSeries.prefetch(Unmanaged.passUnretained(all[i + 6])) }
                if i + 3 < all.count { all[i + 3].prefetchOpenChunk() }
                let ms = all[i]
                let chunks = head.chunks(of: ms, mint: mint, maxt: maxt)
                if chunks.isEmpty { continue }
                out.append(QueriedSeries(labels: ms.labels, blockChunks: [], headChunks: chunks, mint: mint, maxt: maxt))
            }
            if sorted { out.sort { $0.labels < $1.labels } }
            return out
        }
        var fromHead: [(labels: Labels, chunks: [SealedXORChunk])] = []
        for ref in hr.select(matchers) {
            guard let ms = head.series(ref: ref) else { continue }
            let chunks = head.chunks(of: ms, mint: mint, maxt: maxt)
            if chunks.isEmpty { continue }
            fromHead.append((ms.labels, chunks))
        }
        fromHead.sort { $0.labels < $1.labels }

        var out: [QueriedSeries] = []
        out.reserveCapacity(fromHead.count + (sources.map(\.ordinals.count).max() ?? 0))
        var h = 0
        var group: [Int] = []  // sources on the smallest series, in block order
        while true {
            group.removeAll(keepingCapacity: true)
            for s in sources.indices {
                if group.isEmpty { group.append(s); continue }
                let c = sources[s].compare(to: sources[group[0]])
                if c < 0 { group.removeAll(keepingCapacity: true); group.append(s) } else if c == 0 { group.append(s) }
            }
            var withHead = false
            if h < fromHead.count {
                if group.isEmpty {
                    withHead = true
                } else {
                    let c = sources[group[0]].compare(to: fromHead[h].labels)
                    if c >= 0 { withHead = true }
                    if c > 0 { group.removeAll(keepingCapacity: true) }
                }
            }
            if group.isEmpty && !withHead { break }

            let labels: Labels
            if withHead {
                labels = fromHead[h].labels
            } else {
                let g = group[0]
                let ids = sources[g].cursor.current.labels
                labels = sources[g].labels.build(ids, index: sources[g].reader.index)
            }
            var chunks: [BlockChunkRef] = []
            var inRange = 0
            for g in group {
                for c in sources[g].cursor.current.chunks where c.maxTime >= mint && c.minTime <= maxt { inRange += 1 }
            }
            chunks.reserveCapacity(inRange)
            for g in group {
                let reader = sources[g].reader
                for c in sources[g].cursor.current.chunks where c.maxTime >= mint && c.minTime <= maxt {
                    chunks.append(BlockChunkRef(reader: reader, meta: c))
                }
            }
            out.append(QueriedSeries(labels: labels, blockChunks: chunks, headChunks: withHead ? fromHead[h].chunks : [],
                                     mint: mint, maxt: maxt))
            if withHead { h += 1 }
            for g in group.reversed() where !sources[g].advance() { sources.remove(at: g) }
        }
        return out
    }

    /// Label names present on series matching `matchers` (all series when empty), sorted.
    public func labelNames(_ matchers: [Matcher] = []) -> [String] {
        var names = Set<String>()
        if matchers.isEmpty {
            for b in blocks { names.formUnion(b.labelNames()) }
            names.formUnion(head.indexReader().labelNames())
        } else {
            for s in select(matchers) { for p in s.labels.pairs { names.insert(p.name) } }
        }
        return names.sorted()
    }

    /// Values of label `name` on series matching `matchers` (all series when empty), sorted.
    public func labelValues(_ name: String, _ matchers: [Matcher] = []) -> [String] {
        var values = Set<String>()
        if matchers.isEmpty {
            for b in blocks { values.formUnion(b.labelValues(for: name)) }
            values.formUnion(head.indexReader().labelValues(for: name))
        } else {
            for s in select(matchers) { let v = s.labels[name]; if !v.isEmpty { values.insert(v) } }
        }
        return values.sorted()
    }
}
