/// The labels of one `TimeSeries` as byte ranges of the request body (no Strings, no
/// allocation), read lazily in wire order (senders sort by name). Only valid during the `visit`
/// call that produced it.
public struct RemoteWriteLabels: Sequence {
    @usableFromInline let start: UnsafeRawPointer
    @usableFromInline let end: UnsafeRawPointer
    /// `LabelBytesHash.hash(rawBytes, seed: LabelBytesHash.processSeed)`, computed while parsing.
    public let hash: UInt64
    /// Number of labels.
    public let count: Int

    @inlinable init(start: UnsafeRawPointer, end: UnsafeRawPointer, hash: UInt64, count: Int) {
        self.start = start
        self.end = end
        self.hash = hash
        self.count = count
    }

    /// The wire bytes spanning all label fields of the series: the raw cache key. One sender
    /// encodes an unchanged label set identically every time.
    @inlinable public var rawBytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: end - start) }

    /// The exact number of labels.
    @inlinable public var underestimatedCount: Int { count }

    /// A hash of `rawBytes` (recomputed; with the default seed it equals `hash`).
    @inlinable public func rawHash(seed: UInt64 = LabelBytesHash.processSeed) -> UInt64 { LabelBytesHash.hash(rawBytes, seed: seed) }

    /// An iterator over the labels in wire order.
    @inlinable public func makeIterator() -> Iterator { Iterator(reader: ProtobufWireReader(start, end)) }

    /// Walks the label fields of a validated span; other fields between them are skipped.
    public struct Iterator: IteratorProtocol {
        @usableFromInline var reader: ProtobufWireReader

        @inlinable init(reader: ProtobufWireReader) { self.reader = reader }

        /// The next label, nil after the last.
        @inlinable public mutating func next() -> RemoteWriteLabel? {
            while !reader.isAtEnd {
                guard let tag = reader.varint() else { return nil }
                if tag == 0x0A {  // field 1 (labels), length-delimited
                    guard let body = reader.lengthDelimited() else { return nil }
                    return Self.parseLabel(body.start, body.end)
                }
                // Bounds-checked even on validated bytes: stop rather than read outside the span.
                if reader.skipField(tag: tag) != nil { return nil }
            }
            return nil
        }

        /// Decodes a `Label` body (validated); repeated fields: the last one wins, as in protobuf.
        @inlinable @inline(__always) static func parseLabel(_ s: UnsafeRawPointer, _ e: UnsafeRawPointer) -> RemoteWriteLabel {
            // How senders encode it: 0A n name 12 m value, 1-byte lengths.
            let n = e - s
            if n >= 4, s.load(as: UInt8.self) == 0x0A {
                let nameCount = Int(s.load(fromByteOffset: 1, as: UInt8.self))
                if nameCount < 0x80, nameCount + 4 <= n, s.load(fromByteOffset: 2 + nameCount, as: UInt8.self) == 0x12 {
                    let valueCount = Int(s.load(fromByteOffset: 3 + nameCount, as: UInt8.self))
                    if valueCount < 0x80, nameCount + valueCount + 4 == n {
                        return RemoteWriteLabel(
                            name: UnsafeRawBufferPointer(start: s + 2, count: nameCount),
                            value: UnsafeRawBufferPointer(start: s + 4 + nameCount, count: valueCount))
                    }
                }
            }
            return parseLabelGeneral(s, e)
        }

        @usableFromInline static func parseLabelGeneral(_ s: UnsafeRawPointer, _ e: UnsafeRawPointer) -> RemoteWriteLabel {
            var r = ProtobufWireReader(s, e)
            var name = UnsafeRawBufferPointer(start: s, count: 0)
            var value = UnsafeRawBufferPointer(start: s, count: 0)
            fields: while !r.isAtEnd {
                guard let tag = r.varint() else { break fields }
                switch tag {
                case 0x0A:
                    guard let f = r.lengthDelimited() else { break fields }
                    name = UnsafeRawBufferPointer(start: f.start, count: f.end - f.start)
                case 0x12:
                    guard let f = r.lengthDelimited() else { break fields }
                    value = UnsafeRawBufferPointer(start: f.start, count: f.end - f.start)
                default:
                    if r.skipField(tag: tag) != nil { break fields }
                }
            }
            return RemoteWriteLabel(name: name, value: value)
        }
    }
}
