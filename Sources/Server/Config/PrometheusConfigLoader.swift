import Foundation
import RuleEval
import TSDB
import Yams

/// Reads `prometheus.yml`: the keys Tidemark implements are checked strictly (an invalid value is
/// an error naming the key); Prometheus keys it does not implement, and unknown keys, are warnings.
enum PrometheusConfigLoader {
    /// Loads and validates `file`; relative paths inside it resolve against its directory.
    static func load(file: String) throws(ConfigError) -> (config: PrometheusConfig, warnings: [String], yaml: String) {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            throw ConfigError(path: "", line: nil, message: "cannot read: \(error.localizedDescription)", file: file)
        }
        let dir = (file as NSString).deletingLastPathComponent
        do {
            let (config, warnings) = try parse(text, baseDirectory: dir.isEmpty ? "." : dir)
            return (config, warnings, text)
        } catch var e {
            e.file = file
            throw e
        }
    }

    static let topLevelKeys: Set<String> = ["global", "scrape_configs", "rule_files", "alerting"]
    static let topLevelUnsupported: Set<String> = [
        "remote_write", "remote_read", "storage", "tracing", "scrape_config_files", "otlp", "runtime",
    ]
    static let globalKeys: Set<String> = ["scrape_interval", "scrape_timeout", "evaluation_interval", "external_labels", "rule_query_offset"]
    static let globalUnsupported: Set<String> = [
        "query_log_file", "scrape_failure_log_file", "body_size_limit", "sample_limit", "label_limit",
        "label_name_length_limit", "label_value_length_limit", "target_limit", "keep_dropped_targets",
        "scrape_protocols", "metric_name_validation_scheme", "metric_name_escaping_scheme", "always_scrape_classic_histograms",
        "convert_classic_histograms_to_nhcb", "scrape_native_histograms",
    ]
    static let scrapeKeys: Set<String> = [
        "job_name", "scrape_interval", "scrape_timeout", "metrics_path", "scheme", "params", "honor_labels",
        "honor_timestamps", "static_configs", "file_sd_configs", "basic_auth", "bearer_token", "bearer_token_file",
        "authorization", "relabel_configs", "metric_relabel_configs", "sample_limit", "label_limit", "body_size_limit",
        "tls_config",
    ]
    static let scrapeUnsupported: Set<String> = [
        "kubernetes_sd_configs", "consul_sd_configs", "dns_sd_configs", "ec2_sd_configs", "azure_sd_configs",
        "gce_sd_configs", "http_sd_configs", "openstack_sd_configs", "docker_sd_configs", "dockerswarm_sd_configs",
        "nomad_sd_configs", "eureka_sd_configs", "hetzner_sd_configs", "linode_sd_configs", "marathon_sd_configs",
        "digitalocean_sd_configs", "serverset_sd_configs", "triton_sd_configs", "lightsail_sd_configs", "puppetdb_sd_configs",
        "scaleway_sd_configs", "uyuni_sd_configs", "vultr_sd_configs", "ionos_sd_configs", "kuma_sd_configs",
        "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header", "follow_redirects",
        "enable_http2", "oauth2", "scrape_protocols", "target_limit", "label_name_length_limit", "label_value_length_limit",
        "keep_dropped_targets", "native_histogram_bucket_limit", "native_histogram_min_bucket_factor",
        "scrape_classic_histograms", "always_scrape_classic_histograms", "track_timestamps_staleness",
        "enable_compression", "metric_name_validation_scheme", "metric_name_escaping_scheme", "scrape_native_histograms",
        "convert_classic_histograms_to_nhcb", "scrape_failure_log_file", "fallback_scrape_protocol",
    ]

    /// Parses YAML text.
    static func parse(_ yaml: String, baseDirectory: String) throws(ConfigError) -> (config: PrometheusConfig, warnings: [String]) {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            throw ConfigError(path: "", line: nil, message: "not valid YAML: \(error)")
        }
        let top = try YAMLMapReader(root.map(YAMLMergeKeys.resolve), path: "")
        var warnings = top.warnings(known: topLevelKeys, unsupported: topLevelUnsupported)
        var config = PrometheusConfig()

        if let g = try top.map("global") {
            warnings += g.warnings(known: globalKeys, unsupported: globalUnsupported)
            if let v = try g.duration("scrape_interval") {
                guard v > 0 else { throw g.error("scrape_interval", "must be greater than 0") }
                config.global.scrapeIntervalMs = v
            }
            if let v = try g.duration("scrape_timeout") {
                guard v > 0 else { throw g.error("scrape_timeout", "must be greater than 0") }
                guard v <= config.global.scrapeIntervalMs else {
                    throw g.error("scrape_timeout", "global scrape timeout greater than scrape interval")
                }
                config.global.scrapeTimeoutMs = v
            } else {
                // As Prometheus: the default timeout never exceeds the interval.
                config.global.scrapeTimeoutMs = min(config.global.scrapeTimeoutMs, config.global.scrapeIntervalMs)
            }
            if let v = try g.duration("evaluation_interval") {
                guard v > 0 else { throw g.error("evaluation_interval", "must be greater than 0") }
                config.global.evaluationIntervalMs = v
            }
            if let v = try g.duration("rule_query_offset") { config.global.ruleQueryOffsetMs = v }
            if let labels = try g.stringMap("external_labels") {
                config.global.externalLabels = try validLabels(labels, g, "external_labels")
            }
        }
        config.ruleFiles = (try top.stringList("rule_files") ?? []).map { resolve($0, baseDirectory) }
        if let a = try top.map("alerting") {
            let (c, w) = try alerting(a, baseDirectory: baseDirectory)
            config.alerting = c
            warnings += w
        }

        var jobs = Set<String>()
        for sc in try top.mapList("scrape_configs") {
            let (c, w) = try scrapeConfig(sc, global: config.global, baseDirectory: baseDirectory)
            guard jobs.insert(c.jobName).inserted else {
                throw sc.error("job_name", "found multiple scrape configs with job name \"\(c.jobName)\"")
            }
            warnings += w
            config.scrapeConfigs.append(c)
        }
        return (config, warnings)
    }

    static func resolve(_ path: String, _ base: String) -> String {
        path.hasPrefix("/") || base == "." || base.isEmpty ? path : base + "/" + path
    }

    static func validLabels(_ pairs: [(String, String)], _ m: YAMLMapReader, _ key: String) throws(ConfigError) -> [Label] {
        var out: [Label] = []
        for (n, v) in pairs {
            guard LabelValidation.isValidLabelName(n) else {
                throw m.error(key, "\"\(n)\" is not a valid label name")
            }
            if !v.isEmpty { out.append(Label(name: n, value: v)) }
        }
        return out.sorted()
    }

    static func scrapeConfig(
        _ m: YAMLMapReader, global: GlobalConfig, baseDirectory: String
    ) throws(ConfigError) -> (ScrapeConfig, [String]) {
        var warnings = m.warnings(known: scrapeKeys, unsupported: scrapeUnsupported)
        guard let job = try m.string("job_name"), !job.isEmpty else { throw m.error("job_name", "is required") }
        let interval = try m.duration("scrape_interval") ?? global.scrapeIntervalMs
        guard interval > 0 else { throw m.error("scrape_interval", "must be greater than 0") }
        var timeout = try m.duration("scrape_timeout") ?? global.scrapeTimeoutMs
        if m.node("scrape_timeout") == nil { timeout = min(timeout, interval) }
        guard timeout > 0 else { throw m.error("scrape_timeout", "must be greater than 0") }
        guard timeout <= interval else {
            throw m.error("scrape_timeout", "scrape timeout greater than scrape interval for scrape config with job name \"\(job)\"")
        }
        var c = ScrapeConfig(jobName: job, scrapeIntervalMs: interval, scrapeTimeoutMs: timeout)
        if let p = try m.string("metrics_path") {
            guard p.hasPrefix("/") else { throw m.error("metrics_path", "must start with /") }
            c.metricsPath = p
        }
        if let s = try m.string("scheme") {
            guard s == "http" || s == "https" else { throw m.error("scheme", "must be http or https, got \"\(s)\"") }
            c.scheme = s
        }
        if let params = try m.map("params") {
            for k in params.keys { c.params.append((k, try params.stringList(k) ?? [])) }
        }
        c.honorLabels = try m.bool("honor_labels") ?? false
        c.honorTimestamps = try m.bool("honor_timestamps") ?? true
        for sc in try m.mapList("static_configs") {
            warnings += sc.warnings(known: ["targets", "labels"])
            let targets = try sc.stringList("targets") ?? []
            for (i, t) in targets.enumerated() {
                guard t.contains(where: { $0 == "/" }) == false, !t.isEmpty else {
                    throw ConfigError(path: "\(sc.path).targets[\(i)]", line: sc.node("targets")?.mark?.line,
                                      message: "\"\(t)\" is not a valid target address (host:port, without scheme or path)")
                }
            }
            let labels = try validLabels(try sc.stringMap("labels") ?? [], sc, "labels")
            c.staticConfigs.append(TargetGroup(targets: targets, labels: labels, source: sc.path))
        }
        for fc in try m.mapList("file_sd_configs") {
            warnings += fc.warnings(known: ["files", "refresh_interval"])
            guard let files = try fc.stringList("files"), !files.isEmpty else { throw fc.error("files", "is required") }
            var f = FileSDConfig(files: files.map { resolve($0, baseDirectory) })
            if let r = try fc.duration("refresh_interval") {
                guard r > 0 else { throw fc.error("refresh_interval", "must be greater than 0") }
                f.refreshIntervalMs = r
            }
            c.fileSDConfigs.append(f)
        }
        c.auth = try auth(m, baseDirectory: baseDirectory, warnings: &warnings)
        if let t = try m.map("tls_config") { c.tls = try TLSSettings.parse(t, base: baseDirectory, warnings: &warnings) }
        c.relabelConfigs = try relabelRules(m, "relabel_configs", &warnings)
        c.metricRelabelConfigs = try relabelRules(m, "metric_relabel_configs", &warnings)
        c.sampleLimit = try m.int("sample_limit") ?? 0
        c.labelLimit = try m.int("label_limit") ?? 0
        c.bodySizeLimit = try m.byteSize("body_size_limit") ?? 0
        return (c, warnings)
    }

    static let alertmanagerKeys: Set<String> = [
        "static_configs", "path_prefix", "scheme", "timeout", "api_version", "basic_auth", "authorization",
        "bearer_token", "bearer_token_file",
    ]
    static let alertmanagerUnsupported: Set<String> = scrapeUnsupported.union(["relabel_configs", "alert_relabel_configs", "sigv4"])

    static func alerting(_ m: YAMLMapReader, baseDirectory: String) throws(ConfigError) -> (AlertingConfig, [String]) {
        var warnings = m.warnings(known: ["alertmanagers", "alert_relabel_configs"])
        var c = AlertingConfig()
        c.relabelConfigs = try relabelRules(m, "alert_relabel_configs", &warnings)
        for am in try m.mapList("alertmanagers") {
            warnings += am.warnings(known: alertmanagerKeys, unsupported: alertmanagerUnsupported)
            var a = AlertmanagerConfig()
            if let v = try am.string("api_version"), v != "v2" {
                throw am.error("api_version", "\"\(v)\" is not supported: Alertmanager's v1 API is gone, use v2")
            }
            if let s = try am.string("scheme") {
                guard s == "http" || s == "https" else { throw am.error("scheme", "must be http or https, got \"\(s)\"") }
                a.scheme = s
            }
            if var p = try am.string("path_prefix") {
                if !p.hasPrefix("/") { p = "/" + p }
                while p.hasSuffix("/") { p.removeLast() }
                a.pathPrefix = p
            }
            if let t = try am.duration("timeout") {
                guard t > 0 else { throw am.error("timeout", "must be greater than 0") }
                a.timeoutMs = t
            }
            for sc in try am.mapList("static_configs") {
                warnings += sc.warnings(known: ["targets", "labels"])
                for (i, t) in (try sc.stringList("targets") ?? []).enumerated() {
                    guard !t.isEmpty, !t.contains("/") else {
                        throw ConfigError(path: "\(sc.path).targets[\(i)]", line: sc.node("targets")?.mark?.line,
                                          message: "\"\(t)\" is not a valid Alertmanager address (host:port, without scheme or path)")
                    }
                    a.targets.append(t)
                }
            }
            a.auth = try auth(am, baseDirectory: baseDirectory, warnings: &warnings)
            c.alertmanagers.append(a)
        }
        return (c, warnings)
    }

    static func readSecret(_ m: YAMLMapReader, _ key: String, _ base: String) throws(ConfigError) -> String? {
        guard let f = try m.string(key) else { return nil }
        do {
            let s = try String(contentsOfFile: resolve(f, base), encoding: .utf8)
            return s.trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw m.error(key, "cannot read \"\(f)\": \(error.localizedDescription)")
        }
    }

    static func auth(_ m: YAMLMapReader, baseDirectory: String, warnings: inout [String]) throws(ConfigError) -> ScrapeAuth? {
        var found: [ScrapeAuth] = []
        if let b = try m.map("basic_auth") {
            warnings += b.warnings(known: ["username", "password", "password_file", "username_file"])
            var user = try b.string("username")
            if user == nil { user = try readSecret(b, "username_file", baseDirectory) }
            if b.node("password") != nil && b.node("password_file") != nil {
                throw b.error("password", "at most one of password and password_file must be configured")
            }
            if let pass = try b.string("password") {
                found.append(.basic(username: user ?? "", password: pass))
            } else if let file = try b.string("password_file") {
                // Read once here so a missing file stops the load; each request reads it again.
                _ = try readSecret(b, "password_file", baseDirectory)
                found.append(.basicPasswordFile(username: user ?? "", path: resolve(file, baseDirectory)))
            } else {
                found.append(.basic(username: user ?? "", password: ""))
            }
        }
        if m.node("bearer_token") != nil && m.node("bearer_token_file") != nil {
            throw m.error("bearer_token", "at most one of bearer_token and bearer_token_file must be configured")
        }
        if let t = try m.string("bearer_token") {
            found.append(.authorization(type: "Bearer", credentials: t))
        } else if let file = try m.string("bearer_token_file") {
            _ = try readSecret(m, "bearer_token_file", baseDirectory)
            found.append(.authorizationFile(type: "Bearer", path: resolve(file, baseDirectory)))
        }
        if let a = try m.map("authorization") {
            warnings += a.warnings(known: ["type", "credentials", "credentials_file"])
            let type = try a.string("type") ?? "Bearer"
            guard type.lowercased() != "basic" else {
                throw a.error("type", "authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
            }
            if let cred = try a.string("credentials") {
                found.append(.authorization(type: type, credentials: cred))
            } else if let file = try a.string("credentials_file") {
                _ = try readSecret(a, "credentials_file", baseDirectory)
                found.append(.authorizationFile(type: type, path: resolve(file, baseDirectory)))
            } else {
                found.append(.authorization(type: type, credentials: ""))
            }
        }
        guard found.count <= 1 else {
            throw ConfigError(path: m.path, line: nil,
                              message: "at most one of basic_auth, bearer_token, bearer_token_file and authorization must be configured")
        }
        return found.first
    }

    static func relabelRules(_ m: YAMLMapReader, _ key: String, _ warnings: inout [String]) throws(ConfigError) -> [RelabelRule] {
        var out: [RelabelRule] = []
        for r in try m.mapList(key) {
            warnings += r.warnings(known: ["source_labels", "separator", "target_label", "regex", "modulus", "replacement", "action"])
            let actionName = (try r.string("action") ?? "replace").lowercased()
            guard let action = RelabelAction(rawValue: actionName) else {
                throw r.error("action", "unknown relabel action \"\(actionName)\"")
            }
            var modulus: UInt64?
            if let s = try r.string("modulus") {
                guard let v = UInt64(s) else { throw r.error("modulus", "expected a positive integer, got \"\(s)\"") }
                modulus = v
            }
            do {
                out.append(try RelabelRule(
                    sourceLabels: try r.stringList("source_labels") ?? [],
                    separator: try r.string("separator") ?? ";",
                    targetLabel: try r.string("target_label"),
                    regex: try r.string("regex") ?? "(.*)",
                    modulus: modulus,
                    replacement: try r.string("replacement") ?? "$1",
                    action: action))
            } catch let e as ConfigError {
                throw e
            } catch {
                throw ConfigError(path: r.path, line: nil, message: "\(error)")
            }
        }
        return out
    }
}
