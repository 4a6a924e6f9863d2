import Foundation
import TSDB

/// Times `avg_over_time` and `quantile_over_time(0.99, …)` over 1 h windows of every series, from blocks.
struct KernelMeasurement: Codable, Sendable {
    var series: Int
    var selectMs: Double
    var avgMs: Double
    var quantile99Ms: Double

    static func run(db: DB, at maxt: Int64) throws -> KernelMeasurement {
        let hour: Int64 = 3_600_000
        let q = db.querier(mint: maxt - hour, maxt: maxt)
        let s0 = ContinuousClock.now
        let series = q.select([try Matcher(.regex, "__name__", ".+")])
        let selectMs = (ContinuousClock.now - s0).seconds * 1000
        let scratch = WindowScratch()
        var ms: [Double] = []
        for fn in [WindowFunction.avg, .quantile(0.99)] {
            let t0 = ContinuousClock.now
            var acc = 0.0
            for s in series {
                var it = s.makeIterator()
                if let v = WindowKernel.evaluate(fn, over: &it, at: maxt, range: hour, leftOpen: true, scratch: scratch) {
                    acc += v.isFinite ? v : 0
                }
            }
            ms.append((ContinuousClock.now - t0).seconds * 1000)
            _ = acc
        }
        return KernelMeasurement(series: series.count, selectMs: selectMs, avgMs: ms[0], quantile99Ms: ms[1])
    }

    /// One line per kernel.
    var description: String {
        String(format: "instant avg over 1h windows of %d series from blocks: %.1f ms (+ %.1f ms select)\ninstant quantile(0.99) over the same: %.1f ms",
               series, avgMs, selectMs, quantile99Ms)
    }
}
