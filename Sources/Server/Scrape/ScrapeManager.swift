import AsyncHTTPClient
import Logging
import TSDB

/// Runs one scrape loop per target of the current configuration; on a new configuration or a
/// changed file_sd file, starts the new targets and stops the removed ones (which get stale markers).
actor ScrapeManager {
    private let db: DB
    private let client: HTTPClient
    private let logger: Logger
    let metrics = ScrapeMetrics()
    private var config = PrometheusConfig()
    private var loops: [ScrapeTarget: (loop: ScrapeLoop, config: ScrapeConfig)] = [:]
    private let fileSD = FileSDReader()
    private var watcher: Task<Void, Never>?

    init(db: DB, logger: Logger) {
        self.db = db
        self.logger = logger
        self.client = Self.makeHTTPClient()
    }

    /// The client scrape loops share: it inflates gzip bodies (the loops ask for gzip).
    static func makeHTTPClient() -> HTTPClient {
        var c = HTTPClient.Configuration()
        c.decompression = .enabled(limit: .ratio(200))
        c.timeout.connect = .seconds(10)
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }

    /// The targets being scraped and their health.
    var targets: [(ScrapeTarget, TargetHealth)] { loops.map { ($0.key, $0.value.loop.health.withLock { $0 }) } }

    /// Metadata of every metric the current targets declare: per name, the distinct
    /// (type, help, unit) combinations, as Prometheus' `/api/v1/metadata` lists them.
    func metadata() -> [String: [MetricMetadata]] {
        var merged: [String: [MetricMetadata]] = [:]
        for (_, running) in loops {
            for (name, md) in running.loop.metadata.withLock({ $0 }) where !(merged[name]?.contains(md) ?? false) {
                merged[name, default: []].append(md)
            }
        }
        return merged
    }

    /// Switches to `config`: targets kept by the new configuration keep scraping undisturbed.
    func apply(_ config: PrometheusConfig) async {
        self.config = config
        await reconcile()
        if watcher == nil {
            watcher = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(5))
                    await self?.refreshFileSD()
                }
            }
        }
    }

    private func refreshFileSD() async {
        if config.scrapeConfigs.contains(where: { $0.fileSDConfigs.contains { fileSD.changed($0) } }) {
            await reconcile()
        }
    }

    private func desired() -> [ScrapeTarget: ScrapeConfig] {
        var out: [ScrapeTarget: ScrapeConfig] = [:]
        for sc in config.scrapeConfigs {
            var groups = sc.staticConfigs
            for f in sc.fileSDConfigs {
                var errors: [String] = []
                groups += fileSD.read(f, errors: &errors)
                for e in errors { logger.error("file_sd: \(e)", metadata: ["job": "\(sc.jobName)"]) }
            }
            for g in groups {
                do {
                    for t in try ScrapeTarget.make(group: g, config: sc) { out[t] = sc }
                } catch {
                    logger.error("invalid target group", metadata: ["job": "\(sc.jobName)", "source": "\(g.source)", "error": "\(error)"])
                }
            }
        }
        return out
    }

    private func reconcile() async {
        let want = desired()
        for (t, running) in loops {
            if want[t] == nil {
                // Gone from the configuration: its series get stale markers.
                loops[t] = nil
                await running.loop.stop(markStale: true)
            } else if want[t] != running.config {
                // Same target, changed settings (relabeling, limits, …): restart it without
                // staleness, so its series continue.
                loops[t] = nil
                await running.loop.stop(markStale: false)
            }
        }
        for (t, sc) in want where loops[t] == nil {
            loops[t] = (ScrapeLoop(target: t, config: sc, db: db, client: client, metrics: metrics, logger: logger), sc)
        }
        logger.info("scrape targets", metadata: ["count": "\(loops.count)"])
    }

    /// Stops every loop (without stale markers, as Prometheus on shutdown) and the HTTP client.
    func shutdown() async {
        watcher?.cancel()
        for (_, running) in loops { await running.loop.stop(markStale: false) }
        loops = [:]
        try? await client.shutdown()
    }
}
