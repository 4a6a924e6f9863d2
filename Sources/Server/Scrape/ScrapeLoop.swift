import AsyncHTTPClient
import Foundation
import Logging
import NIOSSL
import NIOCore
import NIOHTTP1
import TSDB

/// Health of a target as the last scrape left it (for logs, self-metrics and the targets API).
struct TargetHealth: Sendable {
    var up: Bool?
    var lastError: String?
    var lastScrapeMs: Int64 = 0
    var lastDurationSeconds = 0.0
    var lastSamples = 0
}

/// Scrapes one target at its interval until stopped.
///
/// Scrapes start at a per-target offset inside the interval (a hash of the target), so targets
/// do not all fire at once, and the stored timestamp is the scheduled tick when the scrape started
/// within 2 ms of it (as Prometheus' `--scrape.timestamp-tolerance`), so timestamps of a target
/// are exactly one interval apart and cost one bit each in a chunk.
final class ScrapeLoop: Sendable {
    static let timestampToleranceMs: Int64 = 2
    static let accept = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1"
    static let defaultBodyLimit = 256 << 20
    static let maxKeptBodyCapacity = 32 << 20

    let target: ScrapeTarget
    let health = LockedValue(TargetHealth())
    /// The target's metric metadata (`# HELP`, `# TYPE`, `# UNIT`) from a recent scrape.
    let metadata = LockedValue([String: MetricMetadata]())
    private let task = LockedValue<Task<Void, Never>?>(nil)
    /// Whether stopping writes stale markers (a removed target) or not (shutdown, as Prometheus).
    private let staleOnStop = LockedValue(true)

    init(target: ScrapeTarget, config: ScrapeConfig, db: DB, client: HTTPClient, metrics: ScrapeMetrics, logger: Logger) {
        self.target = target
        let health = self.health
        let metadata = self.metadata
        let staleOnStop = self.staleOnStop
        let t = Task {
            await Self.run(target: target, config: config, db: db, client: client, health: health, metadata: metadata,
                           metrics: metrics, staleOnStop: staleOnStop, logger: logger)
        }
        task.withLock { $0 = t }
    }

    /// Stops scraping; with `markStale` the loop writes stale markers for everything the target exposed.
    func stop(markStale: Bool) async {
        staleOnStop.withLock { $0 = markStale }
        guard let t = task.withLock({ $0 }) else { return }
        t.cancel()
        await t.value
    }

    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    private static func run(
        target: ScrapeTarget, config: ScrapeConfig, db: DB, client: HTTPClient, health: LockedValue<TargetHealth>,
        metadata: LockedValue<[String: MetricMetadata]>, metrics: ScrapeMetrics, staleOnStop: LockedValue<Bool>, logger: Logger
    ) async {
        var proc = ScrapeProcessor(target: target, config: config)
        let interval = target.intervalMs
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in (target.url + "\(target.labels)").utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let offset = Int64(h % UInt64(interval))
        var tick = alignDown(nowMs() - offset, interval) + offset + interval
        // Kept between scrapes: a large body then costs one copy, without a fresh allocation
        // that grows (and copies) step by step.
        var body = ByteBuffer()
        var scrapes = 0
        // Built once per loop (the config validated it): parsing certificates per scrape is costly.
        let tls = try? config.tls?.configuration()
        while !Task.isCancelled {
            let wait = tick - nowMs()
            if wait > 0 {
                do { try await Task.sleep(for: .milliseconds(wait)) } catch { break }
            }
            let start = nowMs()
            let ts = abs(start - tick) <= timestampToleranceMs ? tick : start
            let clock = ContinuousClock.now
            var outcome = ScrapeOutcome()
            var failure: String?
            do {
                let contentType = try await fetch(target: target, config: config, tls: tls, client: client, into: &body)
                var app = db.appender()
                let format = ExpositionFormat(contentType: contentType)
                outcome = try body.withUnsafeReadableBytes { buf throws(ScrapeFailure) in
                    try proc.store(body: buf, format: format, scrapeTime: ts, into: &app)
                }
                // Metadata rarely changes: read it when series appear and every tenth scrape,
                // not on every scrape of a large target.
                if outcome.seriesAdded > 0 || scrapes % 10 == 0 {
                    let found = body.withUnsafeReadableBytes { ExpositionMetadataScanner.scan($0, format: format) }
                    metadata.withLock { $0 = found }
                }
                scrapes += 1
            } catch {
                failure = "\(error)"
                var app = db.appender()
                proc.storeFailure(scrapeTime: ts, into: &app)
            }
            // One huge body must not pin its buffer for the target's lifetime.
            if body.capacity > Self.maxKeptBodyCapacity { body = ByteBuffer() }
            let elapsed = ContinuousClock.now - clock
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            var app = db.appender()
            proc.storeReport(up: failure == nil, durationSeconds: seconds, outcome: outcome, at: ts, into: &app)
            metrics.record(job: target.job, seconds: seconds, failed: failure != nil)
            let prevUp = health.withLock { $0.up }
            health.withLock {
                $0.up = failure == nil
                $0.lastError = failure
                $0.lastScrapeMs = ts
                $0.lastDurationSeconds = seconds
                $0.lastSamples = outcome.scraped
            }
            if let failure, prevUp != false {
                logger.warning("scrape failed", metadata: ["target": "\(target.url)", "job": "\(target.job)", "error": "\(failure)"])
            }
            // Skip ticks missed while this scrape ran (a slow target must not scrape back to back).
            let now = nowMs()
            tick += interval
            if tick <= now {
                let missed: Int64 = (now - tick) / interval + 1
                tick += missed * interval
            }
        }
        guard staleOnStop.withLock({ $0 }) else { return }
        var app = db.appender()
        proc.storeTargetGone(at: nowMs(), into: &app)
    }

    /// Fetches the target's body into `body` (its storage reused); returns the response's content type.
    private static func fetch(target: ScrapeTarget, config: ScrapeConfig, tls: TLSConfiguration?, client: HTTPClient,
                              into body: inout ByteBuffer) async throws -> String {
        var headers = HTTPHeaders()
        headers.add(name: "Accept", value: accept)
        headers.add(name: "Accept-Encoding", value: "gzip")
        headers.add(name: "User-Agent", value: "Tidemark/\(TidemarkVersion.string)")
        headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds", value: String(Double(target.timeoutMs) / 1000))
        if let auth = config.auth {
            do { headers.add(name: "Authorization", value: try auth.headerValue()) } catch { throw ScrapeFailure.http(error.description) }
        }
        let limit = config.bodySizeLimit > 0 ? Int(config.bodySizeLimit) : defaultBodyLimit
        let collector = ScrapeBodyCollector(reusing: body, limit: limit)
        // The collector holds the only reference while the request runs.
        body = ByteBuffer()
        do {
            let req = try HTTPClient.Request(url: target.url, method: .GET, headers: headers, body: nil, tlsConfiguration: tls)
            let task = client.execute(request: req, delegate: collector, deadline: .now() + .milliseconds(target.timeoutMs))
            // Stopping the loop (reload, shutdown) must not wait for a slow target's timeout.
            let result = try await withTaskCancellationHandler { try await task.get() } onCancel: { task.cancel() }
            body = result.body
            return result.contentType
        } catch let f as ScrapeFailure {
            throw f
        } catch {
            throw ScrapeFailure.http("\(error)")
        }
    }
}
