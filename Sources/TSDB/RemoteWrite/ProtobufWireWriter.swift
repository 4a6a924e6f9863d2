/// Writes protobuf wire items at a raw pointer; the caller sizes the space first (see `*Size`).
@usableFromInline struct ProtobufWireWriter {
    @usableFromInline var p: UnsafeMutableRawPointer

    @inlinable init(_ p: UnsafeMutableRawPointer) { self.p = p }

    /// Bytes a varint of `v` takes.
    @inlinable static func varintSize(_ v: UInt64) -> Int {
        // 1 byte per started group of 7 bits; 0 takes 1 byte.
        let bits = 64 - (v | 1).leadingZeroBitCount
        return (bits + 6) / 7
    }

    /// Bytes a length-delimited field with a 1-byte tag and `n` payload bytes takes.
    @inlinable static func lengthDelimitedSize(_ n: Int) -> Int { 1 + varintSize(UInt64(n)) + n }

    @inlinable mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, as: UInt8.self)
            p += 1
            v >>= 7
        }
        p.storeBytes(of: UInt8(v), as: UInt8.self)
        p += 1
    }

    /// A tag that fits one byte (field numbers 1-15).
    @inlinable mutating func tag(_ field: UInt8, _ wireType: UInt8) {
        p.storeBytes(of: field << 3 | wireType, as: UInt8.self)
        p += 1
    }

    @inlinable mutating func fixed64(_ v: UInt64) {
        p.storeBytes(of: v.littleEndian, toByteOffset: 0, as: UInt64.self)
        p += 8
    }

    @inlinable mutating func bytes(_ b: UnsafeRawBufferPointer) {
        guard let src = b.baseAddress, b.count > 0 else { return }
        p.copyMemory(from: src, byteCount: b.count)
        p += b.count
    }

    /// A length-delimited string field (tag, length, UTF-8 bytes).
    @inlinable mutating func string(_ field: UInt8, _ s: String) {
        tag(field, ProtobufWireType.lengthDelimited)
        varint(UInt64(s.utf8.count))
        // Native strings are contiguous UTF-8; others (bridged) are copied byte by byte.
        let done: Void? = s.utf8.withContiguousStorageIfAvailable { bytes(UnsafeRawBufferPointer($0)) }
        if done == nil {
            for b in s.utf8 {
                p.storeBytes(of: b, as: UInt8.self)
                p += 1
            }
        }
    }

    /// `Sample` fields (field 2 of `TimeSeries`); zero values are omitted, as proto3 does.
    @inlinable mutating func samples(_ samples: some Collection<Sample>) {
        for s in samples {
            tag(2, ProtobufWireType.lengthDelimited)
            varint(UInt64(RemoteWriteEncoder.sampleBodySize(s)))
            if s.v.bitPattern != 0 {
                tag(1, ProtobufWireType.fixed64)
                fixed64(s.v.bitPattern)
            }
            if s.t != 0 {
                tag(2, ProtobufWireType.varint)
                varint(UInt64(bitPattern: s.t))
            }
        }
    }
}
