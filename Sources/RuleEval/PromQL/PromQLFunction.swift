/// A PromQL function's signature: argument types, how many may be left out, and its result type.
public struct PromQLFunction: Sendable, Equatable {
    public let name: String
    public let argTypes: [ValueType]
    /// How many trailing arguments may be omitted (`round(v)`, `label_join(v, dst, sep)`, …).
    public let optionalArgs: Int
    /// Whether the last argument type may repeat (`label_join`'s source labels).
    public let variadic: Bool
    public let returnType: ValueType
    /// Behind Prometheus' `promql-experimental-functions` flag upstream.
    public let experimental: Bool

    init(_ name: String, _ args: [ValueType], _ ret: ValueType, optional: Int = 0, variadic: Bool = false, experimental: Bool = false) {
        self.name = name
        argTypes = args
        optionalArgs = optional
        self.variadic = variadic
        returnType = ret
        self.experimental = experimental
    }

    /// Every function, by name.
    public static let all: [String: PromQLFunction] = {
        let v = ValueType.instantVector, m = ValueType.rangeVector, s = ValueType.scalar, str = ValueType.string
        var list: [PromQLFunction] = [
            .init("abs", [v], v), .init("absent", [v], v), .init("absent_over_time", [m], v),
            .init("acos", [v], v), .init("acosh", [v], v), .init("asin", [v], v), .init("asinh", [v], v),
            .init("atan", [v], v), .init("atanh", [v], v), .init("avg_over_time", [m], v),
            .init("ceil", [v], v), .init("changes", [m], v), .init("clamp", [v, s, s], v),
            .init("clamp_max", [v, s], v), .init("clamp_min", [v, s], v), .init("cos", [v], v), .init("cosh", [v], v),
            .init("count_over_time", [m], v),
            .init("days_in_month", [v], v, optional: 1), .init("day_of_month", [v], v, optional: 1),
            .init("day_of_week", [v], v, optional: 1), .init("day_of_year", [v], v, optional: 1),
            .init("deg", [v], v), .init("delta", [m], v), .init("deriv", [m], v),
            .init("exp", [v], v), .init("floor", [v], v),
            .init("histogram_quantile", [s, v], v), .init("histogram_fraction", [s, s, v], v),
            .init("histogram_count", [v], v), .init("histogram_sum", [v], v), .init("histogram_avg", [v], v),
            .init("histogram_stddev", [v], v), .init("histogram_stdvar", [v], v),
            .init("double_exponential_smoothing", [m, s, s], v, experimental: true),
            .init("holt_winters", [m, s, s], v),
            .init("hour", [v], v, optional: 1), .init("idelta", [m], v), .init("increase", [m], v),
            .init("irate", [m], v), .init("label_replace", [v, str, str, str, str], v),
            .init("label_join", [v, str, str, str], v, optional: 1, variadic: true),
            .init("last_over_time", [m], v), .init("first_over_time", [m], v),
            .init("ln", [v], v), .init("log10", [v], v), .init("log2", [v], v),
            .init("mad_over_time", [m], v, experimental: true),
            .init("max_over_time", [m], v), .init("min_over_time", [m], v), .init("minute", [v], v, optional: 1),
            .init("month", [v], v, optional: 1), .init("pi", [], s), .init("predict_linear", [m, s], v),
            .init("present_over_time", [m], v), .init("quantile_over_time", [s, m], v),
            .init("rad", [v], v), .init("rate", [m], v), .init("resets", [m], v),
            .init("round", [v, s], v, optional: 1), .init("scalar", [v], s), .init("sgn", [v], v),
            .init("sin", [v], v), .init("sinh", [v], v), .init("sort", [v], v), .init("sort_desc", [v], v),
            .init("sort_by_label", [v, str], v, optional: 1, variadic: true, experimental: true),
            .init("sort_by_label_desc", [v, str], v, optional: 1, variadic: true, experimental: true),
            .init("sqrt", [v], v), .init("stddev_over_time", [m], v), .init("stdvar_over_time", [m], v),
            .init("sum_over_time", [m], v), .init("tan", [v], v), .init("tanh", [v], v),
            .init("time", [], s), .init("timestamp", [v], v), .init("vector", [s], v),
            .init("year", [v], v, optional: 1),
            .init("ts_of_min_over_time", [m], v, experimental: true), .init("ts_of_max_over_time", [m], v, experimental: true),
            .init("ts_of_last_over_time", [m], v, experimental: true), .init("ts_of_first_over_time", [m], v, experimental: true),
        ]
        list.sort { $0.name < $1.name }
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }()
}
