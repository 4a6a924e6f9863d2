import TSDB

/// Why a scrape's samples were not stored.
enum ScrapeFailure: Error, CustomStringConvertible, Sendable {
    case http(String)
    case parse(String)
    case sampleLimit(limit: Int)
    case labelLimit(limit: Int, series: String)
    case bodySizeLimit(limit: Int64)
    case storage(String)

    var description: String {
        switch self {
        case .http(let m): return m
        case .parse(let m): return "parse error: \(m)"
        case .sampleLimit(let l): return "sample_limit exceeded: more than \(l) samples after metric relabeling"
        case .labelLimit(let l, let s): return "label_limit exceeded: \(s) has more than \(l) labels"
        case .bodySizeLimit(let l): return "body_size_limit exceeded: the body is larger than \(l) bytes"
        case .storage(let m): return "storage: \(m)"
        }
    }
}

/// What one scrape stored, for the report series and the targets API.
struct ScrapeOutcome: Sendable {
    var scraped = 0
    var postRelabel = 0
    var seriesAdded = 0
    var report = AppendReport()
}

/// Turns scrape bodies of one target into appends: series cache by raw text, target labels and
/// honor_labels, metric relabeling, limits, scrape-time timestamps, and stale markers for
/// series that disappear. Not thread-safe: one per target, used by its scrape loop.
struct ScrapeProcessor {
    let targetLabels: Labels
    let honorLabels: Bool
    let honorTimestamps: Bool
    let sampleLimit: Int
    let labelLimit: Int
    let metricRelabeler: Relabeler
    private(set) var cache = ScrapeCache()
    /// Report-series labels (`up`, `scrape_duration_seconds`, …) and their refs.
    private var reportRefs: [String: UInt32] = [:]

    init(target: ScrapeTarget, config: ScrapeConfig) {
        targetLabels = target.labels
        honorLabels = config.honorLabels
        honorTimestamps = config.honorTimestamps
        sampleLimit = config.sampleLimit
        labelLimit = config.labelLimit
        metricRelabeler = Relabeler(config.metricRelabelConfigs)
    }

    /// The final labels of a scraped series: target labels merged (scraped labels that clash
    /// become `exported_<name>` unless honor_labels), then metric relabeling; nil when dropped.
    func finalLabels(_ scraped: Labels) -> Labels? {
        var pairs: [String: String] = [:]
        for l in scraped.pairs { pairs[l.name] = l.value }
        for t in targetLabels.pairs {
            if let existing = pairs[t.name] {
                if honorLabels { continue }
                var name = "exported_" + t.name
                while pairs[name] != nil { name = "exported_" + name }
                pairs[name] = existing
            }
            pairs[t.name] = t.value
        }
        guard let merged = try? Labels(validating: pairs.map { Label(name: $0.key, value: $0.value) }) else { return nil }
        return (try? metricRelabeler.apply(merged)) ?? nil
    }

    /// One sample to append: its cache entry and the values.
    private struct Pending {
        var entry: Int
        var t: Int64
        var v: Double
        /// The sample carried its own timestamp (noted in the cache only once the body is good).
        var explicit: Bool
    }

    /// The samples of the scrape being stored (kept between scrapes for its capacity).
    private var pending: [Pending] = []

    /// Stores one scrape's body at `scrapeTime` (ms) through `app`, committing on success. On
    /// failure nothing of the body is stored; the caller then calls `storeFailure`.
    ///
    /// Two passes: the body is parsed and checked against the cache and the limits first, so a
    /// bad body fails before anything is appended; then the samples are appended, each series
    /// object prefetched a few samples ahead (every one is a cache miss on a large target).
    mutating func store(
        body: UnsafeRawBufferPointer, format: ExpositionFormat, scrapeTime: Int64, into app: inout HeadAppender
    ) throws(ScrapeFailure) -> ScrapeOutcome {
        cache.beginScrape()
        pending.removeAll(keepingCapacity: true)
        var out = ScrapeOutcome()
        let repeated: Int
        do {
            repeated = try parse(body: body, format: format, scrapeTime: scrapeTime, outcome: &out)
        } catch {
            cache.abortScrape()
            throw error
        }
        let vanished = cache.vanished()
        app.reserveCapacity(pending.count + vanished.count)
        let lookahead = 8
        for i in pending.indices {
            if i + lookahead < pending.count { cache.prefetchSeries(pending[i + lookahead].entry) }
            let p = pending[i]
            cache.setExplicitTimestamp(p.entry, p.explicit)
            if cache.append(p.entry, t: p.t, v: p.v, to: &app) { continue }
            guard let labels = cache.labels(p.entry) else { continue }
            let r = app.seriesRef(labels, t: p.t, v: p.v)
            cache.setSeries(p.entry, ref: r, series: app.series(ref: r))
        }
        for (labels, ref) in vanished { appendStale(labels, ref, scrapeTime, &app) }
        do { out.report = try app.commit() } catch { throw ScrapeFailure.storage("\(error)") }
        out.report.duplicates += repeated
        IngestMetrics.shared.record(out.report)
        return out
    }

