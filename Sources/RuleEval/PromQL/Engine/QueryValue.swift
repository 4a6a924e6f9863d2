import TSDB

/// One float point of a series in a query result: milliseconds and value.
public struct FPoint: Sendable, Equatable {
    public var t: Int64
    public var v: Double
    @inlinable public init(t: Int64, v: Double) { self.t = t; self.v = v }
}

/// One element of an instant vector: a series' labels and its value at `t`.
public struct InstantSample: Sendable {
    public var labels: Labels
    public var t: Int64
    public var v: Double
    public init(labels: Labels, t: Int64, v: Double) { self.labels = labels; self.t = t; self.v = v }
}

/// One series of a range-query result (or of a range vector): labels and points in time order.
public struct RangeSeries: Sendable {
    public var labels: Labels
    public var points: [FPoint]
    public init(labels: Labels, points: [FPoint]) { self.labels = labels; self.points = points }
}

/// The value of a query, in the four result types of the Prometheus HTTP API.
public enum QueryValue: Sendable {
    /// A scalar at the evaluation time (instant queries).
    case scalar(t: Int64, v: Double)
    /// A string literal at the evaluation time (instant queries).
    case string(t: Int64, String)
    /// An instant vector (instant queries); unordered unless the expression sorts.
    case vector([InstantSample])
    /// A matrix: range queries (sorted by labels), or an instant query of a range selector.
    case matrix([RangeSeries])

    /// The Prometheus API's `resultType`.
    public var resultType: String {
        switch self {
        case .scalar: return "scalar"
        case .string: return "string"
        case .vector: return "vector"
        case .matrix: return "matrix"
        }
    }
}

/// A query's value with the annotations it produced (Prometheus' `warnings` and `infos`).
public struct QueryResult: Sendable {
    public var value: QueryValue
    /// "PromQL warning: …" annotations.
    public var warnings: [String]
    /// "PromQL info: …" annotations.
    public var infos: [String]
    /// Samples the query loaded from storage (for stats and limits).
    public var samplesLoaded: Int
    public init(value: QueryValue, warnings: [String] = [], infos: [String] = [], samplesLoaded: Int = 0) {
        self.value = value
        self.warnings = warnings
        self.infos = infos
        self.samplesLoaded = samplesLoaded
    }
}
