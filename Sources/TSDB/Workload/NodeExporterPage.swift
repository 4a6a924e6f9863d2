extension NodeExporterWorkload {
    /// The `/metrics` page a host serves for one scrape's `values` (one per series, in series
    /// order): Prometheus text 0.0.4 with `# HELP`/`# TYPE` per family, without the `instance`
    /// and `job` labels (a scraper adds those). For parser benchmarks and scrape tests.
    public func metricsPage(host: Int, values: [Double]) -> [UInt8] {
        var w = ExpositionWriter(reservingCapacity: seriesPerHost * 96)
        var lastName = ""
        for s in 0..<min(values.count, seriesPerHost) {
            let all = labels(host: host, series: s)
            let name = all.first { $0.name == "__name__" }?.value ?? "unnamed"
            if name != lastName {
                let type = metricType(series: s)
                let part = type == "summary" && (name.hasSuffix("_sum") || name.hasSuffix("_count"))
                if !part {
                    w.writeHelp(name, "node_exporter-like series \(name).")
                    w.writeType(name, Self.familyType(type))
                }
                lastName = name
            }
            let rest = all.filter { $0.name != "__name__" && $0.name != "instance" && $0.name != "job" }
                .map { Label(name: $0.name, value: $0.value) }
            w.writeSample(name: name, labels: rest, value: values[s])
        }
        return w.bytes
    }

    static func familyType(_ t: String) -> MetricFamilyType {
        switch t {
        case "counter": return .counter
        case "gauge": return .gauge
        case "summary": return .summary
        case "histogram": return .histogram
        default: return .untyped
        }
    }
}
