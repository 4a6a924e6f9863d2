/// Bounds a remote-write request must respect; checked before anything is visited.
public struct RemoteWriteLimits: Sendable, Equatable {
    /// Most `timeseries` entries in one request.
    public var maxSeriesPerRequest: Int
    /// Most samples (over all series) in one request.
    public var maxSamplesPerRequest: Int
    /// Most labels in one series.
    public var maxLabelsPerSeries: Int
    /// Longest label name, in bytes.
    public var maxLabelNameBytes: Int
    /// Longest label value, in bytes.
    public var maxLabelValueBytes: Int
    /// Check Prometheus' name rules, duplicates and empty label sets up front, so every visited
    /// series converts to `Labels` without error (turn off only if the caller validates itself).
    public var checksLabelRules: Bool

    /// Limits with generous defaults (a Prometheus sender batches at most a few thousand series).
    public init(
        maxSeriesPerRequest: Int = 100_000,
        maxSamplesPerRequest: Int = 1_000_000,
        maxLabelsPerSeries: Int = 128,
        maxLabelNameBytes: Int = 1024,
        maxLabelValueBytes: Int = 65536,
        checksLabelRules: Bool = true
    ) {
        self.maxSeriesPerRequest = maxSeriesPerRequest
        self.maxSamplesPerRequest = maxSamplesPerRequest
        self.maxLabelsPerSeries = maxLabelsPerSeries
        self.maxLabelNameBytes = maxLabelNameBytes
        self.maxLabelValueBytes = maxLabelValueBytes
        self.checksLabelRules = checksLabelRules
    }

    /// The defaults.
    public static var `default`: RemoteWriteLimits { RemoteWriteLimits() }
}
