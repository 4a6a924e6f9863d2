import Foundation

extension DB {
    /// Persists the whole head into blocks now (one per block-range window), empties the head and
    /// truncates the WAL. Used by benchmarks, tests, the admin API and before backups.
    public func flush() throws {
        try maintenance.withLock { _ in
            guard let hmax = head.maxTime, let hmin = head.minTime else { return }
            let lastSegment = try wal.cutSegment() - 1
            let series = head.sortedSeries()
            var start = alignDown(hmin, options.blockRange)
            while start <= hmax {
                // The last block ends right after the newest sample, not at its window's end, so
                // appends may continue in that window after the flush (and after a restart).
                try persistHead(series, mint: start, maxt: Swift.min(start + options.blockRange, hmax &+ 1))
                start += options.blockRange
            }
            head.truncate(before: hmax &+ 1)
            head.chunkStore.dropMappedPages()
            try checkpointWAL(upTo: lastSegment)
            head.compactChunkBuffers()
            ProcessStats.releaseFreeMemory()
        }
    }

    /// Persists head data older than 1.5× the block range into blocks, compacts blocks and
    /// applies retention. Returns true when anything changed.
    @discardableResult
    public func compact() throws -> Bool {
        try maintenance.withLock { _ in
            var changed = false
            while headIsCompactable, let hmin = head.minTime {
                let start = alignDown(hmin, options.blockRange)
                let end = start + options.blockRange
                let lastSegment = try wal.cutSegment() - 1
                try persistHead(head.sortedSeries(), mint: start, maxt: end)
                head.truncate(before: end)
                // Persisting read every chunk of the window; the live ones among them are cold.
                head.chunkStore.dropMappedPages()
                try checkpointWAL(upTo: lastSegment)
                changed = true
            }
            if try compactBlocks() { changed = true }
            if try applyRetention() { changed = true }
            if changed { ProcessStats.releaseFreeMemory() }
            return changed
        }
    }

    /// Writes the samples in `[mint, maxt)` of `all` (head series sorted by labels) into a new
    /// level-1 block (none when empty).
    func persistHead(_ all: [(labels: Labels, series: MemSeries)], mint: Int64, maxt: Int64) throws {
        var writer = try BlockWriter(parentDirectory: directory, minTime: mint, maxTime: maxt)
        var ts: [Int64] = [], vs: [Double] = []
        var any = false
        for (labels, ms) in all {
            ts.removeAll(keepingCapacity: true)
            vs.removeAll(keepingCapacity: true)
            var it = HeadChunksIterator(head.chunks(of: ms, mint: mint, maxt: maxt - 1))
            if it.seek(to: mint) {
                repeat {
                    if it.timestamp >= maxt { break }
                    ts.append(it.timestamp); vs.append(it.value)
                } while it.next()
            }
            if ts.isEmpty { continue }
            try writer.add(labels: labels.pairs.map { (name: $0.name, value: $0.value) }, timestamps: ts, values: vs)
            any = true
        }
        guard any else { try? writer.abort(); return }
        let meta = try writer.finish()
        let reader = try BlockReader(directory: directory + "/" + meta.ulid)
        blocksState.withLock { b in
            b.append(reader)
            b.sort { $0.meta.minTime < $1.meta.minTime }
        }
        logger.info("persisted head block", metadata: ["ulid": "\(meta.ulid)", "series": "\(meta.stats.numSeries)", "samples": "\(meta.stats.numSamples)"])
    }

    /// Drops WAL segments up to `segment`, keeping records of series still in the head.
    func checkpointWAL(upTo segment: Int) throws {
        guard segment >= 0 else { return }
        let minValid = head.minValidTime.load(ordering: .relaxed)
        try wal.checkpoint(upTo: segment,
                           keepSeries: { [head] ref in ref <= UInt64(UInt32.max) && head.series(ref: UInt32(ref)) != nil },
                           keepSample: { $0.t >= minValid })
    }

