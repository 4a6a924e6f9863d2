import ArgumentParser
import Foundation
import TSDB

/// Head append throughput through the WAL with many active series, one writer (one core).
struct HeadAppendBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "append", abstract: "Head append throughput through the WAL with N active series.")

    @Option(help: "Active series.") var series = 1_000_000
    @Option(help: "Samples per series.") var samples = 10
    @Option(help: "Samples per commit (batch).") var batch = 5_000

    func run() throws {
        let path = NSTemporaryDirectory() + "tidemark-append-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try DB.open(directory: path)
        let labels: [Labels] = try (0..<series).map { i in
            try Labels(validating: [Label(name: "__name__", value: "bench_metric_\(i % 100)"), Label(name: "instance", value: "host-\(i / 1000):9100"),
                                    Label(name: "job", value: "bench"), Label(name: "series", value: "\(i)")])
        }
        var app = db.appender()
        // First round creates the series (measured separately: it is a one-off cost).
        var t0 = Date()
        var inBatch = 0
        var refs = [UInt32](repeating: 0, count: series)
        for i in 0..<series {
            refs[i] = app.append(labels[i], t: 0, v: 0) ?? 0
            inBatch += 1
            if inBatch == batch { _ = try app.commit(); inBatch = 0 }
        }
        _ = try app.commit()
        let createSeconds = Date().timeIntervalSince(t0)
        print(String(format: "created %d series in %.2f s (%.0f k series/s)", series, createSeconds, Double(series) / createSeconds / 1000))
        // A cheap xorshift: the benchmark must not measure the system RNG.
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        t0 = Date()
        var c0 = ProcessStats.cpuSeconds()
        var n = 0
        for k in 1..<samples {
            let t = Int64(k) * 15_000
            for i in 0..<series {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                app.append(labels[i], t: t, v: Double(x % 1000))
                inBatch += 1
                if inBatch == batch { n += try app.commit().appended; inBatch = 0 }
            }
        }
        n += try app.commit().appended
        let dt = Date().timeIntervalSince(t0)
        var cpu = ProcessStats.cpuSeconds() - c0
        print(String(format: "appended %d samples by labels through the WAL in %.2f s = %.2f M samples/s (%.2f M per CPU-second)", n, dt, Double(n) / dt / 1e6, Double(n) / cpu / 1e6))
        // The scrape path: a cache of series refs, as a scraper keeps between scrapes.
        t0 = Date()
        c0 = ProcessStats.cpuSeconds()
        n = 0
        for k in samples..<(2 * samples) {
            let t = Int64(k) * 15_000
            for i in 0..<series {
                x ^= x << 13; x ^= x >> 7; x ^= x << 17
                _ = try app.append(ref: refs[i], t: t, v: Double(x % 1000))
                inBatch += 1
                if inBatch == batch { n += try app.commit().appended; inBatch = 0 }
            }
        }
        n += try app.commit().appended
        let dt2 = Date().timeIntervalSince(t0)
        cpu = ProcessStats.cpuSeconds() - c0
        print(String(format: "appended %d samples by cached ref through the WAL in %.2f s = %.2f M samples/s (%.2f M per CPU-second)", n, dt2, Double(n) / dt2 / 1e6, Double(n) / cpu / 1e6))
        print(String(format: "resident memory: %.0f B per series", Double(ProcessStats.residentBytes()) / Double(series)))
        try db.close()
    }
}
