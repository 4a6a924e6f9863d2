/// A series text the caller has seen parsed before, offered to `ExpositionParser.nextSample(hint:)`:
/// when the next line starts with exactly these bytes, its label block is not parsed again (the
/// outcome of parsing the same bytes is the same). Scrapers pass the series they expect next.
public struct ExpositionSeriesHint {
    /// The series text: metric name and label block, exactly as an earlier sample's `series`.
    public let bytes: UnsafeRawBufferPointer
    /// Length of the metric name at its start (`metricNameBytes.count` of that sample).
    public let nameLength: Int
    /// That sample's `labelCount` and `labelsHaveEscapes`.
    public let labelCount: Int
    public let labelsHaveEscapes: Bool
    /// Whether it was parsed as OpenMetrics (label blocks follow other rules in Prometheus text).
    public let openMetrics: Bool

    /// A hint from what parsing `bytes` gave before.
    public init(bytes: UnsafeRawBufferPointer, nameLength: Int, labelCount: Int, labelsHaveEscapes: Bool, openMetrics: Bool) {
        self.bytes = bytes
        self.nameLength = nameLength
        self.labelCount = labelCount
        self.labelsHaveEscapes = labelsHaveEscapes
        self.openMetrics = openMetrics
    }
}
