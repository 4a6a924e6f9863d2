import Dispatch
import Foundation
import Logging
import RuleEval
import TSDB

/// Where the configuration comes from: a file, or the embedded default.
struct ConfigSource: Sendable {
    let file: String?
    let listenAddress: String

    func load() throws(ConfigError) -> (config: PrometheusConfig, warnings: [String], yaml: String) {
        if let file { return try PrometheusConfigLoader.load(file: file) }
        let yaml = DefaultConfig.yaml(listenAddress: listenAddress, nodeExporter: DefaultConfig.isListening(port: 9100))
        let (config, warnings) = try PrometheusConfigLoader.parse(yaml, baseDirectory: FileManager.default.currentDirectoryPath)
        return (config, warnings, yaml)
    }
}

/// Re-reads the configuration on SIGHUP or `POST /-/reload`; a broken file keeps the running one.
actor ConfigReloader {
    let source: ConfigSource
    let scrapes: ScrapeManager
    let rules: RuleManager?
    let notifier: AlertmanagerNotifier?
    /// The built-in dispatcher and where its configuration comes from, reloaded with the rest.
    let dispatcher: (Dispatcher, DispatcherConfigSource)?
    /// Rule settings that come from flags; the configuration adds the rest.
    let ruleOptions: RuleManager.Options
    let logger: Logger
    private(set) var current = PrometheusConfig()
    /// The text of the configuration in force (`/api/v1/status/config`).
    private(set) var currentYAML = ""
    private(set) var lastError: String?
    /// When a configuration was last loaded successfully (start-up or reload).
    private(set) var lastSuccessTime = Date()

    init(source: ConfigSource, scrapes: ScrapeManager, rules: RuleManager? = nil, notifier: AlertmanagerNotifier? = nil,
         dispatcher: (Dispatcher, DispatcherConfigSource)? = nil, ruleOptions: RuleManager.Options = .init(), logger: Logger) {
        self.source = source
        self.dispatcher = dispatcher
        self.scrapes = scrapes
        self.rules = rules
        self.notifier = notifier
        self.ruleOptions = ruleOptions
        self.logger = logger
        if let loaded = try? source.load() { (current, currentYAML) = (loaded.config, loaded.yaml) }
    }

    var externalLabels: [Label] { current.global.externalLabels }

    /// Reloads; throws (and keeps the old configuration and rules) when the new configuration or
    /// any rule file is invalid.
    func reload() async throws(ConfigError) {
        do {
            let (c, warnings, yaml) = try source.load()
            for w in warnings { logger.warning("config: \(w)") }
            // Both files are checked before either is put in force.
            var dispatcherConfig: DispatcherConfig?
            if let (_, src) = dispatcher {
                let (dc, dw) = try src.load()
                for w in dw { logger.warning("dispatcher config: \(w)") }
                dispatcherConfig = dc
            }
            try await apply(c, yaml: yaml)
            if let (d, _) = dispatcher, let dispatcherConfig { await d.apply(dispatcherConfig) }
            logger.info("configuration reloaded")
        } catch {
            lastError = "\(error)"
            logger.error("configuration not reloaded, keeping the previous one: \(error)")
            throw error
        }
    }

    /// Puts a loaded configuration in force: rules first (they may still fail), then scraping and
    /// alert delivery.
    func apply(_ c: PrometheusConfig, yaml: String) async throws(ConfigError) {
        if let rules {
            var o = ruleOptions
            o.evaluationIntervalMs = c.global.evaluationIntervalMs
            o.queryOffsetMs = c.global.ruleQueryOffsetMs
            o.externalLabels = c.global.externalLabels
            let files = c.ruleFiles.flatMap(FileGlob.paths(matching:))
            do { try await rules.update(files: files, options: o) } catch {
                throw ConfigError(path: "rule_files", line: nil, message: "\n" + error.description)
            }
        }
        current = c
        currentYAML = yaml
        lastError = nil
        lastSuccessTime = Date()
        await scrapes.apply(c)
        await notifier?.apply(c.alerting, externalLabels: c.global.externalLabels)
    }

    /// Installs a SIGHUP handler that reloads; cancel the returned source to remove it.
    nonisolated func reloadOnSIGHUP() -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let src = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        src.setEventHandler { [self] in Task { try? await self.reload() } }
        src.resume()
        return src
    }
}
