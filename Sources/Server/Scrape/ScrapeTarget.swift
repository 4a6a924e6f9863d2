import TSDB

/// One endpoint to scrape, after target relabeling: its URL and the labels its samples get.
struct ScrapeTarget: Sendable, Hashable {
    /// The job's name (the scrape config).
    let job: String
    /// Full URL including query parameters.
    let url: String
    /// Labels added to every scraped sample (`job`, `instance`, static and relabeled labels).
    let labels: Labels
    let intervalMs: Int64
    let timeoutMs: Int64

    /// Builds the targets of `group` for `config`: the labels Prometheus gives a target before
    /// relabeling (`__address__`, `__scheme__`, `__metrics_path__`, `__param_*`, interval and
    /// timeout), relabeled; targets dropped by relabeling are left out. Labels starting with `__`
    /// are removed afterwards and `instance` defaults to the address.
    static func make(group: TargetGroup, config: ScrapeConfig) throws -> [ScrapeTarget] {
        var out: [ScrapeTarget] = []
        let relabeler = Relabeler(config.relabelConfigs)
        for address in group.targets {
            var pairs: [String: String] = [:]
            for l in group.labels { pairs[l.name] = l.value }
            pairs["job"] = pairs["job"] ?? config.jobName
            pairs["__address__"] = address
            pairs["__scheme__"] = config.scheme
            pairs["__metrics_path__"] = config.metricsPath
            pairs["__scrape_interval__"] = DurationFormat.string(ms: config.scrapeIntervalMs)
            pairs["__scrape_timeout__"] = DurationFormat.string(ms: config.scrapeTimeoutMs)
            for (k, vs) in config.params where !vs.isEmpty { pairs["__param_\(k)"] = vs[0] }
            let initial = try Labels(validating: pairs.map { Label(name: $0.key, value: $0.value) })
            guard let relabeled = try relabeler.apply(initial) else { continue }
            var final: [String: String] = [:]
            for l in relabeled.pairs { final[l.name] = l.value }
            guard let addr = final["__address__"], !addr.isEmpty else { continue }
            let scheme = final["__scheme__"] ?? config.scheme
            let path = final["__metrics_path__"] ?? config.metricsPath
            // Config params, then every __param_<name> label replaces the first value of <name>;
            // encoded sorted by name, as Go's url.Values.
            var params: [String: [String]] = [:]
            for (k, vs) in config.params { params[k, default: []] += vs }
            for (k, v) in final where k.hasPrefix("__param_") {
                let name = String(k.dropFirst("__param_".count))
                if var vs = params[name], !vs.isEmpty { vs[0] = v; params[name] = vs } else { params[name] = [v] }
            }
            var query: [String] = []
            for k in params.keys.sorted() {
                for v in params[k] ?? [] { query.append("\(URLQuery.escape(k))=\(URLQuery.escape(v))") }
            }
            let interval = (final["__scrape_interval__"]).flatMap { try? DurationParser.milliseconds($0) } ?? config.scrapeIntervalMs
            let timeout = (final["__scrape_timeout__"]).flatMap { try? DurationParser.milliseconds($0) } ?? config.scrapeTimeoutMs
            if final["instance"] == nil { final["instance"] = addr }
            let kept = final.filter { !$0.key.hasPrefix("__") }.map { Label(name: $0.key, value: $0.value) }
            let labels = try Labels(validating: kept)
            let url = "\(scheme)://\(addr)\(path)" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
            out.append(ScrapeTarget(job: config.jobName, url: url, labels: labels, intervalMs: max(interval, 1),
                                    timeoutMs: max(min(timeout, interval), 1)))
        }
        return out
    }
}

/// Formats milliseconds as a Prometheus duration (`15s`, `1m30s`).
enum DurationFormat {
    static func string(ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms
        var s = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= size {
            s += "\(rest / size)\(unit)"
            rest %= size
        }
        return s
    }
}

/// Percent-encoding for URL query components.
enum URLQuery {
    static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + String(b, radix: 16, uppercase: true).leftPad(2)
            }
        }
        return out
    }
}

extension String {
    func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
