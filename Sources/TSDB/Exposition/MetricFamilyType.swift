/// The type of a metric family, as declared by `# TYPE` (or implied when there is none).
public enum MetricFamilyType: UInt8, Sendable, Hashable, CustomStringConvertible {
    /// Prometheus text without `# TYPE`, or `# TYPE x untyped`.
    case untyped
    /// OpenMetrics `unknown` (also what an OpenMetrics family without `# TYPE` is).
    case unknown
    /// A monotonic counter (`_total`, optional `_created`).
    case counter
    /// A value that goes up and down.
    case gauge
    /// A classic histogram (`_bucket{le}`, `_count`, `_sum`).
    case histogram
    /// OpenMetrics gauge histogram (`_bucket`, `_gcount`, `_gsum`).
    case gaugeHistogram
    /// A summary (`{quantile}`, `_count`, `_sum`).
    case summary
    /// OpenMetrics info (`_info` samples, value 1).
    case info
    /// OpenMetrics state set (one label named like the family, values 0 or 1).
    case stateset

    /// The keyword used in `# TYPE` lines.
    public var description: String {
        switch self {
        case .untyped: return "untyped"
        case .unknown: return "unknown"
        case .counter: return "counter"
        case .gauge: return "gauge"
        case .histogram: return "histogram"
        case .gaugeHistogram: return "gaugehistogram"
        case .summary: return "summary"
        case .info: return "info"
        case .stateset: return "stateset"
        }
    }

    /// Parses a `# TYPE` keyword as the given format allows it; nil when not a type of that format.
    static func parse(_ bytes: UnsafeRawBufferPointer, format: ExpositionFormat) -> MetricFamilyType? {
        let om = format == .openMetrics
        switch bytes.count {
        case 4 where bytes.exposEquals("info"): return om ? .info : nil
        case 5 where bytes.exposEquals("gauge"): return .gauge
        case 7 where bytes.exposEquals("counter"): return .counter
        case 7 where bytes.exposEquals("summary"): return .summary
        case 7 where bytes.exposEquals("untyped"): return om ? nil : .untyped
        case 7 where bytes.exposEquals("unknown"): return om ? .unknown : nil
        case 8 where bytes.exposEquals("stateset"): return om ? .stateset : nil
        case 9 where bytes.exposEquals("histogram"): return .histogram
        case 14 where bytes.exposEquals("gaugehistogram"): return om ? .gaugeHistogram : nil
        default: return nil
        }
    }
}

/// What a sample is within its family, from the suffix of its name (`_total`, `_bucket`, ...).
public enum ExpositionSampleKind: UInt8, Sendable, Hashable {
    /// The sample is named like the family (gauge, unknown, untyped, stateset; a Prometheus-text counter).
    case value
    /// A summary quantile (`name{quantile="..."}`).
    case quantile
    /// A counter's `_total`.
    case total
    /// `_created`: the creation time (seconds since the epoch) of a counter, histogram or summary.
    case created
    /// A histogram bucket (`_bucket{le="..."}`).
    case bucket
    /// A histogram's or summary's `_count`.
    case count
    /// A histogram's or summary's `_sum`.
    case sum
    /// A gauge histogram's `_gcount`.
    case gaugeCount
    /// A gauge histogram's `_gsum`.
    case gaugeSum
    /// An info metric's `_info`.
    case info
}
