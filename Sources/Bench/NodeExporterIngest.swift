import Foundation
import TSDB

/// Appends a node_exporter-like workload into a DB through the WAL, as scrapes would, letting the
/// head cut blocks every simulated 30 minutes like a running server.
struct NodeExporterIngest {
    var appended = 0
    var appendSeconds = 0.0
    var compactSeconds = 0.0
    /// Newest sample timestamp written.
    var lastT: Int64 = 0

    static func run(into db: DB, workload: NodeExporterWorkload, hours: Double) throws -> NodeExporterIngest {
        var result = NodeExporterIngest()
        let hosts = workload.hosts
        let scrapes = Int(hours * 3_600_000 / Double(workload.intervalMs))
        // Labels are built once, as a scraper's cache would hold them.
        var labels: [[Labels]] = []
        for h in 0..<hosts {
            labels.append(try (0..<workload.seriesPerHost).map { s in
                try Labels(validating: workload.labels(host: h, series: s).map { Label(name: $0.name, value: $0.value) })
            })
        }
        var gens = (0..<hosts).map { workload.makeHost($0) }
        var values = [Double](repeating: 0, count: workload.seriesPerHost)
        var refs = [[UInt32?]](repeating: [UInt32?](repeating: nil, count: workload.seriesPerHost), count: hosts)
        var app = db.appender()
        for k in 0..<scrapes {
            let a0 = Date()
            for h in 0..<hosts {
                let t = gens[h].scrape(into: &values)
                result.lastT = max(result.lastT, t)
                for s in 0..<values.count {
                    if let r = refs[h][s] {
                        _ = try? app.append(ref: r, t: t, v: values[s])
                    } else {
                        refs[h][s] = app.append(labels[h][s], t: t, v: values[s])
                    }
                }
                result.appended += try app.commit().appended
            }
            result.appendSeconds += Date().timeIntervalSince(a0)
            if k % 120 == 119 {
                let c0 = Date()
                try db.compact()
                result.compactSeconds += Date().timeIntervalSince(c0)
            }
        }
        return result
    }
}
