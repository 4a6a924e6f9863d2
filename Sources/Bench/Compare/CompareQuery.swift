import Foundation

/// One query of the comparison: instant at `time`, or range over `[start, end]` at `step`.
struct CompareQuery: Codable, Sendable {
    /// Short name used as the column heading (G and C stand for the gauge and the counter).
    var name: String
    var expr: String
    var range: Bool

    /// The queries over gauge `g` and counter `c`, plus a regex selector over the
    /// high-cardinality `instance` label.
    static func standardSet(gauge g: String, counter c: String) -> [CompareQuery] {
        [
            CompareQuery(name: "avg_over_time(G[1h])", expr: "avg_over_time(\(g)[1h])", range: false),
            CompareQuery(name: "quantile_over_time(0.95, G[1h])", expr: "quantile_over_time(0.95, \(g)[1h])", range: false),
            CompareQuery(name: "quantile_over_time(0.99, G[1h])", expr: "quantile_over_time(0.99, \(g)[1h])", range: false),
            CompareQuery(name: "max_over_time(G[1h])", expr: "max_over_time(\(g)[1h])", range: false),
            CompareQuery(name: "sum by (instance) (rate(C[5m]))", expr: "sum by (instance) (rate(\(c)[5m]))", range: false),
            CompareQuery(name: "range sum(rate(C[5m]))", expr: "sum(rate(\(c)[5m]))", range: true),
            CompareQuery(name: "regex selector", expr: "count({__name__=~\"node_.+\", instance=~\".*[13579]:9100\"})", range: false),
        ]
    }

    /// The API path of this query (URL-encoded), at instant `time` or over `start`...`end`.
    func path(time: Int64, start: Int64, step: Int64) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let q = expr.addingPercentEncoding(withAllowedCharacters: allowed) ?? expr
        func s(_ ms: Int64) -> String { String(format: "%.3f", Double(ms) / 1000) }
        return range
            ? "/api/v1/query_range?query=\(q)&start=\(s(start))&end=\(s(time))&step=\(step / 1000)"
            : "/api/v1/query?query=\(q)&time=\(s(time))"
    }
}

/// Latency of one query on one system.
struct QueryTiming: Codable, Sendable {
    var medianMs: Double
    var p90Ms: Double
    var runs: Int
    var series: Int
}

/// Runs a query repeatedly over HTTP on one keep-alive connection.
enum QueryLatency {
    /// One warm-up run, then `runs` timed runs; returns the timing and the last answer.
    static func measure(_ query: CompareQuery, on server: ServerUnderTest, time: Int64, start: Int64, step: Int64,
                        runs: Int) throws -> (QueryTiming, QueryAnswer) {
        let client = try RawHTTPClient(port: server.port)
        let path = query.path(time: time, start: start, step: step)
        var answer = try QueryAnswer(json: try client.request("GET", path, body: []).body)
        var times: [Double] = []
        for _ in 0..<max(runs, 1) {
            let t0 = ContinuousClock.now
            let reply = try client.request("GET", path, body: [])
            times.append((ContinuousClock.now - t0).seconds * 1000)
            guard reply.status == 200 else {
                throw BenchError("\(server.name): \(query.expr) answered \(reply.status): \(String(decoding: reply.body.prefix(300), as: UTF8.self))")
            }
            answer = try QueryAnswer(json: reply.body)
        }
        times.sort()
        return (QueryTiming(medianMs: times[times.count / 2], p90Ms: times[min(times.count - 1, Int(Double(times.count) * 0.9))],
                            runs: times.count, series: answer.count), answer)
    }
}
