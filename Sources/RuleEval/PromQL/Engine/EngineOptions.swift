/// Settings of a `PromQLEngine`; the defaults are Prometheus' server defaults.
public struct EngineOptions: Sendable {
    /// How far back an instant selector looks for a sample (`--query.lookback-delta`), ms.
    public var lookbackDeltaMs: Int64 = 300_000
    /// Samples one query may hold in memory at once (`--query.max-samples`).
    public var maxSamples: Int = 50_000_000
    /// Longest a query may run (`--query.timeout`).
    public var timeout: Duration = .seconds(120)
    /// Queries evaluated at once (`--query.max-concurrency`); later ones wait for a slot.
    public var maxConcurrentQueries: Int = 20
    /// Step of a subquery written without one (`[5m:]`), ms.
    public var defaultSubqueryStepMs: Int64 = 60_000
    /// Prometheus' `promql-delayed-name-removal` feature: `__name__` is dropped at the end of the
    /// evaluation instead of by each function, so `label_replace(rate(x[5m]), "__name__", …)` works.
    public var delayedNameRemoval: Bool = false
    /// Prometheus' `type-and-unit-labels` feature: `__type__` and `__unit__` are metadata that go
    /// wherever `__name__` goes (dropped with it, ignored by vector matching).
    public var typeAndUnitLabels: Bool = false
    /// Prometheus' `promql-experimental-functions` feature (`mad_over_time`, `sort_by_label`, …).
    public var experimentalFunctions: Bool = true

    public init() {}
}