    /// The first pass of `store`: parses the body, finds or adds each series in the cache and
    /// collects the samples to append in `pending`; throws on a bad body or a limit. Returns the
    /// number of samples whose series came earlier in the body (duplicates).
    private mutating func parse(
        body: UnsafeRawBufferPointer, format: ExpositionFormat, scrapeTime: Int64, outcome out: inout ScrapeOutcome
    ) throws(ScrapeFailure) -> Int {
        var repeated = 0
        // Compatible checking: client libraries emit negative histogram buckets and quantiles that strict
        // OpenMetrics rejects, and Prometheus scrapes them.
        var parser = ExpositionParser(body, format: format, validation: .compatible)
        do {
            let om = format == .openMetrics
            while let sample = try cache.withExpectedHint({ (hint) throws(ExpositionError) in try parser.nextSample(hint: hint) }) {
                out.scraped += 1
                let idx: Int
                var hash: UInt64 = 0
                let found: Int?
                if parser.lastSampleMatchedHint {
                    found = cache.takeExpected()
                } else {
                    hash = ScrapeCache.hash(sample.series)
                    found = cache.find(sample.series, hash: hash)
                }
                if let i = found {
                    idx = i
                    // A series repeated within one body is stored once (the rest are duplicates).
                    guard cache.markSeen(i) else { repeated += 1; continue }
                } else {
                    let labels = finalLabels(try sample.makeLabels())
                    if let labels, labelLimit > 0, labels.count > labelLimit {
                        throw ScrapeFailure.labelLimit(limit: labelLimit, series: "\(labels)")
                    }
                    idx = cache.insert(sample, openMetrics: om, hash: hash, labels: labels, ref: nil)
                    if labels != nil { out.seriesAdded += 1 }
                }
                guard cache.isKept(idx) else { continue }
                out.postRelabel += 1
                if sampleLimit > 0, out.postRelabel > sampleLimit { throw ScrapeFailure.sampleLimit(limit: sampleLimit) }
                let explicit = honorTimestamps && sample.timestamp != nil
                let t = explicit ? (sample.timestamp ?? scrapeTime) : scrapeTime
                pending.append(Pending(entry: idx, t: t, v: sample.value, explicit: explicit))
            }
        } catch let f as ScrapeFailure {
            throw f
        } catch {
            throw ScrapeFailure.parse("\(error)")
        }
        return repeated
    }

    /// After a failed scrape: stale markers for every series the previous scrape stored.
    mutating func storeFailure(scrapeTime: Int64, into app: inout HeadAppender) {
        cache.beginScrape()
        for (labels, ref) in cache.vanished() { appendStale(labels, ref, scrapeTime, &app) }
        _ = try? app.commit()
    }

    /// When the target goes away: stale markers for everything the last scrape stored.
    mutating func storeTargetGone(at time: Int64, into app: inout HeadAppender) {
        for (labels, ref) in cache.seenLastScrape() { appendStale(labels, ref, time, &app) }
        for name in ["up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"] {
            if let l = reportLabels(name) { app.append(l, t: time, v: StaleNaN.value) }
        }
        _ = try? app.commit()
    }

    private func appendStale(_ labels: Labels, _ ref: UInt32?, _ t: Int64, _ app: inout HeadAppender) {
        if let ref, (try? app.append(ref: ref, t: t, v: StaleNaN.value)) != nil { return }
        app.append(labels, t: t, v: StaleNaN.value)
    }

    private func reportLabels(_ name: String) -> Labels? {
        var pairs = targetLabels.pairs.filter { $0.name != "__name__" }
        pairs.append(Label(name: "__name__", value: name))
        return try? Labels(validating: pairs)
    }

    /// Appends the per-scrape report series (`up`, durations, counts) and commits.
    mutating func storeReport(
        up: Bool, durationSeconds: Double, outcome: ScrapeOutcome, at t: Int64, into app: inout HeadAppender
    ) {
        let values: [(String, Double)] = [
            ("up", up ? 1 : 0),
            ("scrape_duration_seconds", durationSeconds),
            ("scrape_samples_scraped", Double(outcome.scraped)),
            ("scrape_samples_post_metric_relabeling", Double(outcome.postRelabel)),
            ("scrape_series_added", Double(outcome.seriesAdded)),
        ]
        for (name, v) in values {
            if let r = reportRefs[name], (try? app.append(ref: r, t: t, v: v)) != nil { continue }
            guard let l = reportLabels(name) else { continue }
            reportRefs[name] = app.seriesRef(l, t: t, v: v)
        }
        _ = try? app.commit()
    }
}
