/// Builds a remote-write 1.0 `WriteRequest` body (protobuf, before snappy), series by series.
///
/// Reusable: `reset()` keeps the buffer's capacity. Fields are written in field-number order and
/// zero-valued sample fields are omitted, as proto3 encoders do (`-0.0` and NaNs are kept exactly).
public struct RemoteWriteEncoder: Sendable {
    @usableFromInline var storage: [UInt8] = []
    @usableFromInline var count = 0

    /// The encoded `WriteRequest` so far.
    public var bytes: [UInt8] { storage }
    /// Number of series appended since the last reset.
    public var seriesCount: Int { count }

    /// An empty request, reserving `capacity` bytes.
    public init(reservingCapacity capacity: Int = 0) {
        storage.reserveCapacity(capacity)
    }

    /// Starts a new request, keeping the buffer.
    public mutating func reset() {
        storage.removeAll(keepingCapacity: true)
        count = 0
    }

    /// Appends one `TimeSeries` with `labels` (written in their sorted order) and `samples`.
    @inlinable public mutating func append(labels: Labels, samples: some Collection<Sample>) {
        labels.pairs.withUnsafeBufferPointer { pairs in
            var labelsSize = 0
            for p in pairs { labelsSize += ProtobufWireWriter.lengthDelimitedSize(Self.labelBodySize(p)) }
            appendSeries(labelFieldsSize: labelsSize, samples: samples) { w in
                for p in pairs {
                    w.tag(1, ProtobufWireType.lengthDelimited)
                    w.varint(UInt64(Self.labelBodySize(p)))
                    if !p.name.isEmpty { w.string(1, p.name) }
                    if !p.value.isEmpty { w.string(2, p.value) }
                }
            }
        }
    }

    /// Writes one `TimeSeries` frame: its tag and length, the label fields (`labelFieldsSize`
    /// bytes, by `writeLabels`), then `samples`. Sizes come first: every length prefix must be
    /// known before its message is written.
    @inlinable mutating func appendSeries(
        labelFieldsSize: Int, samples: some Collection<Sample>, writeLabels: (inout ProtobufWireWriter) -> Void
    ) {
        var samplesSize = 0
        for s in samples { samplesSize += ProtobufWireWriter.lengthDelimitedSize(Self.sampleBodySize(s)) }
        let seriesSize = labelFieldsSize + samplesSize
        let total = ProtobufWireWriter.lengthDelimitedSize(seriesSize)
        let old = storage.count
        storage.append(contentsOf: repeatElement(0, count: total))
        storage.withUnsafeMutableBytes { buf in
            guard let base = buf.baseAddress else { return }
            var w = ProtobufWireWriter(base + old)
            w.tag(1, ProtobufWireType.lengthDelimited)
            w.varint(UInt64(seriesSize))
            writeLabels(&w)
            w.samples(samples)
        }
        count += 1
    }

    /// The wire bytes of `labels`' label fields (what `RemoteWriteLabels.rawBytes` holds after
    /// decoding): encode a series' labels once, then append it cheaply with `append(labelFields:samples:)`.
    public static func encodedLabelFields(_ labels: Labels) -> [UInt8] {
        var e = RemoteWriteEncoder()
        e.append(labels: labels, samples: EmptyCollection())
        // The series is written as tag 0x0A, a varint length, then exactly the label fields.
        var header = 1
        while header < e.storage.count, e.storage[header] >= 0x80 { header += 1 }
        return Array(e.storage.dropFirst(header + 1))
    }

    /// Appends one `TimeSeries` whose label fields are `labelFields` (from `encodedLabelFields`)
    /// and `samples`: a copy and the samples, no per-label work.
    @inlinable public mutating func append(labelFields: [UInt8], samples: some Collection<Sample>) {
        appendSeries(labelFieldsSize: labelFields.count, samples: samples) { w in labelFields.withUnsafeBytes { w.bytes($0) } }
    }

    @inlinable @inline(__always) static func labelBodySize(_ l: Label) -> Int {
        let n = l.name.utf8.count, v = l.value.utf8.count
        return (n > 0 ? ProtobufWireWriter.lengthDelimitedSize(n) : 0) + (v > 0 ? ProtobufWireWriter.lengthDelimitedSize(v) : 0)
    }

    @inlinable @inline(__always) static func sampleBodySize(_ s: Sample) -> Int {
        (s.v.bitPattern != 0 ? 9 : 0) + (s.t != 0 ? 1 + ProtobufWireWriter.varintSize(UInt64(bitPattern: s.t)) : 0)
    }

    /// Encodes a whole request.
    public static func encode(_ series: [(labels: Labels, samples: [Sample])]) -> [UInt8] {
        var e = RemoteWriteEncoder()
        for s in series { e.append(labels: s.labels, samples: s.samples) }
        return e.storage
    }

    /// Encodes a whole request and compresses it as a snappy block (what goes over HTTP).
    public static func encodeCompressed(_ series: [(labels: Labels, samples: [Sample])]) -> [UInt8] {
        SnappyBlock.compress(encode(series))
    }
}
