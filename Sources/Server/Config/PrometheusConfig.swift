import TSDB

/// The subset of Prometheus' `prometheus.yml` that Tidemark reads.
struct PrometheusConfig: Sendable {
    var global = GlobalConfig()
    var scrapeConfigs: [ScrapeConfig] = []
    /// Globs of rule files, resolved against the configuration file's directory.
    var ruleFiles: [String] = []
    var alerting = AlertingConfig()
}

/// `alerting:`: where alerts go and how their labels are rewritten on the way.
struct AlertingConfig: Sendable, Equatable {
    var alertmanagers: [AlertmanagerConfig] = []
    /// `alert_relabel_configs`, applied to every alert before it is queued.
    var relabelConfigs: [RelabelRule] = []
}

/// One `alertmanagers:` entry: a set of Alertmanagers sharing scheme, path and credentials.
struct AlertmanagerConfig: Sendable, Equatable {
    /// `host:port` of each Alertmanager.
    var targets: [String] = []
    var scheme = "http"
    /// Prefix of the API path, e.g. `/alertmanager`; always ends without a slash.
    var pathPrefix = ""
    var timeoutMs: Int64 = 10_000
    var auth: ScrapeAuth?

    /// The v2 alerts endpoint of each target.
    var urls: [String] { targets.map { "\(scheme)://\($0)\(pathPrefix)/api/v2/alerts" } }
}

/// `global:` settings and the defaults they give every scrape config.
struct GlobalConfig: Sendable {
    var scrapeIntervalMs: Int64 = 60_000
    var scrapeTimeoutMs: Int64 = 10_000
    var evaluationIntervalMs: Int64 = 60_000
    /// `rule_query_offset`: rules query this far in the past, for data that arrives late.
    var ruleQueryOffsetMs: Int64 = 0
    /// Added to series and alerts leaving Tidemark (federation, remote-write, notifications).
    var externalLabels: [Label] = []
}

/// One `scrape_configs` entry.
struct ScrapeConfig: Sendable, Equatable {
    var jobName: String
    var scrapeIntervalMs: Int64
    var scrapeTimeoutMs: Int64
    var metricsPath = "/metrics"
    var scheme = "http"
    /// URL query parameters, in file order.
    var params: [(String, [String])] = []
    var honorLabels = false
    var honorTimestamps = true
    var staticConfigs: [TargetGroup] = []
    var fileSDConfigs: [FileSDConfig] = []
    var auth: ScrapeAuth?
    /// `tls_config` for https targets (nil: the system's trust store).
    var tls: TLSSettings?
    var relabelConfigs: [RelabelRule] = []
    var metricRelabelConfigs: [RelabelRule] = []
    /// 0 = no limit.
    var sampleLimit = 0
    var labelLimit = 0
    var bodySizeLimit: Int64 = 0

    static func == (a: ScrapeConfig, b: ScrapeConfig) -> Bool {
        a.jobName == b.jobName && a.scrapeIntervalMs == b.scrapeIntervalMs && a.scrapeTimeoutMs == b.scrapeTimeoutMs
            && a.metricsPath == b.metricsPath && a.scheme == b.scheme
            && a.params.map(\.0) == b.params.map(\.0) && a.params.map(\.1) == b.params.map(\.1)
            && a.honorLabels == b.honorLabels && a.honorTimestamps == b.honorTimestamps
            && a.staticConfigs == b.staticConfigs && a.fileSDConfigs == b.fileSDConfigs && a.auth == b.auth && a.tls == b.tls
            && a.relabelConfigs == b.relabelConfigs && a.metricRelabelConfigs == b.metricRelabelConfigs
            && a.sampleLimit == b.sampleLimit && a.labelLimit == b.labelLimit && a.bodySizeLimit == b.bodySizeLimit
    }
}

/// A set of targets sharing labels (a `static_configs` entry or one group of a file_sd file).
struct TargetGroup: Sendable, Equatable {
    var targets: [String]
    var labels: [Label]
    /// Where the group came from, for the targets API and errors.
    var source: String
}

/// A `file_sd_configs` entry: JSON or YAML files of target groups, re-read when they change.
struct FileSDConfig: Sendable, Equatable {
    var files: [String]
    var refreshIntervalMs: Int64 = 300_000
}

/// Credentials sent with each scrape.
enum ScrapeAuth: Sendable, Equatable {
    case basic(username: String, password: String)
    /// Basic auth whose password is in a file, read again for every request (as Prometheus does,
    /// so a rotated secret is picked up without a reload).
    case basicPasswordFile(username: String, path: String)
    /// `Authorization: <type> <credentials>` (bearer_token and authorization use this).
    case authorization(type: String, credentials: String)
    /// The same with the credentials in a file (bearer_token_file, credentials_file), read again
    /// for every request.
    case authorizationFile(type: String, path: String)

    /// A credentials file that could not be read when a request needed it: that request fails
    /// (as in Prometheus) rather than going out with stale or no credentials.
    struct UnreadableFile: Error, CustomStringConvertible {
        let what: String, path: String, reason: String
        var description: String { "unable to read \(what) \(path): \(reason)" }
    }

    /// The `Authorization` header value; throws when a credentials file cannot be read now.
    func headerValue() throws(UnreadableFile) -> String {
        switch self {
        case .basic(let u, let p): return "Basic " + Base64.encode(Array("\(u):\(p)".utf8))
        case .basicPasswordFile(let u, let path):
            let p = try Self.read(path, "basic auth password file")
            return "Basic " + Base64.encode(Array("\(u):\(p)".utf8))
        case .authorization(let t, let c): return "\(t) \(c)"
        case .authorizationFile(let t, let path): return "\(t) \(try Self.read(path, "authorization credentials file"))"
        }
    }

    /// The file's content without surrounding whitespace.
    private static func read(_ path: String, _ what: String) throws(UnreadableFile) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw UnreadableFile(what: what, path: path, reason: error.localizedDescription)
        }
    }
}

/// Standard base64 (for basic auth headers), without depending on Foundation's Data.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 3) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[Int((b1 & 15) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[Int(b2 & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
