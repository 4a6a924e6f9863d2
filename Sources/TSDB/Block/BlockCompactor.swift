/// Merges blocks into one new block, streaming series by series.
///
/// Series are matched by label set with a k-way merge of the inputs' sorted series; samples of
/// one series are merged in time order. Where several inputs hold the same timestamp, the value of
/// the input that comes LATER in `blocks` wins: pass blocks oldest first (as the DB and its
/// querier do), so the newer block overrides, matching what queries over the inputs returned.
/// Memory: one series' samples at a time plus the writer's tables.
public enum BlockCompactor {
    /// Compacts `blocks` into a new block under `parentDirectory`: level = max(levels)+1, sources =
    /// union, time range = span of the inputs. Throws if any input's data cannot be read fully.
    public static func compact(_ blocks: [BlockReader], into parentDirectory: String,
                               options: BlockWriterOptions = BlockWriterOptions()) throws -> BlockMeta {
        guard !blocks.isEmpty else { throw BlockError.invalidMeta(path: parentDirectory, reason: "nothing to compact") }
        let minTime = blocks.map(\.meta.minTime).min() ?? 0
        let maxTime = blocks.map(\.meta.maxTime).max() ?? 0
        let level = (blocks.map(\.meta.compaction.level).max() ?? 0) + 1
        var sources: [String] = []
        var seen = Set<String>()
        for b in blocks { for s in b.meta.compaction.sources where seen.insert(s).inserted { sources.append(s) } }
        sources.sort()
        var writer = try BlockWriter(parentDirectory: parentDirectory, minTime: minTime, maxTime: maxTime,
                                     level: level, sources: sources, options: options)
        do {
            var cursors: [UInt32] = Array(repeating: 0, count: blocks.count)
            var current: [[(name: String, value: String)]?] = try blocks.indices.map { i in
                blocks[i].seriesCount > 0 ? try blocks[i].labels(of: 0) : nil
            }
            var mergedT: [Int64] = [], mergedV: [Double] = []
            var nextT: [Int64] = [], nextV: [Double] = []
            var tmpT: [Int64] = [], tmpV: [Double] = []
            while true {
                // Smallest label set among the cursors.
                var best: [(name: String, value: String)]? = nil
                for c in current { if let c, best == nil || BlockLabelOrder.compare(c, best!) < 0 { best = c } }
                guard let labels = best else { break }
                mergedT.removeAll(keepingCapacity: true); mergedV.removeAll(keepingCapacity: true)
                for i in blocks.indices {
                    guard let c = current[i], BlockLabelOrder.compare(c, labels) == 0 else { continue }
                    try readAll(blocks[i], series: cursors[i], into: &nextT, &nextV)
                    if mergedT.isEmpty {
                        swap(&mergedT, &nextT); swap(&mergedV, &nextV)
                    } else {
                        mergeNewerWins(older: mergedT, mergedV, newer: nextT, nextV, into: &tmpT, &tmpV)
                        swap(&mergedT, &tmpT); swap(&mergedV, &tmpV)
                    }
                    cursors[i] += 1
                    current[i] = Int(cursors[i]) < blocks[i].seriesCount ? try blocks[i].labels(of: cursors[i]) : nil
                }
                try writer.add(labels: labels, timestamps: mergedT, values: mergedV)
            }
            return try writer.finish()
        } catch {
            try? writer.abort()
            throw error
        }
    }

    static func readAll(_ b: BlockReader, series: UInt32, into ts: inout [Int64], _ vs: inout [Double]) throws {
        ts.removeAll(keepingCapacity: true); vs.removeAll(keepingCapacity: true)
        var it = try b.iterator(for: series, mint: .min, maxt: .max)
        while it.next() { ts.append(it.timestamp); vs.append(it.value) }
        if let e = it.error { throw e }
    }

    /// Merges two sorted sample lists; on equal timestamps the `newer` value is kept.
    static func mergeNewerWins(older ot: [Int64], _ ov: [Double], newer nt: [Int64], _ nv: [Double],
                               into t: inout [Int64], _ v: inout [Double]) {
        t.removeAll(keepingCapacity: true); v.removeAll(keepingCapacity: true)
        t.reserveCapacity(ot.count + nt.count); v.reserveCapacity(ot.count + nt.count)
        var i = 0, j = 0
        while i < ot.count && j < nt.count {
            if ot[i] < nt[j] { t.append(ot[i]); v.append(ov[i]); i += 1 }
            else if nt[j] < ot[i] { t.append(nt[j]); v.append(nv[j]); j += 1 }
            else { t.append(nt[j]); v.append(nv[j]); i += 1; j += 1 }
        }
        while i < ot.count { t.append(ot[i]); v.append(ov[i]); i += 1 }
        while j < nt.count { t.append(nt[j]); v.append(nv[j]); j += 1 }
    }
}
