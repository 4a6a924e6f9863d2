import Foundation
import Hummingbird
import TSDB

/// Tidemark's own `/metrics` in the Prometheus text format.
enum SelfMetrics {
    static let startTime = Date().timeIntervalSince1970

    static func register(on router: Router<BasicRequestContext>, db: DB) {
        router.get("/metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: render(db))))
        }
    }

    static func render(_ db: DB) -> String {
        var out = ""
        func gauge(_ name: String, _ help: String, _ value: Double) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n\(name) \(formatValue(value))\n"
        }
        let blocks = db.blocks
        gauge("tidemark_tsdb_head_series", "Series in the head block.", Double(db.head.numSeries))
        gauge("tidemark_tsdb_head_samples", "Samples held in the head block.", Double(db.head.numSamples))
        gauge("tidemark_tsdb_head_min_time", "Oldest sample time in the head (ms).", Double(db.head.minTime ?? 0))
        gauge("tidemark_tsdb_head_max_time", "Newest sample time in the head (ms).", Double(db.head.maxTime ?? 0))
        gauge("tidemark_tsdb_blocks_loaded", "Persisted blocks served.", Double(blocks.count))
        gauge("tidemark_tsdb_storage_blocks_bytes", "Bytes of all persisted blocks.", Double(db.blocksSize))
        gauge("process_resident_memory_bytes", "Resident memory size in bytes.", Double(ProcessStats.residentBytes()))
        gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", startTime)
        return out
    }

    static func formatValue(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
