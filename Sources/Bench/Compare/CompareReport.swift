import Foundation

/// Everything one system measured in one run.
struct SystemResult: Codable, Sendable {
    var system: BenchSystem
    var version: String?
    /// Why the system was not measured (not installed, failed to start).
    var skipped: String?
    var ingest: IngestFigures?
    /// Resident bytes once the process was idle after ingest.
    var residentBytes: Int?
    /// Resident bytes of the freshly started, empty process once idle (its fixed cost: code,
    /// runtime, empty tables), so the cost per added series can be told from it.
    var idleResidentBytes: Int?
    /// Seconds from the end of ingest until the process was idle (RSS taken then).
    var idleAfterSeconds: Double?
    var activeSeries: Int?
    var storage: StorageFigures?
    var queries: [String: QueryTiming] = [:]

    /// The figure `key` of this result, if measured.
    func value(_ figure: CompareFigure) -> Double? {
        switch figure.kind {
        case .ingestRate: ingest.map { $0.samplesPerSecond / 1e6 }
        case .cpuPerMillion: ingest.map { $0.cpuSecondsPerMillion }
        case .bytesPerSample: storage.map { $0.bytesPerSample }
        case .residentPerSeries: residentBytes.flatMap { r in activeSeries.map { Double(r) / Double(max($0, 1)) / 1000 } }
        case .residentPerSeriesAboveIdle:
            residentBytes.flatMap { r in idleResidentBytes.flatMap { i in activeSeries.map { Double(r - i) / Double(max($0, 1)) / 1000 } } }
        case .queryMedian(let name): queries[name]?.medianMs
        }
    }
}

/// One whole comparison: every system, and what their answers disagreed on.
struct CompareRun: Codable, Sendable {
    var systems: [SystemResult]
    /// Answers that differ where they should not: these fail the run.
    var mismatches: [String]
    /// Answers that differ by design (MetricsQL vs PromQL).
    var knownDifferences: [String]
}

/// A column of the comparison table.
struct CompareFigure: Sendable {
    enum Kind: Sendable, Equatable {
        case ingestRate, cpuPerMillion, bytesPerSample, residentPerSeries, residentPerSeriesAboveIdle
        case queryMedian(String)
    }
    var kind: Kind
    var title: String
    var lowerIsBetter: Bool
    /// Tidemark's bars: (peer, maximum Tidemark/peer ratio, or minimum when higher is better).
    var bars: [(BenchSystem, Double)]

    static func all(queries: [CompareQuery]) -> [CompareFigure] {
        [
            CompareFigure(kind: .ingestRate, title: "ingest (M samples/s)", lowerIsBetter: false, bars: [(.prometheus, 2), (.victoriametrics, 1)]),
            CompareFigure(kind: .cpuPerMillion, title: "CPU-s per M samples", lowerIsBetter: true, bars: [(.victoriametrics, 1)]),
            CompareFigure(kind: .bytesPerSample, title: "bytes/sample on disk", lowerIsBetter: true, bars: [(.prometheus, 0.5), (.victoriametrics, 0.8)]),
            CompareFigure(kind: .residentPerSeries, title: "RSS per series (KB)", lowerIsBetter: true, bars: [(.prometheus, 0.3), (.victoriametrics, 0.6)]),
            // Shown for information, no bar: the issue's bar is on the whole RSS above.
            CompareFigure(kind: .residentPerSeriesAboveIdle, title: "RSS above idle per series (KB)", lowerIsBetter: true, bars: []),
        ] + queries.map {
            CompareFigure(kind: .queryMedian($0.name), title: "\($0.name) (ms)", lowerIsBetter: true, bars: [(.prometheus, 0.5), (.victoriametrics, 1)])
        }
    }
}

/// The comparison's JSON file: parameters, machine, versions, every run's raw figures, the medians.
struct CompareReport: Codable, Sendable {
    struct Parameters: Codable, Sendable {
        var scale: String
        var hosts: Int
        var series: Int
        var hours: Double
        var samples: Int
        var requests: Int
        var connections: Int
        var batch: Int
        var queryRuns: Int
        var repetitions: Int
        var seed: UInt64
        var queries: [CompareQuery]
        var queryTime: Int64
        var rangeStart: Int64
        var rangeStep: Int64
    }
    var date: String
    var command: String
    var parameters: Parameters
    var machine: MachineInfo
    var runs: [CompareRun]
    /// Median over runs of each figure, per system (figure title → value).
    var medians: [String: [String: Double]]
    /// The same workload through the TSDB library in process (no HTTP), when measured.
    var inProcess: InProcessFigures?

    /// Medians of every figure over the runs, per system.
    static func medians(of runs: [CompareRun], figures: [CompareFigure]) -> [String: [String: Double]] {
        var out: [String: [String: Double]] = [:]
        for system in BenchSystem.allCases {
            var row: [String: Double] = [:]
            for f in figures {
                let values = runs.compactMap { run in run.systems.first { $0.system == system }?.value(f) }.sorted()
                if !values.isEmpty { row[f.title] = values[values.count / 2] }
            }
            if !row.isEmpty { out[system.rawValue] = row }
        }
        return out
    }

    /// The Markdown table: one row per system, one column per figure, peers with their ratio to Tidemark.
    func markdownTable(figures: [CompareFigure]) -> String {
        var lines = ["| system | " + figures.map(\.title).joined(separator: " | ") + " |",
                     "|---|" + String(repeating: "---:|", count: figures.count)]
        let base = medians[BenchSystem.tidemark.rawValue] ?? [:]
        for system in BenchSystem.allCases {
            let version = runs.lazy.compactMap { $0.systems.first { $0.system == system } }.first
            guard let row = medians[system.rawValue] else {
                if let skipped = version?.skipped { lines.append("| \(system.displayName) | skipped: \(skipped) |") }
                continue
            }
            var cells = ["\(system.displayName) \(version?.version ?? "")"]
            for f in figures {
                guard let v = row[f.title] else { cells.append("–"); continue }
                var cell = Self.format(v)
                if system != .tidemark, let b = base[f.title], b > 0 { cell += String(format: " (%.2f×)", v / b) }
                cells.append(cell)
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    /// Tidemark's bars against each peer measured: met or missed, with the ratio.
    func barLines(figures: [CompareFigure]) -> [String] {
        guard let base = medians[BenchSystem.tidemark.rawValue] else { return [] }
        var out: [String] = []
        for f in figures {
            for (peer, limit) in f.bars {
                guard let ours = base[f.title], let theirs = medians[peer.rawValue]?[f.title], theirs > 0 else { continue }
                let ratio = ours / theirs
                let met = f.lowerIsBetter ? ratio <= limit : ratio >= limit
                out.append(String(format: "%@ %@: Tidemark/%@ = %.2f (bar %@ %.2f)", met ? "met   " : "MISSED", f.title,
                                  peer.displayName, ratio, f.lowerIsBetter ? "≤" : "≥", limit))
            }
        }
        return out
    }

    static func format(_ v: Double) -> String {
        if v >= 100 { return String(format: "%.0f", v) }
        if v >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.2f", v)
    }
}
