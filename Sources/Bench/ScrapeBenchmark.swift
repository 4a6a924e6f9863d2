import ArgumentParser
import Foundation
import TSDB

/// CPU a `tidemark` process spends per scrape of a large target: the bench serves a page of
/// node_exporter-like series (values change every scrape) and tidemark scrapes it every second.
struct ScrapeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scrape",
        abstract: "Server CPU per scrape of a ~10 k-series target (tidemark scraping a page this bench serves)."
    )

    @Option(help: "Hosts whose series make up the page (about 1,014 series each).") var hosts = 10
    @Option(help: "Seconds to measure (one scrape per second).") var seconds = 20
    @Option(help: "tidemark binary (default: next to this executable).") var binary: String?

    func run() throws {
        let w = try NodeExporterWorkload(hosts: hosts)
        var gens = (0..<hosts).map { w.makeHost($0) }
        var values: [Double] = []
        var bodies: [[UInt8]] = []
        // As one exporter writes it: each family once (HELP and TYPE, then its series from every
        // simulated host), so the page costs what a real one of this size costs to parse.
        let order = (0..<w.seriesPerHost).sorted { Self.family(w, $0) < Self.family(w, $1) }
        for _ in 0..<4 {
            var writer = ExpositionWriter(reservingCapacity: w.seriesCount * 110)
            var perHost: [[Double]] = []
            for h in 0..<hosts {
                _ = gens[h].scrape(into: &values)
                perHost.append(values)
            }
            var family = ""
            for s in order {
                let name = Self.family(w, s)
                if name != family {
                    family = name
                    writer.writeHelp(name, "Metric \(name) of the synthetic node_exporter fleet, as an exporter describes it.")
                    writer.writeType(name, Self.type(w.metricType(series: s)))
                }
                for h in 0..<hosts {
                    let labels = w.labels(host: h, series: s).filter { $0.name != "job" }.map { Label(name: $0.name, value: $0.value) }
                    writer.writeSample(Labels(sortedUnchecked: labels), value: perHost[h][s])
                }
            }
            bodies.append(writer.bytes)
        }
        let target = try StaticPageServer(bodies: bodies)
        print("target: \(w.seriesCount) series, \(bodies[0].count / 1024) KiB per scrape (with HELP and TYPE lines; gzip when asked, as node_exporter), on 127.0.0.1:\(target.port)")
        let server = try ServerUnderTest(binary: binary, config: """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: big
                static_configs:
                  - targets: ['127.0.0.1:\(target.port)']
            """)
        defer { server.stop() }
        // Warm-up: the first scrapes create the series.
        Thread.sleep(forTimeInterval: 3)
        let cpu0 = server.cpuSeconds, served0 = target.served
        Thread.sleep(forTimeInterval: Double(seconds))
        let cpu = server.cpuSeconds - cpu0, scrapes = target.served - served0
        guard scrapes > 0 else { throw BenchError("no scrapes happened") }
        print(String(format: "%d scrapes (%d gzip-compressed) in %d s: server CPU %.3f s = %.2f ms per scrape of %d series (%.0f ns per sample, idle work included); RSS %.1f MiB",
                     scrapes, target.servedGzipped, seconds, cpu, cpu / Double(scrapes) * 1000, w.seriesCount, cpu / Double(scrapes * w.seriesCount) * 1e9,
                     Double(server.residentBytes) / 1_048_576))
    }

    private static func type(_ t: String) -> MetricFamilyType {
        switch t {
        case "counter": .counter
        case "gauge": .gauge
        case "summary": .summary
        case "histogram": .histogram
        default: .untyped
        }
    }

    /// The metric family of series `s`: its name without a summary's or histogram's suffix.
    private static func family(_ w: NodeExporterWorkload, _ s: Int) -> String {
        let name = w.labels(host: 0, series: s).first { $0.name == "__name__" }?.value ?? ""
        let type = w.metricType(series: s)
        guard type == "summary" || type == "histogram" else { return name }
        for suffix in ["_sum", "_count", "_bucket"] where name.hasSuffix(suffix) { return String(name.dropLast(suffix.count)) }
        return name
    }
}
