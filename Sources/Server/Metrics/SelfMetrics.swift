import Foundation
import Hummingbird
import RuleEval
import TSDB

/// Tidemark's own `/metrics` in the Prometheus text format.
enum SelfMetrics {
    static let startTime = Date().timeIntervalSince1970

    static func register(on router: Router<BasicRequestContext>, db: DB, scrapes: ScrapeManager,
                         rules: RuleManager? = nil, notifier: AlertmanagerNotifier? = nil, dispatcher: Dispatcher? = nil) {
        router.get("/metrics") { _, _ -> Response in
            var body = render(db) + render(scrapes.metrics.snapshot)
            if let rules { body += render(await rules.groups) }
            if let notifier { body += render(notifier.stats.withLock { $0 }, capacity: notifier.capacity) }
            if let dispatcher { body += DispatcherMetrics.render(dispatcher.stats.withLock { $0 }, dispatcher.sender.stats.withLock { $0 }) }
            return response(body)
        }
    }

    /// A `/metrics` answer: `text` in the Prometheus text format.
    static func response(_ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: text)))
    }

    /// Appends one gauge family with a single unlabelled sample.
    private static func gauge(_ name: String, _ help: String, _ value: Double, into out: inout String) {
        out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(formatValue(value))\n"
    }

    static func render(_ jobs: [String: ScrapeMetrics.Job]) -> String {
        var out = "# HELP tidemark_scrape_duration_seconds Time spent scraping, by job.\n# TYPE tidemark_scrape_duration_seconds summary\n"
        for (job, f) in jobs.sorted(by: { $0.key < $1.key }) {
            out += "tidemark_scrape_duration_seconds_sum{job=\"\(LabelValidation.escape(job))\"} \(formatValue(f.seconds))\n"
            out += "tidemark_scrape_duration_seconds_count{job=\"\(LabelValidation.escape(job))\"} \(f.scrapes)\n"
        }
        out += "# HELP tidemark_scrapes_failed_total Scrapes that failed, by job.\n# TYPE tidemark_scrapes_failed_total counter\n"
        for (job, f) in jobs.sorted(by: { $0.key < $1.key }) {
            out += "tidemark_scrapes_failed_total{job=\"\(LabelValidation.escape(job))\"} \(f.failures)\n"
        }
        return out
    }

    static func render(_ groups: [RuleGroup]) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ rows: [(String, String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, v) in rows { out += "\(name)\(labels) \(v)\n" }
        }
        func group(_ g: RuleGroup) -> String { "{rule_group=\"\(LabelValidation.escape(g.key))\"}" }
        let counters = groups.map { ($0, $0.counters) }
        family("tidemark_rule_group_last_duration_seconds", "gauge", "Duration of the last evaluation of the group.",
               groups.map { (group($0), formatValue($0.evaluationSeconds)) })
        family("tidemark_rule_group_interval_seconds", "gauge", "Evaluation interval of the group.",
               groups.map { (group($0), formatValue(Double($0.intervalMs) / 1000)) })
        family("tidemark_rule_group_rules", "gauge", "Rules in the group.", groups.map { (group($0), "\($0.rules.count)") })
        family("tidemark_rule_group_iterations_total", "counter", "Evaluations of the group.",
               counters.map { (group($0.0), "\($0.1.evaluations)") })
        family("tidemark_rule_group_iterations_missed_total", "counter", "Evaluations skipped because the previous one ran late.",
               counters.map { (group($0.0), "\($0.1.missedIterations)") })
        var failures: [(String, String)] = []
        for (g, c) in counters {
            // Rules may share a name (one alert, several severities): one series per name.
            var seen = Set<String>()
            for r in g.rules where seen.insert(r.definition.name).inserted {
                let l = "{rule_group=\"\(LabelValidation.escape(g.key))\",rule=\"\(LabelValidation.escape(r.definition.name))\"}"
                failures.append((l, "\(c.failures[r.definition.name] ?? 0)"))
            }
        }
        family("tidemark_rule_evaluation_failures_total", "counter", "Failed rule evaluations, by group and rule.", failures)
        family("tidemark_rule_samples_rejected_total", "counter", "Rule output samples the storage rejected (out of order, duplicate).",
               counters.map { (group($0.0), "\($0.1.samplesRejected)") })
        return out
    }

    static func render(_ s: AlertmanagerNotifier.Stats, capacity: Int) -> String {
        var out = "# HELP tidemark_notifications_sent_total Alerts sent, by Alertmanager.\n# TYPE tidemark_notifications_sent_total counter\n"
        for (url, n) in s.sent.sorted(by: { $0.key < $1.key }) { out += "tidemark_notifications_sent_total{alertmanager=\"\(LabelValidation.escape(url))\"} \(n)\n" }
        out += "# HELP tidemark_notifications_errors_total Alerts whose sending failed, by Alertmanager (each attempt).\n# TYPE tidemark_notifications_errors_total counter\n"
        for (url, n) in s.errors.sorted(by: { $0.key < $1.key }) { out += "tidemark_notifications_errors_total{alertmanager=\"\(LabelValidation.escape(url))\"} \(n)\n" }
        out += "# HELP tidemark_notifications_dropped_total Alerts dropped: queue overflow, or no Alertmanager took them.\n# TYPE tidemark_notifications_dropped_total counter\n"
        out += "tidemark_notifications_dropped_total \(s.dropped)\n"
        out += "# HELP tidemark_notifications_queue_length Alerts waiting to be sent.\n# TYPE tidemark_notifications_queue_length gauge\n"
        out += "tidemark_notifications_queue_length \(s.queueLength)\n"
        out += "# HELP tidemark_notifications_queue_capacity Capacity of the alert queue.\n# TYPE tidemark_notifications_queue_capacity gauge\n"
        out += "tidemark_notifications_queue_capacity \(capacity)\n"
        return out
    }

    /// What does not need the storage open: process, ingest, WAL health and HTTP figures. Served
    /// alone while the WAL replays, so a Prometheus scraping Tidemark sees it up meanwhile (as
    /// Prometheus serves its own /metrics during its replay).
    static func renderProcess(replaying: Bool = false) -> String {
        var out = ""
        func gauge(_ name: String, _ help: String, _ value: Double) { Self.gauge(name, help, value, into: &out) }
        func counter(_ name: String, _ help: String, _ rows: [(String, Double)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
            for (labels, v) in rows { out += "\(name)\(labels) \(formatValue(v))\n" }
        }
        let ingest = IngestMetrics.shared.snapshot
        counter("tidemark_tsdb_samples_appended_total", "Samples stored (scrapes and pushes).", [("", Double(ingest.appended))])
        counter("tidemark_tsdb_samples_rejected_total", "Samples rejected, by reason.", [
            ("{reason=\"out_of_order\"}", Double(ingest.outOfOrder)),
            ("{reason=\"duplicate\"}", Double(ingest.duplicates)),
            ("{reason=\"out_of_bounds\"}", Double(ingest.outOfBounds)),
        ])
        counter("tidemark_push_native_histogram_samples_dropped_total", "Pushed native histogram samples dropped (not supported).",
                [("", Double(IngestMetrics.shared.droppedHistogramSamples))])
        counter("tidemark_tsdb_wal_corruptions_total", "WALs found damaged and repaired at start-up.", [("", Double(WALHealthStats.corruptions))])
        counter("tidemark_tsdb_wal_write_failures_total", "Batches whose WAL write failed (not acknowledged).", [("", Double(WALHealthStats.writeFailures))])
        counter("tidemark_tsdb_samples_duplicate_ignored_total", "Samples identical to the stored one, ignored.", [("", Double(ingest.duplicatesIgnored))])
        out += "# HELP tidemark_tsdb_wal_fsync_duration_seconds Time spent in WAL fsyncs.\n# TYPE tidemark_tsdb_wal_fsync_duration_seconds summary\n"
        out += "tidemark_tsdb_wal_fsync_duration_seconds_sum \(formatValue(WALSyncStats.seconds))\ntidemark_tsdb_wal_fsync_duration_seconds_count \(WALSyncStats.syncs)\n"
        out += "# HELP tidemark_http_request_duration_seconds HTTP requests by handler and code.\n# TYPE tidemark_http_request_duration_seconds summary\n"
        for (k, f) in HTTPMetrics.shared.snapshot.sorted(by: { ($0.key.handler, $0.key.code) < ($1.key.handler, $1.key.code) }) {
            let l = "handler=\"\(LabelValidation.escape(k.handler))\",code=\"\(k.code)\""
            out += "tidemark_http_request_duration_seconds_sum{\(l)} \(formatValue(f.seconds))\n"
            out += "tidemark_http_request_duration_seconds_count{\(l)} \(f.count)\n"
        }
        gauge("tidemark_tsdb_wal_replay_in_progress", "1 while the WAL replays at start-up, before the storage serves.", replaying ? 1 : 0)
        gauge("process_resident_memory_bytes", "Resident memory size in bytes.", Double(ProcessStats.residentBytes()))
        gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", startTime)
        return out
    }

    static func render(_ db: DB) -> String {
        var out = renderProcess()
        func gauge(_ name: String, _ help: String, _ value: Double) { Self.gauge(name, help, value, into: &out) }
        let blocks = db.blocks
        gauge("tidemark_tsdb_head_series", "Series in the head block.", Double(db.head.numSeries))
        gauge("tidemark_tsdb_head_samples", "Samples held in the head block.", Double(db.head.numSamples))
        gauge("tidemark_tsdb_head_min_time", "Oldest sample time in the head (ms).", Double(db.head.minTime ?? 0))
        gauge("tidemark_tsdb_head_max_time", "Newest sample time in the head (ms).", Double(db.head.maxTime ?? 0))
        let segments = db.head.chunkStore.segmentCounts
        gauge("tidemark_tsdb_head_chunk_segments", "Segments of closed head chunks (files under chunks_head/, or memory).", Double(segments.total))
        gauge("tidemark_tsdb_head_chunk_segments_in_memory", "Segments of closed head chunks kept in memory because their file could not be written.",
              Double(segments.inMemory))
        let slabs = SlabAllocator.shared.slabsInUse
        gauge("tidemark_tsdb_head_chunk_buffer_bytes", "Memory of the head's open chunks and chunk lists (slabs in use).", Double(slabs.bytes))
        gauge("tidemark_tsdb_blocks_loaded", "Persisted blocks served.", Double(blocks.count))
        gauge("tidemark_tsdb_storage_blocks_bytes", "Bytes of all persisted blocks.", Double(db.blocksSize))
        return out
    }

    /// Go/Prometheus float formatting (the exposition writer's).
    static func formatValue(_ v: Double) -> String { ExpositionFloatFormatter.format(v) }
}
