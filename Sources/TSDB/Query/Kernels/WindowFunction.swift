/// A PromQL `*_over_time` function evaluated by `WindowKernel` over the float samples of one window.
public enum WindowFunction: Sendable, Hashable {
    /// `count_over_time`: number of samples.
    case count
    /// `sum_over_time`: Kahan–Babuška (Neumaier) compensated sum.
    case sum
    /// `avg_over_time`: compensated mean, switching to an incremental mean when the sum overflows.
    case avg
    /// `avg_over_time` as Prometheus 2.x computes it (incremental compensated mean), for
    /// differential tests against a 2.x reference; differs from `avg` in the last bits.
    case avgV2
    /// `min_over_time`: smallest value; NaN only when every value is NaN.
    case min
    /// `max_over_time`: largest value; NaN only when every value is NaN.
    case max
    /// `stddev_over_time`: population standard deviation (compensated Welford).
    case stddev
    /// `stdvar_over_time`: population variance (compensated Welford).
    case stdvar
    /// `last_over_time`: value of the newest sample.
    case last
    /// `present_over_time`: 1 for every non-empty window.
    case present
    /// `quantile_over_time(φ, …)`: linear interpolation between the ranks around φ·(n−1).
    case quantile(Double)
}