    /// Merges blocks: overlapping ones first, then adjacent ones that fill a whole higher-level window.
    func compactBlocks() throws -> Bool {
        var changed = false
        while let group = nextCompactionGroup() {
            let meta = try BlockCompactor.compact(group, into: directory)
            let reader = try BlockReader(directory: directory + "/" + meta.ulid)
            let gone = Set(group.map(\.directory))
            blocksState.withLock { b in
                b.removeAll { gone.contains($0.directory) }
                b.append(reader)
                b.sort { $0.meta.minTime < $1.meta.minTime }
            }
            for dir in gone { deleteBlockDirectory(dir) }
            logger.info("compacted blocks", metadata: ["into": "\(meta.ulid)", "from": "\(group.count)"])
            changed = true
        }
        return changed
    }

    /// The next set of blocks worth merging, or nil.
    func nextCompactionGroup() -> [BlockReader]? {
        let bs = blocks
        guard bs.count >= 2 else { return nil }
        // Overlapping blocks (e.g. after a flush of late data) are merged first.
        for i in 0..<(bs.count - 1) where bs[i + 1].meta.minTime < bs[i].meta.maxTime {
            var group = [bs[i]]
            var end = bs[i].meta.maxTime
            for b in bs[(i + 1)...] where b.meta.minTime < end {
                group.append(b)
                end = Swift.max(end, b.meta.maxTime)
            }
            return group
        }
        let newest = bs.map(\.meta.maxTime).max() ?? 0
        for range in options.compactionRanges {
            var windows: [Int64: [BlockReader]] = [:]
            for b in bs {
                let w = alignDown(b.meta.minTime, range)
                // Only blocks lying wholly inside one window of this range qualify.
                guard b.meta.maxTime <= w + range, b.meta.maxTime - b.meta.minTime < range else { continue }
                windows[w, default: []].append(b)
            }
            for w in windows.keys.sorted() {
                guard let group = windows[w], group.count >= 2 else { continue }
                // Wait until the window is complete, so a window is compacted once.
                guard w + range <= newest else { continue }
                return group
            }
        }
        return nil
    }

    /// Deletes blocks beyond the time or size retention. Returns true when any was deleted.
    func applyRetention() throws -> Bool {
        let bs = blocks
        guard !bs.isEmpty else { return false }
        var doomed = Set<String>()
        if let rt = options.retentionTime {
            let newest = Swift.max(bs.map(\.meta.maxTime).max() ?? .min, head.maxTime ?? .min)
            for b in bs where b.meta.maxTime <= newest - rt { doomed.insert(b.directory) }
        }
        if let limit = options.retentionSize {
            var total = walSize() + head.chunkStore.fileBytes + bs.reduce(Int64(0)) { $0 + $1.sizeOnDisk }
            for b in bs where total > limit {  // oldest first
                if !doomed.contains(b.directory) { doomed.insert(b.directory) }
                total -= b.sizeOnDisk
            }
        }
        guard !doomed.isEmpty else { return false }
        blocksState.withLock { $0.removeAll { doomed.contains($0.directory) } }
        for d in doomed {
            logger.info("retention: deleting block", metadata: ["dir": "\(d)"])
            deleteBlockDirectory(d)
        }
        return true
    }

    /// Renames then deletes, so a crash never leaves a half-deleted block that looks valid.
    func deleteBlockDirectory(_ dir: String) {
        let tmp = dir + ".tmp-for-deletion"
        let fm = FileManager.default
        if (try? fm.moveItem(atPath: dir, toPath: tmp)) != nil {
            try? fm.removeItem(atPath: tmp)
        } else {
            try? fm.removeItem(atPath: dir)
        }
    }

    /// Bytes used by the WAL directory.
    func walSize() -> Int64 {
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: directory + "/wal") else { return 0 }
        var total: Int64 = 0
        while let f = e.nextObject() as? String {
            if let a = try? fm.attributesOfItem(atPath: directory + "/wal/" + f), let s = a[.size] as? NSNumber,
               (a[.type] as? FileAttributeType) == .typeRegular {
                total += s.int64Value
            }
        }
        return total
    }
}
