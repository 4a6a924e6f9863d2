import ArgumentParser
import Foundation
import Hummingbird
import Logging
import Synchronization
import RuleEval
import TSDB

/// The `tidemark` server: Prometheus-style flags, storage, health endpoints and its own metrics.
@main
struct TidemarkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidemark",
        abstract: "Tidemark: a Prometheus-compatible time-series database.",
        subcommands: [RulesCommand.self]
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

    @Option(name: .customLong("query.timeout"), help: "Maximum time a query may take before it is aborted, e.g. 2m, 30s.")
    var queryTimeout = "2m"

    @Option(name: .customLong("query.max-samples"), help: "Maximum number of samples a single query can load into memory.")
    var queryMaxSamples = 50_000_000

    @Option(name: .customLong("query.max-concurrency"), help: "Maximum number of queries executed concurrently; later ones wait.")
    var queryMaxConcurrency = 20

    @Option(name: .customLong("query.lookback-delta"), help: "How far back an instant selector looks for a sample, e.g. 5m.")
    var queryLookbackDelta = "5m"

    @Option(name: .customLong("rules.alert.resend-delay"), help: "Minimum time between resending a firing alert to Alertmanager.")
    var resendDelay = "1m"

    @Option(name: .customLong("rules.alert.for-outage-tolerance"), help: "Longest outage after which a pending or firing alert's 'for' state is still restored.")
    var forOutageTolerance = "1h"

    @Option(name: .customLong("rules.alert.for-grace-period"), help: "Least time left for a restored alert to wait before it fires, when its 'for' is longer.")
    var forGracePeriod = "10m"

    @Option(name: .customLong("web.external-url"), help: "The URL under which Tidemark is reached from outside (alert generator links, $externalURL).")
    var externalURL: String?

    @Option(name: .customLong("alertmanager.notification-queue-capacity"), help: "Alerts waiting for delivery to Alertmanager; beyond, the oldest are dropped.")
    var notificationQueueCapacity = 10_000

    @Option(name: .customLong("dispatcher.config.file"), help: "Built-in alert dispatcher configuration (alertmanager.yml format with escalation policies, rotations and rate limits; default: one receiver without integrations).")
    var dispatcherConfigFile: String?

    @Flag(name: .customLong("dispatcher.disable"), help: "Do not run the built-in alert dispatcher (alerts then go only to the Alertmanagers in the configuration's alerting section).")
    var dispatcherDisabled = false

    @Option(name: .customLong("enable-feature"), help: "Comma-separated feature names to enable (repeatable): promql-delayed-name-removal, promql-experimental-functions, type-and-unit-labels.")
    var enableFeature: [String] = []

    /// Every flag with its value, for `/api/v1/status/flags`.
    var flagValues: [String: String] {
        [
            "config.file": configFile ?? "", "web.enable-admin-api": "\(enableAdminAPI)", "web.enable-lifecycle": "\(enableLifecycle)",
            "web.max-request-body-bytes": maxBodyBytes, "web.max-series-per-request": "\(maxSeriesPerRequest)",
            "storage.tsdb.path": storagePath, "storage.tsdb.retention.time": retentionTime, "storage.tsdb.retention.size": retentionSize,
            "storage.tsdb.wal-sync": walSync, "web.listen-address": listenAddress, "log.level": logLevel,
            "query.timeout": queryTimeout, "query.max-samples": "\(queryMaxSamples)", "query.max-concurrency": "\(queryMaxConcurrency)",
            "query.lookback-delta": queryLookbackDelta, "enable-feature": enableFeature.joined(separator: ","),
            "rules.alert.resend-delay": resendDelay, "rules.alert.for-outage-tolerance": forOutageTolerance,
            "rules.alert.for-grace-period": forGracePeriod, "web.external-url": externalURL ?? "",
            "alertmanager.notification-queue-capacity": "\(notificationQueueCapacity)",
            "dispatcher.config.file": dispatcherConfigFile ?? "", "dispatcher.disable": "\(dispatcherDisabled)",
        ]
    }

    /// The engine settings the `--query.*` and `--enable-feature` flags ask for.
    func engineOptions(logger: Logger) throws -> EngineOptions {
        var o = EngineOptions()
        let timeoutMs: Int64, lookbackMs: Int64
        do {
            timeoutMs = try DurationParser.milliseconds(queryTimeout)
            lookbackMs = try DurationParser.milliseconds(queryLookbackDelta)
        } catch {
            throw ValidationError("--query.timeout / --query.lookback-delta: \(error)")
        }
        guard timeoutMs > 0 else { throw ValidationError("--query.timeout must be positive; got \(queryTimeout)") }
        guard lookbackMs > 0 else { throw ValidationError("--query.lookback-delta must be positive; got \(queryLookbackDelta)") }
        guard queryMaxSamples > 0 else { throw ValidationError("--query.max-samples must be positive; got \(queryMaxSamples)") }
        guard queryMaxConcurrency > 0 else { throw ValidationError("--query.max-concurrency must be positive; got \(queryMaxConcurrency)") }
        o.timeout = .milliseconds(timeoutMs)
        o.lookbackDeltaMs = lookbackMs
        o.maxSamples = queryMaxSamples
        o.maxConcurrentQueries = queryMaxConcurrency
        let features = EnabledFeatures(enableFeature)
        for name in features.unknown {
            logger.warning("unknown option for --enable-feature, ignored", metadata: ["option": "\(name)"])
        }
        o.delayedNameRemoval = features.delayedNameRemoval
        o.experimentalFunctions = features.experimentalFunctions
        o.typeAndUnitLabels = features.typeAndUnitLabels
        return o
    }

    /// The rule settings the `--rules.*` and `--web.external-url` flags ask for.
    func ruleOptions() throws -> RuleManager.Options {
        var o = RuleManager.Options()
        do {
            o.resendDelayMs = try DurationParser.milliseconds(resendDelay)
            o.outageToleranceMs = try DurationParser.milliseconds(forOutageTolerance)
            o.gracePeriodMs = try DurationParser.milliseconds(forGracePeriod)
        } catch {
            throw ValidationError("--rules.alert.*: \(error)")
        }
        guard notificationQueueCapacity > 0 else { throw ValidationError("--alertmanager.notification-queue-capacity must be positive") }
        var url = externalURL ?? "http://\(ListenAddress.externalHost(listenAddress))"
        while url.hasSuffix("/") { url.removeLast() }
        o.externalURL = url
        return o
    }

    /// Retention as Prometheus words it in runtime info: `15d`, `10GB`, `15d or 10GB`.
    var retentionDescription: String {
        let parts = [retentionTime, retentionSize].filter { $0 != "0" && !$0.isEmpty }
        return parts.isEmpty ? "unlimited" : parts.joined(separator: " or ")
    }

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
        let queryOptions = try engineOptions(logger: logger)
        let bodyLimit: Int
        do { bodyLimit = Int(try ByteSizeParser.bytes(maxBodyBytes)) } catch { throw ValidationError("--web.max-request-body-bytes: \(error)") }

        // An invalid configuration stops the start, with the key named, before anything else runs.
        let configSource = ConfigSource(file: configFile, listenAddress: listenAddress)
        let initialConfig: PrometheusConfig, initialYAML: String
        do {
            let (c, warnings, yaml) = try configSource.load()
            for w in warnings { logger.warning("config: \(w)") }
            (initialConfig, initialYAML) = (c, yaml)
        } catch {
            logger.critical("cannot load configuration: \(error)")
            throw ExitCode(1)
        }

        let readiness = Readiness()
        // The server listens from the start: 503 while the WAL replays, then the full API.
        let responder = StartupResponder()
        let (listening, listeningSignal) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(host, port: port), serverName: "tidemark"),
            onServerRunning: { channel in
                logger.info("listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? listenAddress)"])
                listeningSignal.yield()
                listeningSignal.finish()
            },
            logger: logger
        )
        let serverStopped = Atomic<Bool>(false)
        let server = Task {
            // Ends the wait below whether the server ran or failed to bind.
            defer { listeningSignal.finish(); serverStopped.store(true, ordering: .releasing) }
            try await app.runService()
        }
        var listeningIterator = listening.makeAsyncIterator()
        if await listeningIterator.next() == nil {
            let reason: String
            do { try await server.value; reason = "the listener stopped" } catch { reason = "\(error)" }
            logger.critical("cannot listen on \(listenAddress): \(reason)")
            throw ExitCode(1)
        }
        let db: DB
        do {
            // The replay runs for seconds: off the cooperative pool, which the listener needs.
            let opened = await PromQLEngine.onDedicatedThread { [storagePath, options, logger] in
                Result { try DB.open(directory: storagePath, options: options, logger: logger) }
            }
            db = try opened.get()
            responder.replayDone()
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        // SIGTERM or SIGINT during the replay stopped the listener: stop here, nothing started yet.
        if serverStopped.load(ordering: .acquiring) {
            try db.close()
            logger.info("stopped during start-up; shut down cleanly")
            return
        }
        db.startMaintenance()
        let scrapes = ScrapeManager(db: db, logger: logger)
        let ruleOpts = try ruleOptions()
        // The built-in dispatcher: an invalid configuration stops the start, like an invalid prometheus.yml.
        var dispatcher: (Dispatcher, DispatcherConfigSource)?
        if !dispatcherDisabled {
            let src = DispatcherConfigSource(file: dispatcherConfigFile)
            do {
                let (dc, warnings) = try src.load()
                for w in warnings { logger.warning("dispatcher config: \(w)") }
                let d = try Dispatcher(config: dc, directory: storagePath + "/dispatcher", externalURL: ruleOpts.externalURL, logger: logger)
                dispatcher = (d, src)
            } catch {
                logger.critical("cannot start the alert dispatcher: \(error)")
                try? db.close()
                throw ExitCode(1)
            }
        }
        var local: (@Sendable ([AlertNotification]) async -> Void)?
        if let d = dispatcher?.0 {
            local = { alerts in await d.put(alerts.map { DispatchAlert(notification: $0) }) }
        }
        let notifier = AlertmanagerNotifier(capacity: notificationQueueCapacity, logger: logger, local: local)
        // Rules get an engine of their own, so a burst of API queries cannot hold their slots.
        let rules = RuleManager(engine: PromQLEngine(storage: db, options: queryOptions), storage: db, logger: logger,
                                notify: { alerts in await notifier.send(alerts) })
        let reloader = ConfigReloader(source: configSource, scrapes: scrapes, rules: rules, notifier: notifier,
                                      dispatcher: dispatcher, ruleOptions: ruleOpts, logger: logger)
        do { try await reloader.apply(initialConfig, yaml: initialYAML) } catch {
            logger.critical("cannot load rules: \(error)")
            await scrapes.shutdown()
            try? db.close()
            throw ExitCode(1)
        }
        if let (d, _) = dispatcher { await d.start() }
        readiness.markReady()
        let hangup = reloader.reloadOnSIGHUP()

        let limits = PushLimits(maxBodyBytes: bodyLimit, maxSeriesPerRequest: maxSeriesPerRequest)
        let router = Router()
        router.add(middleware: HTTPMetricsMiddleware())
        HealthRoutes.register(on: router, readiness: readiness)
        SelfMetrics.register(on: router, db: db, scrapes: scrapes, rules: rules, notifier: notifier, dispatcher: dispatcher?.0)
        PushRoutes.register(on: router, db: db, limits: limits, logger: logger)
        FederateRoute.register(on: router, db: db, externalLabels: { await reloader.externalLabels })
        if enableAdminAPI { AdminRoutes.register(on: router, db: db, logger: logger) }
        LifecycleRoutes.register(on: router, enabled: enableLifecycle, reloader: reloader)
        let status = ServerStatus(flags: flagValues, storageRetention: retentionDescription,
                                  startTime: Date(timeIntervalSince1970: SelfMetrics.startTime),
                                  configState: { await (reloader.lastError == nil, reloader.lastSuccessTime) },
                                  configYAML: { await reloader.currentYAML },
                                  alertmanagers: { await notifier.urls },
                                  metadata: { await scrapes.metadata() },
                                  targets: { await scrapes.targets.map { TargetStatus(target: $0.0, health: $0.1) } })
        let api = QueryAPI(engine: PromQLEngine(storage: db, options: queryOptions), db: db, maxTimeout: queryOptions.timeout,
                           status: status)
        api.register(on: router)
        RulesRoutes.register(api, rules: rules, on: router)
        if let (d, _) = dispatcher {
            AlertmanagerAPIRoutes.register(on: router, dispatcher: d, version: TidemarkVersion.string)
        }
        // Storage is open: the listener serves the full API from now on.
        responder.serve(router.buildResponder())
        do {
            // Until SIGTERM or SIGINT (the server's graceful shutdown).
            try await server.value
        } catch {
            logger.error("server stopped: \(error)")
        }
        // SIGTERM: stop scraping, then close the WAL cleanly (everything acknowledged is in it).
        hangup.cancel()
        await rules.stop()
        await scrapes.shutdown()
        await notifier.shutdown()
        if let (d, _) = dispatcher { await d.stop() }
        try db.close()
        logger.info("shut down cleanly")
    }
}
