import Dispatch
import Foundation
import Logging
import RuleEval
import TSDB

/// Where the configuration comes from: a file, or the embedded default.
struct ConfigSource: Sendable {
    let file: String?
    let listenAddress: String

    func load() throws(ConfigError) -> (config: PrometheusConfig, warnings: [String]) {
        if let file { return try PrometheusConfigLoader.load(file: file) }
        let yaml = DefaultConfig.yaml(listenAddress: listenAddress, nodeExporter: DefaultConfig.isListening(port: 9100))
        return try PrometheusConfigLoader.parse(yaml, baseDirectory: FileManager.default.currentDirectoryPath)
    }
}

/// Re-reads the configuration on SIGHUP or `POST /-/reload`; a broken file keeps the running one.
actor ConfigReloader {
    let source: ConfigSource
    let scrapes: ScrapeManager
    let logger: Logger
    private(set) var current = PrometheusConfig()
    private(set) var lastError: String?
    /// When a configuration was last loaded successfully (start-up or reload).
    private(set) var lastSuccessTime = Date()

    init(source: ConfigSource, scrapes: ScrapeManager, logger: Logger) {
        self.source = source
        self.scrapes = scrapes
        self.logger = logger
        if let c = try? source.load().config { current = c }
    }

    var externalLabels: [Label] { current.global.externalLabels }

    /// Reloads; throws (and keeps the old configuration) when the new one is invalid.
    func reload() async throws(ConfigError) {
        do {
            let (c, warnings) = try source.load()
            for w in warnings { logger.warning("config: \(w)") }
            current = c
            lastError = nil
            lastSuccessTime = Date()
            await scrapes.apply(c)
            logger.info("configuration reloaded")
        } catch {
            lastError = "\(error)"
            logger.error("configuration not reloaded, keeping the previous one: \(error)")
            throw error
        }
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
