/// One `TimeSeries` as recorded by the parse pass: the byte span of its label fields, the hash
/// of that span, and its slice of the sample table.
@usableFromInline struct RemoteWriteSeriesRecord: Sendable {
    @usableFromInline var labelHash: UInt64
    /// Offset of the series' tag in the body (for error positions).
    @usableFromInline var seriesStart: UInt32
    @usableFromInline var labelBytesStart: UInt32
    @usableFromInline var labelBytesEnd: UInt32
    @usableFromInline var labelCount: UInt32
    @usableFromInline var firstSample: UInt32
    @usableFromInline var sampleCount: UInt32
    @usableFromInline var exemplarCount: UInt32
    @usableFromInline var histogramCount: UInt32
    /// Other fields sit between the label fields (legal, never sent by Prometheus).
    @usableFromInline var labelsInterleaved: Bool
    /// Set by the parse when the label span is not in the known set.
    @usableFromInline var needsValidation = false

    @inlinable init(
        labelHash: UInt64, seriesStart: UInt32, labelBytesStart: UInt32, labelBytesEnd: UInt32, labelCount: UInt32,
        firstSample: UInt32, sampleCount: UInt32, exemplarCount: UInt32, histogramCount: UInt32, labelsInterleaved: Bool
    ) {
        self.labelHash = labelHash
        self.seriesStart = seriesStart
        self.labelBytesStart = labelBytesStart
        self.labelBytesEnd = labelBytesEnd
        self.labelCount = labelCount
        self.firstSample = firstSample
        self.sampleCount = sampleCount
        self.exemplarCount = exemplarCount
        self.histogramCount = histogramCount
        self.labelsInterleaved = labelsInterleaved
    }
}

/// Where one label's name and value sit in the request body (byte offsets), while validating.
struct RemoteWriteLabelRecord {
    var nameOffset: UInt32
    var nameCount: UInt32
    var valueOffset: UInt32
    var valueCount: UInt32
}
