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
    /// so a rotated secret is picked up without a reload); `loaded` is what the config load read.
    case basicPasswordFile(username: String, path: String, loaded: String)
    /// `Authorization: <type> <credentials>` (bearer_token and authorization use this).
    case authorization(type: String, credentials: String)
    /// The same with the credentials in a file (bearer_token_file, credentials_file), read again
    /// for every request.
    case authorizationFile(type: String, path: String, loaded: String)

    /// The `Authorization` header value.
    var headerValue: String {
        switch self {
        case .basic(let u, let p): return "Basic " + Base64.encode(Array("\(u):\(p)".utf8))
        case .basicPasswordFile(let u, let path, let loaded):
            return "Basic " + Base64.encode(Array("\(u):\(Self.read(path) ?? loaded)".utf8))
        case .authorization(let t, let c): return "\(t) \(c)"
        case .authorizationFile(let t, let path, let loaded): return "\(t) \(Self.read(path) ?? loaded)"
        }
    }

    /// Equal when configured the same: a file's content at load is left out, so a reload after a
    /// secret rotation does not restart the scrapes that read it (as Prometheus compares paths).
    static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case let (.basic(u1, p1), .basic(u2, p2)): return u1 == u2 && p1 == p2
        case let (.basicPasswordFile(u1, f1, _), .basicPasswordFile(u2, f2, _)): return u1 == u2 && f1 == f2
        case let (.authorization(t1, c1), .authorization(t2, c2)): return t1 == t2 && c1 == c2
        case let (.authorizationFile(t1, f1, _), .authorizationFile(t2, f2, _)): return t1 == t2 && f1 == f2
        default: return false
        }
    }

    /// The file's content without surrounding whitespace; nil when it cannot be read (the value
    /// read at load is used then, rather than sending no credentials at all).
    private static func read(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
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
