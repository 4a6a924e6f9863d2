import Foundation
import TSDB

/// The comparison's workload straight into the `TSDB` library, without HTTP: what the engine
/// costs by itself, to tell it apart from the server's HTTP and decoding cost.
struct InProcessFigures: Codable, Sendable {
    var samples: Int
    var appendSamplesPerSecond: Double
    var compactionSeconds: Double
    var flushSeconds: Double
    var bytesPerSample: Double
    var kernels: KernelMeasurement

    static func measure(workload: NodeExporterWorkload, hours: Double) throws -> InProcessFigures {
        let path = NSTemporaryDirectory() + "tidemark-bench-inprocess-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let db = try DB.open(directory: path)
        let ingest = try NodeExporterIngest.run(into: db, workload: workload, hours: hours)
        let f0 = ContinuousClock.now
        try db.flush()
        let flushSeconds = (ContinuousClock.now - f0).seconds
        let blocks = db.blocks
        let bytes = blocks.reduce(Int64(0)) { $0 + $1.sizeOnDisk }
        let samples = blocks.reduce(0) { $0 + Int($1.meta.stats.numSamples) }
        let kernels = try KernelMeasurement.run(db: db, at: ingest.lastT)
        try db.close()
        return InProcessFigures(samples: ingest.appended, appendSamplesPerSecond: Double(ingest.appended) / ingest.appendSeconds,
                                compactionSeconds: ingest.compactSeconds, flushSeconds: flushSeconds,
                                bytesPerSample: Double(bytes) / Double(max(samples, 1)), kernels: kernels)
    }

    /// A two-row Markdown table.
    var markdown: String {
        """
        | in process (TSDB library, no HTTP) | append (M samples/s) | block cuts during ingest (s) | final flush (s) | bytes/sample | avg over 1 h, \(kernels.series) series (ms) | quantile(0.99) over 1 h (ms) | select all series (ms) |
        |---|---:|---:|---:|---:|---:|---:|---:|
        | Tidemark | \(CompareReport.format(appendSamplesPerSecond / 1e6)) | \(CompareReport.format(compactionSeconds)) | \(CompareReport.format(flushSeconds)) | \(String(format: "%.3f", bytesPerSample)) | \(CompareReport.format(kernels.avgMs)) | \(CompareReport.format(kernels.quantile99Ms)) | \(CompareReport.format(kernels.selectMs)) |
        """
    }
}
