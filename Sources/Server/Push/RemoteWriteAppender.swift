import TSDB

/// Looks up, then appends, the series of a validated remote-write request.
///
/// `prepare` resolves all series of the request against the cache snapshot at once, in loops
/// without locks: with tens of thousands of active series every lookup is a cache miss, so the
/// table slots, then the series objects, are prefetched together and their misses overlap.
struct RemoteWriteAppender: RemoteWriteVisitor {
    let cache: RemoteWriteSeriesCache
    var app: HeadAppender
    /// Series whose labels could not be used, with the first reason.
    var invalidSeries = 0
    var firstInvalid: String?
    /// Keeps the series in `resolved` alive for the request.
    private let snapshot: RemoteWriteSeriesCache.Snapshot
    /// The cached series of each series of the request, by index (nil: not cached).
    private var resolved: [Unmanaged<MemSeries>?] = []
    /// The confirming hash of each series' label bytes, by index.
    private var checks: [UInt64] = []

    init(cache: RemoteWriteSeriesCache, app: HeadAppender) {
        self.cache = cache
        self.app = app
        snapshot = cache.snapshot()
    }

    mutating func prepare(_ all: RemoteWriteSeriesList) {
        app.reserveCapacity(all.reduce(0) { $0 + $1.samples.count })
        for s in all { snapshot.prefetch(s.labels.hash) }
        // Hashing the (already cached) label bytes gives the prefetches time to land.
        checks = all.map { LabelBytesHash.hash($0.labels.rawBytes, seed: RemoteWriteSeriesCache.checkSeed) }
        resolved = all.map { snapshot.get($0.labels.hash, check: checks[$0.index]) }
        for case let s? in resolved { MemSeries.prefetch(s) }
    }

    mutating func visit(_ series: RemoteWriteSeries) {
        let samples = series.samples
        guard !samples.isEmpty else { return }
        let h = series.labels.hash
        let check = checks[series.index]
        if let u = resolved[series.index] {
            // Alive: the snapshot holds it. One removed by head GC since throws: the label path.
            let done = u._withUnsafeGuaranteedRef { s in append(samples, to: s) }
            if done { return }
        } else if let s = cache.recent(h, check: check), append(samples, to: s) {
            return
        }
        let labels: Labels
        do { labels = try series.labels.makeLabels() } catch {
            invalidSeries += 1
            if firstInvalid == nil { firstInvalid = "timeseries \(series.index): \(error)" }
            return
        }
        let r = app.seriesRef(labels, t: samples[0].t, v: samples[0].v)
        guard let s = app.series(ref: r) else { return }
        cache.set(h, check: check, s)
        for i in 1..<samples.count { _ = try? app.append(series: s, t: samples[i].t, v: samples[i].v) }
    }

    /// Appends all samples to a cached series; false (nothing appended) if head GC removed it.
    private mutating func append(_ samples: RemoteWriteSamples, to s: MemSeries) -> Bool {
        guard (try? app.append(series: s, t: samples[0].t, v: samples[0].v)) != nil else { return false }
        for i in 1..<samples.count { _ = try? app.append(series: s, t: samples[i].t, v: samples[i].v) }
        return true
    }
}
