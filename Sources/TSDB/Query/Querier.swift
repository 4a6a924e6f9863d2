/// One selected series: its labels and a way to walk its samples within the querier's range.
public struct QueriedSeries: Sendable {
    /// The series' labels.
    public let labels: Labels
    @usableFromInline let headChunks: [SealedXORChunk]
    @usableFromInline let blockRefs: [(block: BlockReader, ordinal: UInt32)]
    @usableFromInline let mint: Int64
    @usableFromInline let maxt: Int64

    /// A fresh iterator over the series' samples in `[mint, maxt]`, in time order.
    /// Chunks of a corrupt block that fail to decode are skipped.
    public func makeIterator() -> MergedSeriesIterator {
        var its: [BlockSeriesIterator] = []
        its.reserveCapacity(blockRefs.count)
        for r in blockRefs {
            if let it = try? r.block.iterator(for: r.ordinal, mint: mint, maxt: maxt) { its.append(it) }
        }
        return MergedSeriesIterator(blocks: its, head: headChunks.isEmpty ? nil : HeadChunksIterator(headChunks), mint: mint, maxt: maxt)
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

    /// Series matching every matcher, sorted by labels, each merged across head and blocks.
    /// Series with no sample in range are omitted.
    public func select(_ matchers: [Matcher]) -> [QueriedSeries] {
        struct Entry { var labels: Labels; var chunks: [SealedXORChunk]; var blocks: [(BlockReader, UInt32)] }
        var entries: [Entry] = []
        for b in blocks {
            for ord in b.select(matchers) {
                guard let pairs = try? b.labels(of: ord) else { continue }
                entries.append(Entry(labels: Labels(sortedUnchecked: pairs.map { Label(name: $0.name, value: $0.value) }), chunks: [], blocks: [(b, ord)]))
            }
        }
        let hr = head.indexReader()
        for ref in hr.select(matchers) {
            guard let ms = head.series(ref: ref) else { continue }
            let chunks = ms.chunks(mint: mint, maxt: maxt)
            if chunks.isEmpty { continue }
            entries.append(Entry(labels: ms.labels, chunks: chunks, blocks: []))
        }
        // Blocks were appended oldest first, the head last; a stable sort keeps that order within a series.
        let order = entries.indices.sorted { a, b in
            let x = entries[a].labels, y = entries[b].labels
            return x == y ? a < b : x < y
        }
        var out: [QueriedSeries] = []
        out.reserveCapacity(order.count)
        var i = 0
        while i < order.count {
            var e = entries[order[i]]
            var j = i + 1
            while j < order.count && entries[order[j]].labels == e.labels {
                let f = entries[order[j]]
                e.blocks.append(contentsOf: f.blocks)
                e.chunks.append(contentsOf: f.chunks)
                j += 1
            }
            out.append(QueriedSeries(labels: e.labels, headChunks: e.chunks, blockRefs: e.blocks.map { (block: $0.0, ordinal: $0.1) }, mint: mint, maxt: maxt))
            i = j
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
