import Foundation
import TSDB

/// Times `avg_over_time` and `quantile_over_time(0.99, …)` over 1 h windows of every series, from blocks.
enum KernelMeasurement {
    static func run(db: DB, at maxt: Int64) throws {
        let hour: Int64 = 3_600_000
        let q = db.querier(mint: maxt - hour, maxt: maxt)
        let s0 = Date()
        let series = q.select([try Matcher(.regex, "__name__", ".+")])
        let selectSeconds = Date().timeIntervalSince(s0)
        let scratch = WindowScratch()
        for fn in [WindowFunction.avg, .quantile(0.99)] {
            let t0 = Date()
            var n = 0, acc = 0.0
            for s in series {
                var it = s.makeIterator()
                if let v = WindowKernel.evaluate(fn, over: &it, at: maxt, range: hour, leftOpen: true, scratch: scratch) {
                    n += 1; acc += v.isFinite ? v : 0
                }
            }
            let dt = Date().timeIntervalSince(t0)
            print(String(format: "instant %@ over 1h windows of %d series from blocks: %.1f ms (+ %.1f ms select)", "\(fn)", n, dt * 1000, selectSeconds * 1000))
            _ = acc
        }
    }
}
