import Hummingbird
import TSDB

/// `/api/v1/metadata`: type, help and unit per metric name, from the `# HELP`, `# TYPE` and
/// `# UNIT` lines of the scrape targets (refreshed when series appear and every tenth scrape),
/// with Prometheus' `metric`, `limit` and `limit_per_metric` parameters. Pushed data carries no
/// metadata here, as in Prometheus.
enum MetadataRoute {
    static func register(_ api: QueryAPI, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/metadata", [.get], on: router) { p, _ throws(APIError) in
            var limits: [String: Int] = [:]
            for name in ["limit", "limit_per_metric"] {
                if let s = p.nonEmpty(name) {
                    guard let n = Int(s) else { throw .badData("\(name) must be a number") }
                    limits[name] = n
                }
            }
            var all = await api.status.metadata()
            if let metric = p.nonEmpty("metric") { all = all.filter { $0.key == metric } }
            // Prometheus: a limit of zero or below means no limit.
            var names = all.keys.sorted()
            if let limit = limits["limit"], limit > 0 { names = Array(names.prefix(limit)) }
            let perMetric = limits["limit_per_metric"].flatMap { $0 > 0 ? $0 : nil }
            return APIResponse.success { b in
                b.byte(UInt8(ascii: "{"))
                for (i, name) in names.enumerated() {
                    if i > 0 { b.byte(UInt8(ascii: ",")) }
                    b.string(name)
                    b.byte(UInt8(ascii: ":"))
                    let entries = all[name] ?? []
                    b.array(perMetric.map { Array(entries.prefix($0)) } ?? entries) { b, md in
                        b.raw(#"{"type":"#); b.string(md.type)
                        b.raw(#","help":"#); b.string(md.help)
                        b.raw(#","unit":"#); b.string(md.unit)
                        b.byte(UInt8(ascii: "}"))
                    }
                }
                b.byte(UInt8(ascii: "}"))
            }
        }
    }
}
