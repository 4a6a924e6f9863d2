import ArgumentParser
import Foundation
import TSDB

/// The in-process engine benchmark: node_exporter-like data through the WAL into the head,
/// blocks cut as time passes, then memory, bytes per sample on disk and kernel speed.
struct EngineBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Ingest node_exporter-like data in process; report append rate, memory, bytes/sample and kernel speed."
    )

    @Option(help: "Hosts to simulate (about 1,000 series each).") var hosts = 100
    @Option(help: "Hours of data at the scrape interval.") var hours = 4.0
    @Option(help: "Timestamp jitter in ms (0: aligned scrapes).") var jitter = 1.5
    @Option(help: "Data directory (default: a fresh temporary one, removed afterwards).") var dir: String?
    @Flag(help: "Skip the kernel measurement.") var skipKernels = false

    func run() throws {
        let workload = try NodeExporterWorkload(hosts: hosts, jitterMs: jitter)
        let path = dir ?? NSTemporaryDirectory() + "tidemark-bench-\(UUID().uuidString)"
        defer { if dir == nil { try? FileManager.default.removeItem(atPath: path) } }
        let rss0 = ProcessStats.residentBytes()
        let db = try DB.open(directory: path)
        let scrapes = Int(hours * 3_600_000 / Double(workload.intervalMs))
        print("workload: \(workload.seriesCount) series (\(hosts) hosts × \(workload.seriesPerHost)), \(scrapes) scrapes, jitter ±\(jitter) ms")

        let cpu0 = ProcessStats.cpuSeconds()
        let t0 = Date()
        let ingest = try NodeExporterIngest.run(into: db, workload: workload, hours: hours)
        let (appended, appendSeconds, compactSeconds, lastT) = (ingest.appended, ingest.appendSeconds, ingest.compactSeconds, ingest.lastT)
        let wall = Date().timeIntervalSince(t0)
        let cpu = ProcessStats.cpuSeconds() - cpu0
        // What the server's maintenance does once a burst of appends is over.
        db.head.compactChunkBuffers()
        ProcessStats.releaseFreeMemory()
        let rss = ProcessStats.residentBytes()
        print(String(format: "append through WAL: %d samples in %.2f s = %.2f M samples/s (compaction %.2f s extra; %.1f CPU-s total)",
                     appended, appendSeconds, Double(appended) / appendSeconds / 1e6, compactSeconds, cpu))
        print(String(format: "resident memory after ingest: %.1f MiB = %.0f B per active series (%.1f MiB before ingest; head: %d series, %d samples = %.0f per series; wall %.1f s)",
                     Double(rss) / 1_048_576, Double(rss) / Double(workload.seriesCount), Double(rss0) / 1_048_576,
                     db.head.numSeries, db.head.numSamples, Double(db.head.numSamples) / Double(max(db.head.numSeries, 1)), wall))
        if let split = ProcessStats.residentSplit() {
            print(String(format: "  of which anonymous %.1f MiB, file-backed (mapped blocks, binary) %.1f MiB",
                         Double(split.anonymous) / 1_048_576, Double(split.file) / 1_048_576))
        }
        if ProcessInfo.processInfo.environment["TIDEMARK_MALLOC_STATS"] != nil {
            let cs = db.head.chunkStats()
            print(String(format: "  head chunks: %d (%.1f per series), %.1f MiB encoded = %.0f B per series, %.2f B per sample",
                         cs.chunks, Double(cs.chunks) / Double(max(db.head.numSeries, 1)), Double(cs.encodedBytes) / 1_048_576,
                         Double(cs.encodedBytes) / Double(max(db.head.numSeries, 1)), Double(cs.encodedBytes) / Double(max(db.head.numSamples, 1))))
            mallocStats()
            let slabs = SlabAllocator.shared.slabsInUse
            print(String(format: "  chunk buffer slabs: %d = %.1f MiB", slabs.count, Double(slabs.bytes) / 1_048_576))
            for u in SlabAllocator.shared.classUsage {
                print("    \(u.size) B: \(u.buffers) buffers in \(u.slabs) slabs")
            }
        }

        let f0 = Date()
        try db.flush()
        let flushSeconds = Date().timeIntervalSince(f0)
        let blocks = db.blocks
        let bytes = blocks.reduce(Int64(0)) { $0 + $1.sizeOnDisk }
        let samples = blocks.reduce(0) { $0 + $1.meta.stats.numSamples }
        print(String(format: "blocks: %d, %d samples, %.1f MiB = %.3f bytes/sample (flush %.2f s)",
                     blocks.count, samples, Double(bytes) / 1_048_576, Double(bytes) / Double(max(samples, 1)), flushSeconds))
        guard !skipKernels else { try db.close(); return }
        print(try KernelMeasurement.run(db: db, at: lastT).description)
        try db.close()
    }
}

@_silgen_name("malloc_stats")
private func mallocStats()
