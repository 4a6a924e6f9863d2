/// What a valid `WriteRequest` contains, counted by the validation pass.
public struct RemoteWriteSummary: Sendable, Equatable {
    /// Number of `timeseries` entries.
    public var seriesCount: Int = 0
    /// Number of float samples over all series.
    public var sampleCount: Int = 0
    /// Number of labels over all series.
    public var labelCount: Int = 0
    /// Number of exemplars (skipped, not decoded).
    public var exemplarCount: Int = 0
    /// Number of native histogram samples (skipped: lets the server answer "not supported").
    public var histogramCount: Int = 0
    /// Number of metadata entries (skipped).
    public var metadataCount: Int = 0

    /// An empty summary.
    public init() {}
}
