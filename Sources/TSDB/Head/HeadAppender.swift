/// Where committed batches are made durable before they become visible (the WAL, in a DB).
public protocol AppendLog: Sendable {
    /// Writes new series records then samples; returns only when they are durable per policy.
    func log(series: [WALSeries], samples: [WALSample]) throws
}

/// Collects samples for the head and commits them as one batch.
///
/// Each sample is checked when added (out of order, duplicate, too old) and reserved on its
/// series; `commit()` writes the accepted samples to the log, then makes them visible. Not
/// thread-safe: use one appender per task. Reusable after `commit()`/`rollback()`.
public struct HeadAppender {
    let head: Head
    let log: (any AppendLog)?
    /// Series of the accepted samples, unretained: their `inFlight` count keeps head GC from
    /// removing them until commit or rollback (a retain and release per sample cost more).
    private var pending: [Unmanaged<MemSeries>] = []
    private var walSamples: [WALSample] = []
    /// Per pending sample, its open chunk's lines (nil: the series has none yet), prefetched a few
    /// samples ahead in `commit`: on a large batch they left the cache since the reservation.
    private var chunkLines: [ChunkTouchAddresses?] = []
    private var unlogged: [MemSeries] = []
    /// Counts for the batch being built.
    public private(set) var report = AppendReport()

    init(head: Head, log: (any AppendLog)?) {
        self.head = head
        self.log = log
    }

    /// Makes room for `samples` more samples in the batch (avoids regrowing for a known size).
    public mutating func reserveCapacity(_ samples: Int) {
        pending.reserveCapacity(pending.count + samples)
        walSamples.reserveCapacity(walSamples.count + samples)
        chunkLines.reserveCapacity(chunkLines.count + samples)
    }

    /// Adds a sample for `labels` (validated by `Labels`); returns the series ref for `append(ref:)`,
    /// or nil when the sample was rejected or ignored (counted in `report`).
    @discardableResult
    public mutating func append(_ labels: Labels, t: Int64, v: Double) -> UInt32? {
        let (s, added) = add(labels, t, v)
        return added ? s.ref : nil
    }

    /// Adds a sample for `labels` like `append(_:t:v:)` but returns the series ref even when the
    /// sample itself was rejected (counted in `report`), so a cache can use the ref next time.
    public mutating func seriesRef(_ labels: Labels, t: Int64, v: Double) -> UInt32 {
        add(labels, t, v).series.ref
    }

    /// The series `seriesRef` returned, for callers that cache the object itself (one lookup less
    /// per sample than by ref).
    public func series(ref: UInt32) -> MemSeries? { head.series(ref: ref) }

    /// Adds a sample to a series object from `series(ref:)`; throws when head GC removed it
    /// since (look it up again by labels then).
    @discardableResult
    public mutating func append(series s: MemSeries, t: Int64, v: Double) throws(AppendError) -> Bool {
        try add(s, t, v)
    }

    /// Adds a sample for a series ref from an earlier `append` (a scrape cache's fast path).
    @discardableResult
    public mutating func append(ref: UInt32, t: Int64, v: Double) throws(AppendError) -> Bool {
        guard let s = head.series(ref: ref) else { throw .unknownSeriesRef(ref) }
        return try add(s, t, v)
    }

    /// Adds a sample with a floating-point millisecond timestamp, rejecting NaN/Inf timestamps.
    @discardableResult
    public mutating func append(_ labels: Labels, timestamp: Double, v: Double) throws(AppendError) -> UInt32? {
        let t = try timestampMilliseconds(timestamp)
        return append(labels, t: t, v: v)
    }

    /// Adds a sample for `labels`, looking the series up again if head GC removes it between the
    /// lookup and the reservation (a pending sample must never sit on a removed series: the
    /// batch holds it unretained). Returns the series and whether the sample was accepted.
    private mutating func add(_ labels: Labels, _ t: Int64, _ v: Double) -> (series: MemSeries, added: Bool) {
        var attempt = 0
        while true {
            let (s, created) = head.getOrCreate(labels)
            if created { report.seriesCreated += 1 }
            do throws(AppendError) {
                return (s, try add(s, t, v))
            } catch {
                // Removed by GC after the lookup: unlinked here, the retry creates a new series.
                // The bound only guards against a series removed again and again.
                head.unlinkRemoved(s)
                attempt += 1
                if attempt >= 100 {
                    report.outOfBounds += 1
                    return (s, false)
                }
            }
        }
    }

