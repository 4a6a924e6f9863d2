/// One `TimeSeries` of a validated request, handed to a `RemoteWriteVisitor`.
///
/// Views into the request buffer: only valid during the `visit` call.
public struct RemoteWriteSeries {
    /// Position among the request's `timeseries` entries (0-based), for error messages.
    public let index: Int
    /// The labels as byte ranges.
    public let labels: RemoteWriteLabels
    /// The float samples.
    public let samples: RemoteWriteSamples
    /// Number of exemplars (not decoded).
    public let exemplarCount: Int
    /// Number of native histogram samples (not decoded).
    public let histogramCount: Int

    @inlinable init(index: Int, labels: RemoteWriteLabels, samples: RemoteWriteSamples, exemplarCount: Int, histogramCount: Int) {
        self.index = index
        self.labels = labels
        self.samples = samples
        self.exemplarCount = exemplarCount
        self.histogramCount = histogramCount
    }
}
