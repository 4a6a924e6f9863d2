import ArgumentParser
import Foundation
import RuleEval
import TSDB

/// PromQL query latency in process: node_exporter-like data ingested through the WAL (blocks cut
/// as time passes), then the issue's queries through the engine, median and p90 over repeated runs.
struct PromQLQueryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql-query",
        abstract: "PromQL query latency over node_exporter-like data (in process, through the engine)."
    )

    @Option(help: "Hosts to simulate (about 1,000 series each).") var hosts = 100
    @Option(help: "Hours of data at the 15 s scrape interval.") var hours = 4.0
    @Option(help: "Runs per query.") var runs = 15
    @Option(help: "Gauge G of the *_over_time queries.") var gauge = "node_scrape_collector_duration_seconds"
    @Option(help: "Counter C of the rate queries.") var counter = "node_cpu_seconds_total"
    @Option(help: "Only run the queries containing this text.") var only: String?
    @Option(help: "Extra instant queries to time, separated by ';'.") var extra: String?
    @Option(help: "Keep the data in this directory and reuse it on the next run (same hosts and hours).") var dir: String?

    func run() async throws {
        let workload = try NodeExporterWorkload(hosts: hosts)
        let path = dir ?? NSTemporaryDirectory() + "tidemark-bench-\(UUID().uuidString)"
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: path) } }
        let marker = path + "/bench-last-timestamp"
        let reused = (try? String(contentsOfFile: marker, encoding: .utf8)).flatMap { Int64($0) }
        let db = try DB.open(directory: path)
        defer { try? db.close() }
        let end: Int64
        if let reused {
            end = reused
        } else {
            let ingest = try NodeExporterIngest.run(into: db, workload: workload, hours: hours)
            end = ingest.lastT
            if dir != nil { try String(end).write(toFile: marker, atomically: true, encoding: .utf8) }
        }
        let engine = PromQLEngine(storage: db)
        let startMs = end - Int64(hours * 3_600_000)
        print("data: \(workload.seriesCount) series (\(hosts) hosts) over \(hours) h, \(db.head.numSamples) samples in the head; \(db.blocks.count) blocks + head\(reused != nil ? " (reused)" : "")")
        let g = gauge, c = counter
        let queries: [(String, Bool)] = [
            ("avg_over_time(\(g)[1h])", false),
            ("quantile_over_time(0.95, \(g)[1h])", false),
            ("quantile_over_time(0.99, \(g)[1h])", false),
            ("max_over_time(\(g)[1h])", false),
            ("sum by (instance) (rate(\(c)[5m]))", false),
            ("sum(rate(\(c)[5m]))", true),
        ]
        let extras = (extra ?? "").split(separator: ";").map { (String($0), false) }
        for (q, isRange) in queries + extras where only.map({ q.contains($0) }) ?? true {
            var times: [Double] = []
            var seriesOut = 0
            var loaded = 0
            for _ in 0..<runs {
                let t0 = ContinuousClock.now
                let r = isRange
                    ? try await engine.rangeQuery(q, start: startMs, end: end, step: 60_000)
                    : try await engine.instantQuery(q, at: end)
                let d = ContinuousClock.now - t0
                times.append(Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
                switch r.value {
                case .vector(let v): seriesOut = v.count
                case .matrix(let m): seriesOut = m.count
                default: break
                }
                loaded = r.samplesLoaded
            }
            times.sort()
            let median = times[times.count / 2], p90 = times[min(times.count - 1, Int(Double(times.count) * 0.9))]
            print(String(format: "%-48@ %@  median %7.2f ms  p90 %7.2f ms  (%d series out, %d samples held)",
                         q as NSString, (isRange ? "range 60s" : "instant  ") as NSString, median, p90, seriesOut, loaded))
        }
    }
}
