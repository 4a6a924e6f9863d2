import ArgumentParser
import Foundation
import Hummingbird
import Logging
import TSDB

/// The `tidemark` server: Prometheus-style flags, storage, health endpoints and its own metrics.
@main
struct TidemarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidemark",
        abstract: "Tidemark: a Prometheus-compatible time-series database."
    )

    @Option(name: .customLong("config.file"), help: "Prometheus configuration file (default: an embedded one that scrapes Tidemark itself and node_exporter on localhost:9100 when it runs).")
    var configFile: String?

    @Flag(name: .customLong("web.enable-admin-api"), help: "Enable the admin endpoints (flush, snapshot).")
    var enableAdminAPI = false

    @Flag(name: .customLong("web.enable-lifecycle"), help: "Enable POST /-/reload (and /-/quit).")
    var enableLifecycle = false

    @Option(name: .customLong("web.max-request-body-bytes"), help: "Largest accepted push body, after decompression (413 beyond).")
    var maxBodyBytes = "64MB"

    @Option(name: .customLong("web.max-series-per-request"), help: "Most series one push request may carry (400 beyond).")
    var maxSeriesPerRequest = 500_000

    @Option(name: .customLong("storage.tsdb.path"), help: "Base path for metrics storage.")
    var storagePath = "data/"

    @Option(name: .customLong("storage.tsdb.retention.time"), help: "How long to retain samples, e.g. 15d, 12h (0 = forever).")
    var retentionTime = "15d"

    @Option(name: .customLong("storage.tsdb.retention.size"), help: "Maximum bytes of blocks to keep, e.g. 10GB (0 = no limit).")
    var retentionSize = "0"

    @Option(name: .customLong("storage.tsdb.wal-sync"), help: "WAL fsync policy: 'interval' (default, fsync every second and on segment cut), 'always' (fsync before acknowledging) or 'never'.")
    var walSync = "interval"

    @Option(name: .customLong("web.listen-address"), help: "Address to listen on for the web interface and API.")
    var listenAddress = "0.0.0.0:9090"

    @Option(name: .customLong("log.level"), help: "Only log messages with the given severity or above: debug, info, warn, error.")
    var logLevel = "info"

    func run() async throws {
        let level: Logger.Level
        switch logLevel {
        case "debug": level = .debug
        case "info": level = .info
        case "warn", "warning": level = .warning
        case "error": level = .error
        default: throw ValidationError("--log.level must be one of debug, info, warn, error; got \(logLevel)")
        }
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "tidemark")

        var options = DBOptions()
        do {
            let rt = try DurationParser.milliseconds(retentionTime)
            options.retentionTime = rt == 0 ? nil : rt
            let rs = try ByteSizeParser.bytes(retentionSize)
            options.retentionSize = rs == 0 ? nil : rs
        } catch {
            throw ValidationError("\(error)")
        }
        switch walSync {
        case "interval": options.walSync = .default
        case "always": options.walSync = .always
        case "never": options.walSync = .never
        default: throw ValidationError("--storage.tsdb.wal-sync must be interval, always or never; got \(walSync)")
        }
        let (host, port) = try ListenAddress.parse(listenAddress)
        let bodyLimit: Int
        do { bodyLimit = Int(try ByteSizeParser.bytes(maxBodyBytes)) } catch { throw ValidationError("--web.max-request-body-bytes: \(error)") }

        // An invalid configuration stops the start, with the key named, before anything else runs.
        let configSource = ConfigSource(file: configFile, listenAddress: listenAddress)
        let initialConfig: PrometheusConfig
        do {
            let (c, warnings) = try configSource.load()
            for w in warnings { logger.warning("config: \(w)") }
            initialConfig = c
        } catch {
            logger.critical("cannot load configuration: \(error)")
            throw ExitCode(1)
        }

        let readiness = Readiness()
        let db: DB
        do {
            db = try DB.open(directory: storagePath, options: options, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        db.startMaintenance()
        let scrapes = ScrapeManager(db: db, logger: logger)
        let reloader = ConfigReloader(source: configSource, scrapes: scrapes, logger: logger)
        await scrapes.apply(initialConfig)
        readiness.markReady()
        let hangup = reloader.reloadOnSIGHUP()

        let limits = PushLimits(maxBodyBytes: bodyLimit, maxSeriesPerRequest: maxSeriesPerRequest)
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware())
        HealthRoutes.register(on: router, readiness: readiness)
        SelfMetrics.register(on: router, db: db, scrapes: scrapes)
        PushRoutes.register(on: router, db: db, limits: limits, logger: logger)
        FederateRoute.register(on: router, db: db, externalLabels: { await reloader.externalLabels })
        if enableAdminAPI { AdminRoutes.register(on: router, db: db, logger: logger) }
        LifecycleRoutes.register(on: router, enabled: enableLifecycle, reloader: reloader)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "tidemark"),
            onServerRunning: { channel in
                logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? listenAddress)"])
            },
            logger: logger
        )
        do {
            try await app.runService()
        } catch {
            logger.error("server stopped: \(error)")
        }
        // SIGTERM: stop scraping, then close the WAL cleanly (everything acknowledged is in it).
        hangup.cancel()
        await scrapes.shutdown()
        try db.close()
        logger.info("shut down cleanly")
    }
}
