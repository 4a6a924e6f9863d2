import Foundation

/// On-disk figures of a system after its data was forced into its long-term format.
struct StorageFigures: Codable, Sendable {
    var bytes: Int
    var samples: Int
    var bytesPerSample: Double { Double(bytes) / Double(max(samples, 1)) }
}

/// The systems `compare` runs side by side, and how to drive each one its own way.
enum BenchSystem: String, CaseIterable, Codable, Sendable {
    case tidemark, prometheus, victoriametrics

    var displayName: String {
        switch self {
        case .tidemark: "Tidemark"
        case .prometheus: "Prometheus"
        case .victoriametrics: "VictoriaMetrics"
        }
    }

    /// The executable to run, or nil when the system is not installed.
    func executable(tidemarkBinary: String?) -> String? {
        switch self {
        case .tidemark:
            let path = tidemarkBinary ?? ServerUnderTest.sibling("tidemark")
            return FileManager.default.isExecutableFile(atPath: path) ? path : nil
        case .prometheus: return Self.onPath("prometheus")
        case .victoriametrics: return Self.onPath("victoria-metrics")
        }
    }

    /// Starts the system on a free loopback port in a fresh directory, configured to receive
    /// remote-write and to let the harness force its data to disk.
    func start(executable: String) throws -> ServerUnderTest {
        switch self {
        case .tidemark:
            return try ServerUnderTest(binary: executable, config: "scrape_configs: []\n", extraArgs: ["--web.enable-admin-api"])
        case .prometheus:
            return try ServerUnderTest(
                name: rawValue, executable: executable, readyPath: "/-/ready",
                prepare: { try "global:\n  scrape_interval: 15s\n".write(toFile: $0 + "/prometheus.yml", atomically: true, encoding: .utf8) },
                arguments: { port, dir in
                    ["--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                     "--web.listen-address=127.0.0.1:\(port)", "--web.enable-remote-write-receiver",
                     "--web.enable-admin-api", "--log.level=warn"]
                })
        case .victoriametrics:
            // The rollup result cache is off so repeated queries are computed, as the other
            // systems compute them; no latency offset so the newest samples are visible at once.
            return try ServerUnderTest(
                name: rawValue, executable: executable, readyPath: "/health",
                arguments: { port, dir in
                    ["-storageDataPath=\(dir)/data", "-httpListenAddr=127.0.0.1:\(port)", "-retentionPeriod=100y",
                     "-search.disableCache", "-search.latencyOffset=0s", "-loggerLevel=WARN"]
                })
        }
    }

    /// Forces everything ingested into the system's block format and measures it.
    func persist(_ server: ServerUnderTest, ingestedSamples: Int) throws -> StorageFigures {
        switch self {
        case .tidemark:
            let r = try server.request("POST", "/api/v1/admin/tsdb/flush")
            guard (200..<300).contains(r.status) else { throw BenchError("tidemark flush: \(r.status) \(String(decoding: r.body, as: UTF8.self))") }
            return try Self.blockFigures(in: server.dir + "/data")
        case .prometheus:
            // A snapshot with the head writes the head out as a block: Prometheus' own way to
            // put everything in block format without waiting hours for head compaction.
            let r = try server.request("POST", "/api/v1/admin/tsdb/snapshot")
            guard r.status == 200, let root = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
                  let name = (root["data"] as? [String: Any])?["name"] as? String else {
                throw BenchError("prometheus snapshot: \(r.status) \(String(decoding: r.body, as: UTF8.self))")
            }
            return try Self.blockFigures(in: server.dir + "/data/snapshots/" + name)
        case .victoriametrics:
            _ = try server.request("GET", "/internal/force_flush")
            _ = try server.request("GET", "/internal/force_merge")
            // The merge runs in the background: wait until none is active and the size settles.
            let deadline = Date().addingTimeInterval(600)
            var last = -1
            while Date() < deadline {
                Thread.sleep(forTimeInterval: 1)
                let metrics = String(decoding: try server.request("GET", "/metrics").body, as: UTF8.self)
                let active = metrics.split(separator: "\n").first { $0.hasPrefix("vm_active_force_merges ") }
                    .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
                let size = Self.directoryBytes(server.dir + "/data/data") + Self.directoryBytes(server.dir + "/data/indexdb")
                if active == 0 && size == last { break }
                last = size
            }
            return StorageFigures(bytes: Self.directoryBytes(server.dir + "/data/data") + Self.directoryBytes(server.dir + "/data/indexdb"),
                                  samples: ingestedSamples)
        }
    }

    /// The version the running system reports, else its Debian package's version.
    func version(_ server: ServerUnderTest) -> String {
        if let r = try? server.request("GET", "/api/v1/status/buildinfo"), r.status == 200,
           let root = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any],
           let v = (root["data"] as? [String: Any])?["version"] as? String, !v.isEmpty {
            return v
        }
        // Debian's VictoriaMetrics build reports an empty version; its package knows it.
        guard self != .tidemark else { return "unknown" }
        let dpkg = Process()
        dpkg.executableURL = URL(fileURLWithPath: "/usr/bin/dpkg-query")
        dpkg.arguments = ["-W", "-f=${Version}", self == .prometheus ? "prometheus" : "victoria-metrics"]
        let pipe = Pipe()
        dpkg.standardOutput = pipe
        dpkg.standardError = FileHandle.nullDevice
        guard (try? dpkg.run()) != nil else { return "unknown" }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        dpkg.waitUntilExit()
        let v = String(decoding: out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return v.isEmpty ? "unknown" : v
    }

    /// Why this system's answer to `query` may differ from PromQL's, when it differs by design.
    func knownDifference(query: String) -> String? {
        guard self == .victoriametrics else { return nil }
        if query.contains("rate(") || query.contains("increase(") {
            return "MetricsQL's rate/increase do not extrapolate to the window's edges and use the sample before the window"
        }
        return nil
    }

    /// Whether this system keeps `__name__` on results PromQL strips it from (MetricsQL keeps it
    /// for rollups such as `avg_over_time` that do not change the value's meaning).
    var keepsMetricNames: Bool { self == .victoriametrics }

    /// Sum of the sizes of the block directories (those with a meta.json) under `dir`, and the
    /// samples their meta.json files count.
    static func blockFigures(in dir: String) throws -> StorageFigures {
        var bytes = 0, samples = 0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        for e in entries {
            let meta = dir + "/" + e + "/meta.json"
            guard let data = FileManager.default.contents(atPath: meta),
                  let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let stats = root["stats"] as? [String: Any], let n = (stats["numSamples"] as? NSNumber)?.intValue else { continue }
            samples += n
            bytes += directoryBytes(dir + "/" + e)
        }
        guard samples > 0 else { throw BenchError("no blocks with samples under \(dir)") }
        return StorageFigures(bytes: bytes, samples: samples)
    }

    /// Apparent size of every regular file under `path`.
    static func directoryBytes(_ path: String) -> Int {
        guard let e = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let rel = e.nextObject() as? String {
            var st = stat()
            if lstat(path + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int(st.st_size) }
        }
        return total
    }

    static func onPath(_ name: String) -> String? {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin", "/usr/sbin"]
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
