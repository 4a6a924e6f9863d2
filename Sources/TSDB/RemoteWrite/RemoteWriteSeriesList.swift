/// All series of a validated `WriteRequest`, by position, as handed to
/// `RemoteWriteVisitor.prepare`. Views into the request and the decoder's tables: only valid
/// during that call.
public struct RemoteWriteSeriesList: RandomAccessCollection {
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let records: UnsafeBufferPointer<RemoteWriteSeriesRecord>
    @usableFromInline let samples: UnsafeBufferPointer<Sample>

    @inlinable init(base: UnsafeRawPointer, records: UnsafeBufferPointer<RemoteWriteSeriesRecord>, samples: UnsafeBufferPointer<Sample>) {
        self.base = base
        self.records = records
        self.samples = samples
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { records.count }

    /// The series at `i` (its position in the request).
    @inlinable public subscript(i: Int) -> RemoteWriteSeries {
        let s = records[i]
        let labels = RemoteWriteLabels(
            start: base + Int(s.labelBytesStart), end: base + Int(s.labelBytesEnd), hash: s.labelHash, count: Int(s.labelCount))
        let samples = RemoteWriteSamples(UnsafeBufferPointer(start: samples.baseAddress.map { $0 + Int(s.firstSample) }, count: Int(s.sampleCount)))
        return RemoteWriteSeries(
            index: i, labels: labels, samples: samples,
            exemplarCount: Int(s.exemplarCount), histogramCount: Int(s.histogramCount))
    }
}
