import Foundation
import Hummingbird
import RuleEval
import TSDB

/// One scrape target and how its last scrape went, for `/api/v1/targets`.
struct TargetStatus: Sendable {
    let target: ScrapeTarget
    let health: TargetHealth
}

/// `/api/v1/targets`: the scrape targets with their health, last error and last scrape, in
/// Prometheus' JSON (`activeTargets`, `droppedTargets`), with its `state` and `scrapePool`
/// parameters. Targets dropped by relabeling are not kept, so `droppedTargets` is empty.
enum TargetsRoute {
    static func register(_ api: QueryAPI, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/targets", [.get], on: router) { p, _ throws(APIError) in
            // As Prometheus: an unknown state shows neither list.
            let state = p.nonEmpty("state")?.lowercased() ?? "any"
            let all = await api.status.targets()
            var targets = state == "any" || state == "active" ? all : []
            if let pool = p.nonEmpty("scrapePool") { targets = targets.filter { $0.target.job == pool } }
            targets.sort { ($0.target.job, $0.target.url) < ($1.target.job, $1.target.url) }
            let pools = Set(all.map(\.target.job)).sorted()
            return APIResponse.success { b in
                b.raw(#"{"activeTargets":"#)
                b.array(targets) { b, t in write(t, into: &b) }
                b.raw(#","droppedTargets":[],"droppedTargetCounts":{"#)
                for (i, pool) in pools.enumerated() {
                    if i > 0 { b.byte(UInt8(ascii: ",")) }
                    b.string(pool)
                    b.raw(":0")
                }
                b.raw("}}")
            }
        }
    }

    private static func write(_ t: TargetStatus, into b: inout JSONBuffer) {
        let url = URLComponents(string: t.target.url)
        var discovered = t.target.labels.pairs.filter { $0.name != "instance" }
        discovered.append(Label(name: "__address__", value: address(url)))
        discovered.append(Label(name: "__scheme__", value: url?.scheme ?? "http"))
        discovered.append(Label(name: "__metrics_path__", value: url?.path ?? "/metrics"))
        // Prometheus 2.42 puts the job's interval and timeout among the discovered labels too.
        discovered.append(Label(name: "__scrape_interval__", value: Expr.formatDuration(t.target.intervalMs)))
        discovered.append(Label(name: "__scrape_timeout__", value: Expr.formatDuration(t.target.timeoutMs)))
        discovered.sort()
        b.raw(#"{"discoveredLabels":"#)
        RulesRoutes.pairs(discovered, into: &b)
        b.raw(#","labels":"#)
        RulesRoutes.pairs(t.target.labels.pairs, into: &b)
        b.raw(#","scrapePool":"#); b.string(t.target.job)
        b.raw(#","scrapeUrl":"#); b.string(t.target.url)
        b.raw(#","globalUrl":"#); b.string(t.target.url)
        b.raw(#","lastError":"#); b.string(t.health.lastError ?? "")
        b.raw(#","lastScrape":"#); b.string(RulesRoutes.time(t.health.lastScrapeMs))
        b.raw(#","lastScrapeDuration":"#); b.raw(t.health.lastDurationSeconds)
        b.raw(#","health":"#); b.string(t.health.up.map { $0 ? "up" : "down" } ?? "unknown")
        b.raw(#","scrapeInterval":"#); b.string(Expr.formatDuration(t.target.intervalMs))
        b.raw(#","scrapeTimeout":"#); b.string(Expr.formatDuration(t.target.timeoutMs))
        b.byte(UInt8(ascii: "}"))
    }

    /// `host:port` of the target URL, as `__address__` was before relabeling turned it into the URL.
    private static func address(_ url: URLComponents?) -> String {
        guard let host = url?.host else { return "" }
        let h = host.contains(":") ? "[\(host)]" : host
        return url?.port.map { "\(h):\($0)" } ?? h
    }
}
