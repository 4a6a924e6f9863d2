import ArgumentParser
import Foundation
import TSDB

/// Workload sizes of `compare`.
enum BenchScale: String, ExpressibleByArgument, CaseIterable, Sendable {
    case small, standard, large
    var series: Int { switch self { case .small: 10_000; case .standard: 100_000; case .large: 1_000_000 } }
    var hours: Double { switch self { case .small: 1; case .standard: 4; case .large: 1 } }
}

/// `tidemark-bench compare`: the same remote-write payloads and queries against Tidemark,
/// Prometheus and VictoriaMetrics, one after the other on this machine, in one table.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Tidemark side by side with Prometheus and VictoriaMetrics: ingest, disk, memory, query latency, answers."
    )

    @Option(help: "Workload size: small (10 k series × 1 h), standard (100 k × 4 h), large (1 M × 1 h).") var scale: BenchScale = .standard
    @Option(help: "Series (overrides the scale; about 1,014 per simulated host).") var series: Int?
    @Option(help: "Hours of data at the 15 s interval (overrides the scale).") var hours: Double?
    @Option(help: "Concurrent remote-write connections.") var connections = 4
    @Option(help: "Samples per remote-write request.") var batch = 2000
    @Option(help: "Timed runs per query (after one warm-up).") var runs = 10
    @Option(name: .customLong("repeat"), help: "Whole comparisons to run; the table shows each figure's median.") var repetitions = 1
    @Option(help: "Systems to run, comma-separated.") var systems = "tidemark,prometheus,victoriametrics"
    @Option(help: "Directory for the JSON results and the SVG chart.") var output = "Benchmarks/results"
    @Option(help: "tidemark binary (default: next to this executable).") var binary: String?
    @Option(help: "Workload seed.") var seed: UInt64 = 42
    @Option(help: "Gauge G of the *_over_time queries.") var gauge = "node_scrape_collector_duration_seconds"
    @Option(help: "Counter C of the rate queries.") var counter = "node_cpu_seconds_total"
    @Flag(help: "Skip the in-process run of the same workload through the TSDB library.") var skipInProcess = false

    func run() throws {
        let chosen = try systems.split(separator: ",").map { name in
            guard let s = BenchSystem(rawValue: name.lowercased().replacingOccurrences(of: "-", with: "")) else {
                throw ValidationError("unknown system '\(name)': use \(BenchSystem.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return s
        }
        guard connections > 0, batch > 0, runs > 0, repetitions > 0 else { throw ValidationError("connections, batch, runs and repeat must be positive") }
        let progress = ProgressReporter()
        var machine = MachineInfo.current()

        // Workload: hosts from the series count; timestamps placed so that no sample falls on a
        // query window's edge (PromQL 2.x and 3.x differ there) and the query times sit on the step grid.
        let shapes = try NodeExporterWorkload(hosts: 0, seed: seed)
        let hostCount = max(1, Int((Double(series ?? scale.series) / Double(shapes.seriesPerHost)).rounded()))
        let hourCount = hours ?? scale.hours
        let interval: Int64 = 15_000, step: Int64 = 60_000
        let scrapes = max(2, Int(hourCount * 3_600_000 / Double(interval)))
        let probe = try NodeExporterWorkload(hosts: hostCount, seed: seed, startMs: 0)
        let offsets = (0..<hostCount).map { probe.makeHost($0).firstScrapeMs % interval }
        let freeResidue = (0..<interval).map { (interval / 2 + $0) % interval }.first { x in
            offsets.allSatisfy { o in let d = abs(o - x) % interval; return min(d, interval - d) > 3 }
        } ?? 0
        let nowMinute = Int64(Date().timeIntervalSince1970 * 1000) / step * step
        let startMs = nowMinute - Int64(scrapes) * interval - 2 * step - freeResidue
        let workload = try NodeExporterWorkload(hosts: hostCount, seed: seed, intervalMs: interval, startMs: startMs)

        progress.phase("encoding remote-write payloads")
        let payloads = try RemoteWritePayloads.encode(workload: workload, scrapes: scrapes, connections: connections, batch: batch,
                                                      progress: { progress.update($0) })
        progress.done(String(format: "%d samples of %d series in %d requests, %.1f MiB snappy", payloads.sampleCount,
                             workload.seriesCount, payloads.requestCount, Double(payloads.compressedBytes) / 1_048_576))
        let queryTime = (payloads.lastTimestamp / step + 1) * step
        // The range starts at the first full 5 m rate window: where a series begins inside a
        // window, Prometheus 2.42 and current PromQL extrapolate differently (the order of the
        // zero-point and 1.1-interval rules changed), which would compare versions, not engines.
        let firstFullWindow = payloads.firstTimestamp + 5 * 60_000 + interval
        let rangeStart = queryTime - (queryTime - firstFullWindow) / step * step
        let queries = CompareQuery.standardSet(gauge: gauge, counter: counter)
        let figures = CompareFigure.all(queries: queries)

        var runResults: [CompareRun] = []
        for rep in 0..<repetitions {
            var results: [SystemResult] = []
            var answers: [BenchSystem: [String: QueryAnswer]] = [:]
            for system in chosen {
                let label = repetitions > 1 ? "run \(rep + 1)/\(repetitions), \(system.displayName)" : system.displayName
                guard let exe = system.executable(tidemarkBinary: binary) else {
                    if system == .tidemark { throw BenchError("tidemark binary not found: build it with `swift build -c release --product tidemark` or pass --binary") }
                    progress.phase("\(label): not installed, skipped")
                    results.append(SystemResult(system: system, skipped: "not installed"))
                    continue
                }
                do {
                    let (result, systemAnswers) = try measure(system, executable: exe, label: label, payloads: payloads,
                                                              seriesCount: workload.seriesCount, queries: queries,
                                                              time: queryTime, start: rangeStart, step: step, progress: progress)
                    results.append(result)
                    answers[system] = systemAnswers
                } catch {
                    if system == .tidemark { throw error }
                    progress.done("failed: \(error)")
                    results.append(SystemResult(system: system, skipped: "failed: \(error)"))
                }
            }
            runResults.append(Self.compareAnswers(answers, queries: queries, results: results))
        }

        var inProcess: InProcessFigures?
        if !skipInProcess {
            progress.phase("in process: the same workload into the TSDB library")
            let figures = try InProcessFigures.measure(workload: workload, hours: Double(scrapes) * Double(interval) / 3_600_000)
            inProcess = figures
            progress.done(String(format: "%.2f M samples/s appended, %.3f bytes/sample", figures.appendSamplesPerSecond / 1e6, figures.bytesPerSample))
        }

        machine.loadAverageAfter = MachineInfo.loadAverage()
        let date = ISO8601DateFormatter().string(from: Date())
        let custom = series != nil || hours != nil
        let report = CompareReport(
            date: date, command: (["tidemark-bench"] + CommandLine.arguments.dropFirst()).joined(separator: " "),
            parameters: .init(scale: custom ? "custom" : scale.rawValue, hosts: hostCount, series: workload.seriesCount, hours: hourCount,
                              samples: payloads.sampleCount, requests: payloads.requestCount, connections: connections, batch: batch,
                              queryRuns: runs, repetitions: repetitions, seed: seed, queries: queries,
                              queryTime: queryTime, rangeStart: rangeStart, rangeStep: step),
            machine: machine, runs: runResults, medians: CompareReport.medians(of: runResults, figures: figures), inProcess: inProcess)

        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let base = output + "/compare-" + report.parameters.scale
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: base + ".json"))
        try ComparisonChart.svg(report: report, figures: figures).write(toFile: base + ".svg", atomically: true, encoding: .utf8)

        print("\(workload.seriesCount) node_exporter series (\(hostCount) hosts) × \(CompareReport.format(hourCount)) h = \(payloads.sampleCount) samples, \(connections) connections; medians of \(repetitions) run(s), query latency over HTTP, median of \(runs)\n")
        print(report.markdownTable(figures: figures))
        if let inProcess { print("\n" + inProcess.markdown) }
        let bars = report.barLines(figures: figures)
        if !bars.isEmpty { print("\nBars:\n" + bars.map { "  " + $0 }.joined(separator: "\n")) }
        let known = Set(runResults.flatMap(\.knownDifferences)).sorted()
        if !known.isEmpty { print("\nKnown differences (by design, not failures):\n" + known.map { "  " + $0 }.joined(separator: "\n")) }
        print("\nresults: \(base).json, chart: \(base).svg")
        let mismatches = runResults.flatMap(\.mismatches)
        let rejected = runResults.flatMap(\.systems).filter { $0.system == .tidemark }.reduce(0) { $0 + ($1.ingest?.rejectedRequests ?? 0) }
        if !mismatches.isEmpty {
            print("\nANSWERS DIFFER:\n" + mismatches.map { "  " + $0 }.joined(separator: "\n"))
        }
        if rejected > 0 { print("\nTidemark rejected \(rejected) remote-write requests") }
        if !mismatches.isEmpty || rejected > 0 { throw ExitCode(1) }
    }

    /// Runs one system through ingest, memory, disk and queries.
    func measure(_ system: BenchSystem, executable: String, label: String, payloads: RemoteWritePayloads, seriesCount: Int,
                 queries: [CompareQuery], time: Int64, start: Int64, step: Int64,
                 progress: ProgressReporter) throws -> (SystemResult, [String: QueryAnswer]) {
        progress.phase("\(label): starting")
        let server = try system.start(executable: executable)
        defer { server.stop() }
        var result = SystemResult(system: system, version: system.version(server))
        // The empty server's RSS only once it is quiet (at most 15 s; left out if it is not).
        let quietAfter = server.waitUntilIdle(limit: 15)
        let idle = server.residentBytes
        result.idleResidentBytes = quietAfter < 15 && idle > 0 ? idle : nil
        progress.done(String(format: "version %@ on 127.0.0.1:%d, RSS when idle and empty %.0f MiB", result.version ?? "?", server.port,
                             Double(result.idleResidentBytes ?? 0) / 1_048_576))

        progress.phase("\(label): remote-write ingest")
        let ingest = RemoteWriteIngest.run(payloads, to: server) { progress.update($0) }
        result.ingest = ingest
        progress.done(String(format: "%.2f M samples/s, server %.2f CPU-s per M samples, client CPU %.1f s, %d rejected requests",
                             ingest.samplesPerSecond / 1e6, ingest.cpuSecondsPerMillion, ingest.clientCPUSeconds, ingest.rejectedRequests))
        for f in ingest.failures { progress.done("rejection: \(f)") }
        // Memory at rest: what a system holds for its series, not a compaction or merge that
        // happens to be running just after the burst of ingest.
        progress.phase("\(label): waiting until idle")
        let waited = server.waitUntilIdle()
        result.residentBytes = server.residentBytes
        result.idleAfterSeconds = waited
        progress.done(String(format: "idle after %.0f s", waited))
        result.activeSeries = seriesCount

        progress.phase("\(label): forcing data into blocks")
        let storage = try system.persist(server, ingestedSamples: payloads.sampleCount)
        result.storage = storage
        progress.done(String(format: "%.1f MiB, %d samples = %.3f bytes/sample; RSS at rest after ingest %.0f MiB = %.2f KB per series",
                             Double(storage.bytes) / 1_048_576, storage.samples, storage.bytesPerSample,
                             Double(result.residentBytes ?? 0) / 1_048_576, Double(result.residentBytes ?? 0) / Double(seriesCount) / 1000))

        progress.phase("\(label): queries")
        var answers: [String: QueryAnswer] = [:]
        for (i, q) in queries.enumerated() {
            let (timing, answer) = try QueryLatency.measure(q, on: server, time: time, start: start, step: step, runs: runs)
            result.queries[q.name] = timing
            answers[q.name] = answer
            progress.update(Double(i + 1) / Double(queries.count))
        }
        progress.done(queries.map { String(format: "%@ %.1f ms", $0.name as NSString, result.queries[$0.name]?.medianMs ?? 0) }.joined(separator: ", "))
        return (result, answers)
    }

    /// Checks every system's answers against Tidemark's (or the first system's, without Tidemark).
    static func compareAnswers(_ answers: [BenchSystem: [String: QueryAnswer]], queries: [CompareQuery],
                               results: [SystemResult]) -> CompareRun {
        var run = CompareRun(systems: results, mismatches: [], knownDifferences: [])
        let order = BenchSystem.allCases.filter { answers[$0] != nil }
        guard let reference = order.first, let refAnswers = answers[reference] else { return run }
        for system in order.dropFirst() {
            for q in queries {
                guard let a = refAnswers[q.name], let b = answers[system]?[q.name] else { continue }
                var diffs = a.differences(from: b)
                guard !diffs.isEmpty else { continue }
                if system.keepsMetricNames, a.differences(from: b.droppingMetricNames()).isEmpty {
                    run.knownDifferences.append("\(q.name), \(system.displayName): keeps __name__ on the result (same values)")
                    continue
                }
                if system.keepsMetricNames { diffs = a.differences(from: b.droppingMetricNames()) }
                let text = "\(q.name): \(reference.displayName) vs \(system.displayName): " + diffs.joined(separator: "; ")
                if let why = system.knownDifference(query: q.expr) {
                    run.knownDifferences.append("\(q.name), \(system.displayName): \(why)")
                } else {
                    run.mismatches.append(text)
                }
            }
        }
        return run
    }
}
