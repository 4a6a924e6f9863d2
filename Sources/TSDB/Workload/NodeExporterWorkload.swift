#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A deterministic, node_exporter-like synthetic fleet: `hosts` targets scraped every `intervalMs`.
///
/// What it models (see `NodeExporterHost` for the per-scrape dynamics):
/// - Series shapes: the ~1,000 series of a real node_exporter 1.5 scrape captured in
///   `Benchmarks/data/node-exporter-series.txt`, with labels `instance="host-NNNN:9100"`, `job="node"`.
/// - Timing: host `h` is scraped at `start + k*interval + offset(h) + round(uniform(-jitter, +jitter))`;
///   all series of one scrape share that timestamp, like a real scraper's writes.
/// - Values: about two thirds stay constant (info metrics, limits, sizes, idle error counters),
///   counters grow by heavy-tailed increments on the capture's precision grid (cpu seconds in
///   0.01 s steps, bytes as integers, memory in 4 KiB pages) and reset on a simulated reboot
///   (about once per 10 days per host), gauges walk within bounds on their captured precision.
/// Everything is a pure function of `seed` and the host number.
public struct NodeExporterWorkload: Sendable {
    /// Number of simulated hosts.
    public let hosts: Int
    /// Seed all randomness derives from.
    public let seed: UInt64
    /// Scrape interval in milliseconds.
    public let intervalMs: Int64
    /// Maximum absolute scrape-time jitter in milliseconds (0 = perfectly regular).
    public let jitterMs: Double
    /// Nominal time of the first scrape, ms since the epoch.
    public let startMs: Int64

    /// Shapes in the order of `labels(host:series:)`, i.e. sorted by full label set.
    let shapes: [NodeExporterSeriesShape]
    /// Per series: full label set with a placeholder `instance` value, sorted by name.
    let templates: [[(name: String, value: String)]]
    /// Per series: index of the `instance` pair inside its template.
    let instanceSlot: [Int]

    /// Number of series every host exposes.
    public var seriesPerHost: Int { shapes.count }
    /// Total number of series of the fleet.
    public var seriesCount: Int { hosts * shapes.count }

    /// Loads the captured shapes (from `shapesPath`, or found by walking up to `Benchmarks/data`).
    public init(hosts: Int, seed: UInt64 = 42, intervalMs: Int64 = 15_000, jitterMs: Double = 1.5,
                startMs: Int64 = 1_700_000_000_000, shapesPath: String? = nil) throws {
        guard hosts >= 0, intervalMs > 0, jitterMs >= 0, Double(intervalMs) > 2 * jitterMs + 1 else {
            throw NodeExporterWorkloadError.invalidParameters("need hosts >= 0, interval > 2 × jitter + 1 ms")
        }
        self.hosts = hosts; self.seed = seed; self.intervalMs = intervalMs
        self.jitterMs = jitterMs; self.startMs = startMs
        guard let path = shapesPath ?? NodeExporterWorkload.locateShapesFile() else {
            throw NodeExporterWorkloadError.shapesFileNotFound
        }
        guard let text = NodeExporterWorkload.readFile(path) else { throw NodeExporterWorkloadError.unreadable(path: path) }
        let parsed = try NodeExporterSeriesShape.parseFile(text)
        let templates = parsed.map { shape -> [(name: String, value: String)] in
            var ls = shape.labels
            ls.append(("__name__", shape.name)); ls.append(("instance", "")); ls.append(("job", "node"))
            ls.sort { Self.utf8Less($0.name, $1.name) }
            return ls
        }
        let order = templates.indices.sorted { Self.labelSetLess(templates[$0], templates[$1]) }
        self.shapes = order.map { parsed[$0] }
        self.templates = order.map { templates[$0] }
        self.instanceSlot = self.templates.map { t in t.firstIndex { $0.name == "instance" } ?? 0 }
    }

    /// The `instance` label value of a host (`host-0007:9100`).
    public static func instance(of host: Int) -> String {
        var digits = String(host)
        while digits.count < 4 { digits = "0" + digits }
        return "host-\(digits):9100"
    }

    /// Labels of series `series` of `host`, sorted by name, including `__name__`, `instance`, `job`.
    public func labels(host: Int, series: Int) -> [(name: String, value: String)] {
        var ls = templates[series]
        ls[instanceSlot[series]].value = Self.instance(of: host)
        return ls
    }

    /// Captured Prometheus TYPE of series `series` (counter, gauge, summary, untyped).
    public func metricType(series: Int) -> String { shapes[series].type }

    /// Whether series `series` is a monotonic counter (may still stay constant on some hosts).
    public func isCounter(series: Int) -> Bool { shapes[series].isCounter }

    /// Generator of the scrapes of one host; deterministic from `seed` and `host`.
    public func makeHost(_ host: Int) -> NodeExporterHost {
        NodeExporterHost(workload: self, host: host)
    }

    /// Every (host, series) pair in ascending label-set order: the order a block writer needs.
    public func globallySortedSeries() -> [(host: Int, series: Int)] {
        // Hosts differ only in `instance`, so order = merge of the per-host order, keyed by the
        // template position of `instance` relative to the other labels.
        var pairs: [(host: Int, series: Int)] = []
        pairs.reserveCapacity(seriesCount)
        for h in 0..<hosts { for s in 0..<seriesPerHost { pairs.append((h, s)) } }
        let names = (0..<hosts).map { Self.instance(of: $0) }
        pairs.sort { a, b in
            let ta = templates[a.series], tb = templates[b.series]
            let n = min(ta.count, tb.count)
            for i in 0..<n {
                if ta[i].name != tb[i].name { return Self.utf8Less(ta[i].name, tb[i].name) }
                let va = i == instanceSlot[a.series] ? names[a.host] : ta[i].value
                let vb = i == instanceSlot[b.series] ? names[b.host] : tb[i].value
                if va != vb { return Self.utf8Less(va, vb) }
            }
            return ta.count < tb.count
        }
        return pairs
    }

    /// Directory holding `Package.swift`, found by walking up from this source file and from the
    /// current directory; nil when neither leads to one.
    public static func packageRoot() -> String? {
        for start in [String(#filePath), currentDirectory()] {
            var dir = start
            while dir.count > 1 {
                if access(dir + "/Package.swift", F_OK) == 0 { return dir }
                guard let slash = dir.lastIndex(of: "/") else { break }
                dir = slash == dir.startIndex ? "/" : String(dir[dir.startIndex..<slash])
            }
        }
        return nil
    }

    static func locateShapesFile() -> String? {
        let rel = "/Benchmarks/data/node-exporter-series.txt"
        for start in [String(#filePath), currentDirectory()] {
            var dir = start
            while dir.count > 1 {
                if access(dir + rel, R_OK) == 0 { return dir + rel }
                guard let slash = dir.lastIndex(of: "/") else { break }
                dir = slash == dir.startIndex ? "/" : String(dir[dir.startIndex..<slash])
            }
        }
        return nil
    }

    static func currentDirectory() -> String {
        var buf = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buf, buf.count) != nil else { return "." }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func readFile(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, f)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Byte-wise (UTF-8) string order, the order of label sets on disk.
    static func utf8Less(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    static func labelSetLess(_ a: [(name: String, value: String)], _ b: [(name: String, value: String)]) -> Bool {
        for i in 0..<min(a.count, b.count) {
            if a[i].name != b[i].name { return utf8Less(a[i].name, b[i].name) }
            if a[i].value != b[i].value { return utf8Less(a[i].value, b[i].value) }
        }
        return a.count < b.count
    }
}
