import TSDB

/// Random, well-typed PromQL over `DiffDataset`'s series, deterministic from a seed: selectors,
/// range functions, aggregations, binary operators with and without vector matching, functions
/// and scalars, nested a few levels. Constructs where Tidemark follows Prometheus 3 on purpose
/// (see `DiffQueries`) are not generated, nor ones that blow a last-bit difference up into a
/// different answer: `%`, `ceil`/`floor`/`round`/`sgn` over computed values (2.42 averages with an
/// incremental mean, Prometheus 3 with a compensated sum: an average of exactly 0.5 can come out
/// as 0.49999999999999994 in 2.42), and `time()` or `timestamp()` (large values that magnify
/// the last bit of whatever they are combined with).
struct RandomExpressions {
    private var rng: WorkloadRandom

    init(seed: UInt64) { rng = WorkloadRandom(seed, 0x5EED) }

    /// `count` expressions.
    mutating func make(_ count: Int) -> [String] { (0..<count).map { _ in vector(depth: 3) } }

    private mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    private mutating func chance(_ percent: UInt64) -> Bool { rng.next() % 100 < percent }

    /// Instant-vector selectors; every series of one carries `instance`, most `job`.
    private static let selectors = [
        "dt_http_requests_total", "dt_http_requests_total{code=\"200\"}", "dt_http_requests_total{method=~\"P.*\"}",
        "dt_cpu_seconds_total", "dt_cpu_seconds_total{mode!=\"idle\"}", "dt_temperature_celsius",
        "dt_temperature_celsius{sensor=\"s1\"}", "dt_up", "dt_build_info", "dt_sparse",
        "dt_request_duration_seconds_sum", "dt_request_duration_seconds_count",
    ]
    private static let counters = ["dt_http_requests_total", "dt_cpu_seconds_total", "dt_request_duration_seconds_count",
                                   "dt_http_requests_total{code=\"500\"}"]
    private static let ranges = ["1m", "2m", "5m", "10m"]
    private static let labels = ["instance", "job", "code", "method", "mode", "sensor"]

    private mutating func vector(depth: Int) -> String {
        if depth == 0 { return pick(Self.selectors) }
        switch rng.next() % 9 {
        case 0: return pick(Self.selectors) + (chance(20) ? " offset \(pick(["1m", "3m", "-1m"]))" : "")
        case 1:
            let f = pick(["rate", "irate", "increase", "resets"])
            return "\(f)(\(pick(Self.counters))[\(pick(Self.ranges))])"
        case 2:
            let f = pick(["delta", "idelta", "deriv", "changes", "avg_over_time", "min_over_time", "max_over_time",
                          "sum_over_time", "count_over_time", "last_over_time", "present_over_time", "stddev_over_time"])
            let sel = pick(["dt_temperature_celsius", "dt_up", "dt_sparse", "dt_cpu_seconds_total"])
            return "\(f)(\(sel)[\(pick(Self.ranges))])"
        case 3:
            let op = pick(["sum", "avg", "min", "max", "count", "group"])
            let grouping = pick(["", " by (instance)", " by (job, instance)", " without (instance)", " by (code)", " without (mode, sensor)"])
            return "\(op)\(grouping) (\(vector(depth: depth - 1)))"
        case 4:
            let op = pick(["+", "-", "*", "/", "^", "==", "!=", ">", "<", ">=", "<="])
            let bool = ["==", "!=", ">", "<", ">=", "<="].contains(op) && chance(50) ? " bool" : ""
            let scalar = scalarExpr(depth: depth - 1)
            return chance(50) ? "(\(vector(depth: depth - 1)) \(op)\(bool) \(scalar))" : "(\(scalar) \(op)\(bool) \(vector(depth: depth - 1)))"
        case 5:
            // One side aggregated to `instance`, so matching on it is one-to-one or many-to-one.
            let op = pick(["+", "-", "*", "/", ">", "<"])
            let lhs = "sum by (instance) (\(vector(depth: depth - 1)))"
            let rhs = "max by (instance) (\(vector(depth: depth - 1)))"
            if chance(50) { return "(\(lhs) \(op) on(instance) \(rhs))" }
            return "(\(vector(depth: 0)) \(op) on(instance) group_left \(rhs))"
        case 6:
            let op = pick(["and", "or", "unless"])
            return "(\(vector(depth: depth - 1)) \(op)\(chance(50) ? " on(instance)" : "") \(vector(depth: depth - 1)))"
        case 7:
            let f = pick(["abs", "sqrt", "ln", "exp", "-"])
            if f == "-" { return "-(\(vector(depth: depth - 1)))" }
            return "\(f)(\(vector(depth: depth - 1)))"
        default:
            switch rng.next() % 5 {
            case 0: return "clamp_min(\(vector(depth: depth - 1)), \(pick(["0", "-1", "10"])))"
            case 1: return "histogram_quantile(\(pick(["0.5", "0.9", "0.99"])), sum by (le\(chance(50) ? ", instance" : "")) (rate(dt_request_duration_seconds_bucket[\(pick(Self.ranges))])))"
            case 2: return "label_replace(\(vector(depth: depth - 1)), \"dst\", \"x$1\", \"\(pick(Self.labels))\", \"(.*)\")"
            case 3: return "quantile\(pick(["", " by (instance)"])) (\(pick(["0.1", "0.5", "0.9"])), \(vector(depth: depth - 1)))"
            default: return "predict_linear(dt_temperature_celsius[\(pick(["5m", "10m"]))], \(pick(["60", "600"])))"
            }
        }
    }

    private mutating func scalarExpr(depth: Int) -> String {
        switch rng.next() % 6 {
        case 0 where depth > 0: return "scalar(sum(\(vector(depth: depth - 1))))"
        default: return pick(["0", "1", "2", "0.5", "-3", "100", "1e3"])
        }
    }
}