    /// Reserves a sample on `s`; throws when head GC removed the series.
    private mutating func add(_ s: MemSeries, _ t: Int64, _ v: Double) throws(AppendError) -> Bool {
        if t < head.minValidTime.load(ordering: .relaxed) { report.outOfBounds += 1; return false }
        let bits = v.bitPattern
        let (verdict, needsLog, removed, lines): (SampleVerdict, Bool, Bool, ChunkTouchAddresses?) = s.state.withLock { st in
            if st.removed { return (.outOfOrder, false, true, nil) }
            let verdict = st.classify(t, bits)
            if case .accept = verdict {
                st.pendingT = t
                st.pendingV = bits
                st.inFlight &+= 1
            }
            return (verdict, !st.logged, false, st.open?.touchAddresses)
        }
        if removed { throw .unknownSeriesRef(s.ref) }
        switch verdict {
        case .accept:
            pending.append(Unmanaged.passUnretained(s))
            walSamples.append(WALSample(ref: UInt64(s.ref), t: t, v: v))
            chunkLines.append(lines)
            if needsLog { unlogged.append(s) }
            return true
        case .duplicateIgnored: report.duplicatesIgnored += 1
        case .duplicate: report.duplicates += 1
        case .outOfOrder: report.outOfOrder += 1
        }
        return false
    }

    /// Writes the batch to the log, then makes it visible. On a log failure nothing of the batch
    /// is stored and the error says why. Returns the batch's report and resets the appender.
    public mutating func commit() throws(AppendError) -> AppendReport {
        defer { reset() }
        guard !pending.isEmpty else { return report }
        var seriesRecords: [WALSeries] = []
        if !unlogged.isEmpty {
            var seen = Set<UInt32>()
            for s in unlogged where seen.insert(s.ref).inserted {
                seriesRecords.append(WALSeries(ref: UInt64(s.ref), labels: s.labels.pairs.map { WALLabel(name: $0.name, value: $0.value) }))
            }
        }
        if let log {
            do {
                try log.log(series: seriesRecords, samples: walSamples)
            } catch {
                releaseReservations()
                throw .walFailed("\(error)")
            }
        }
        for s in unlogged { s.state.withLock { $0.logged = true } }
        var minT = Int64.max, maxT = Int64.min, n = 0
        let spc = head.samplesPerChunk, br = head.blockRange, store = head.chunkStore
        pending.withUnsafeBufferPointer { pending in
            walSamples.withUnsafeBufferPointer { walSamples in
                chunkLines.withUnsafeBufferPointer { chunkLines in
                    for i in 0..<pending.count {
                        // The series objects and chunk bytes ahead: the pass before touched many
                        // others since, so each would otherwise be a cache miss waited for here.
                        if i + 8 < pending.count {
                            MemSeries.prefetch(pending[i + 8])
                            chunkLines[i + 8]?.prefetch()
                        }
                        let ws = walSamples[i]
                        let stored: Bool = pending[i]._withUnsafeGuaranteedRef { s in
                            s.state.withLock { st in
                                st.inFlight &-= 1
                                // Re-check: another appender may have committed a newer sample meanwhile.
                                guard ws.t > st.lastT else { return false }
                                st.commit(ws.t, ws.v, samplesPerChunk: spc, blockRange: br, store: store)
                                return true
                            }
                        }
                        if stored {
                            n += 1
                            if ws.t < minT { minT = ws.t }
                            if ws.t > maxT { maxT = ws.t }
                        }
                    }
                }
            }
        }
        report.outOfOrder += pending.count - n
        if n > 0 { head.noteAppended(minT: minT, maxT: maxT, count: n) }
        report.appended = n
        return report
    }

    /// Drops the batch without storing it.
    public mutating func rollback() {
        releaseReservations()
        reset()
    }

    private func releaseReservations() {
        for i in 0..<pending.count {
            let t = walSamples[i].t
            pending[i]._withUnsafeGuaranteedRef { s in
                s.state.withLock { st in
                    st.inFlight &-= 1
                    if st.pendingT == t { st.pendingT = .min }
                }
            }
        }
    }

    private mutating func reset() {
        pending.removeAll(keepingCapacity: true)
        walSamples.removeAll(keepingCapacity: true)
        chunkLines.removeAll(keepingCapacity: true)
        unlogged.removeAll(keepingCapacity: true)
        report = AppendReport()
    }
}

extension Head {
    /// An appender that writes through `log` (nil: memory only, for tests and benchmarks of the head alone).
    public func appender(log: (any AppendLog)? = nil) -> HeadAppender { HeadAppender(head: self, log: log) }
}
