import CLZ4

/// Frames WAL records (header, optional LZ4, CRC32C) into reusable scratch buffers.
///
/// Not thread-safe: one per writer. Buffers grow to the largest record and are reused, so
/// encoding allocates nothing per sample or per record once warm.
public final class WALRecordEncoder {
    private var raw: UnsafeMutableRawPointer
    private var rawCapacity: Int
    private var packed: UnsafeMutableRawPointer
    private var packedCapacity: Int
    /// Whether payloads are LZ4-compressed when that makes them smaller.
    public var compression: Bool

    /// Payloads shorter than this are stored raw: LZ4 rarely wins there and costs a call.
    static let minCompressSize = 64
    /// Worst-case encoded bytes of one sample: two 10-byte varints and the 8 value bytes.
    static let maxSampleSize = 28

    /// Creates an encoder; `compression` enables LZ4 where it pays off.
    public init(compression: Bool = true) {
        self.compression = compression
        rawCapacity = 64 << 10
        packedCapacity = 64 << 10
        raw = .allocate(byteCount: rawCapacity, alignment: 16)
        packed = .allocate(byteCount: packedCapacity, alignment: 16)
    }

    deinit {
        raw.deallocate()
        packed.deallocate()
    }

    private func reserveRaw(_ n: Int) {
        guard n > rawCapacity else { return }
        raw.deallocate()
        rawCapacity = max(n, rawCapacity * 2)
        raw = .allocate(byteCount: rawCapacity, alignment: 16)
    }

    private func reservePacked(_ n: Int) {
        guard n > packedCapacity else { return }
        packed.deallocate()
        packedCapacity = max(n, packedCapacity * 2)
        packed = .allocate(byteCount: packedCapacity, alignment: 16)
    }

    /// Frames `record` and returns a copy of the frame bytes.
    public func encode(_ record: WALRecord) throws -> [UInt8] {
        let frame: UnsafeRawBufferPointer
        switch record {
        case .series(let s): frame = try frameSeries(s[...])
        case .samples(let s): frame = try s.withUnsafeBufferPointer { try frameSamples($0) }
        }
        return [UInt8](frame)
    }

    /// Frames a samples record. The bytes are valid until the next call on this encoder.
    ///
    /// Payload: uvarint(count), then per sample zigzag-varint deltas of ref and t against the
    /// previous sample (starting from 0) and the 8 value bits little-endian.
    func frameSamples(_ samples: UnsafeBufferPointer<WALSample>) throws(WALError) -> UnsafeRawBufferPointer {
        let h = WALFormat.recordHeaderSize
        reserveRaw(h + 10 + samples.count * Self.maxSampleSize)
        let p = raw
        var off = h
        WALVarint.put(p, &off, UInt64(samples.count))
        var prevRef: UInt64 = 0
        var prevT: Int64 = 0
        for s in samples {
            WALVarint.put(p, &off, WALVarint.zigzag(Int64(bitPattern: s.ref &- prevRef)))
            WALVarint.put(p, &off, WALVarint.zigzag(s.t &- prevT))
            p.storeBytes(of: s.v.bitPattern.littleEndian, toByteOffset: off, as: UInt64.self)
            off += 8
            prevRef = s.ref
            prevT = s.t
        }
        return try finish(type: .samples, payloadEnd: off)
    }

    /// Frames a series record. The bytes are valid until the next call on this encoder.
    ///
    /// Payload: uvarint(count), then per series uvarint(ref), uvarint(label count) and per label
    /// uvarint(name length), name UTF-8, uvarint(value length), value UTF-8.
    func frameSeries(_ series: ArraySlice<WALSeries>) throws(WALError) -> UnsafeRawBufferPointer {
        let h = WALFormat.recordHeaderSize
        var size = 10
        for s in series {
            size += 20
            for l in s.labels { size += 20 + l.name.utf8.count + l.value.utf8.count }
        }
        guard size <= WALFormat.maxPayloadSize + 64 else {
            throw .recordTooLarge(bytes: size, limit: WALFormat.maxPayloadSize)
        }
        reserveRaw(h + size)
        let p = raw
        var off = h
        WALVarint.put(p, &off, UInt64(series.count))
        for s in series {
            WALVarint.put(p, &off, s.ref)
            WALVarint.put(p, &off, UInt64(s.labels.count))
            for l in s.labels {
                Self.putString(l.name, p, &off)
                Self.putString(l.value, p, &off)
            }
        }
        return try finish(type: .series, payloadEnd: off)
    }

    @inline(__always) private static func putString(_ s: String, _ p: UnsafeMutableRawPointer, _ off: inout Int) {
        let n = s.utf8.count
        WALVarint.put(p, &off, UInt64(n))
        let dst = p + off
        let copied: Bool? = s.utf8.withContiguousStorageIfAvailable { buf in
            if let src = buf.baseAddress, n > 0 { dst.copyMemory(from: src, byteCount: n) }
            return true
        }
        if copied == nil {
            var i = 0
            for b in s.utf8 { dst.storeBytes(of: b, toByteOffset: i, as: UInt8.self); i += 1 }
        }
        off += n
    }

    /// Compresses when worthwhile, writes the header and CRC; returns the frame.
    private func finish(type: WALRecordType, payloadEnd: Int) throws(WALError) -> UnsafeRawBufferPointer {
        let h = WALFormat.recordHeaderSize
        let rawLength = payloadEnd - h
        guard rawLength <= WALFormat.maxPayloadSize else {
            throw .recordTooLarge(bytes: rawLength, limit: WALFormat.maxPayloadSize)
        }
        var base = raw
        var length = rawLength
        var flags: UInt8 = 0
        if compression && rawLength >= Self.minCompressSize {
            let bound = Int(LZ4_compressBound(Int32(rawLength)))
            reservePacked(h + 10 + bound)
            var off = h
            WALVarint.put(packed, &off, UInt64(rawLength))
            let n = Int(LZ4_compress_default(
                (raw + h).assumingMemoryBound(to: CChar.self),
                (packed + off).assumingMemoryBound(to: CChar.self),
                Int32(rawLength), Int32(bound)))
            if n > 0 && off - h + n < rawLength {
                base = packed
                length = off - h + n
                flags = WALFormat.flagLZ4
            }
        }
        base.storeBytes(of: type.rawValue, toByteOffset: 0, as: UInt8.self)
        base.storeBytes(of: flags, toByteOffset: 1, as: UInt8.self)
        base.storeBytes(of: UInt32(length).littleEndian, toByteOffset: 2, as: UInt32.self)
        // The CRC covers type, flags and length too, so a flipped header byte is caught.
        var crc = CRC32C.update(0, UnsafeRawBufferPointer(start: base, count: 6))
        crc = CRC32C.update(crc, UnsafeRawBufferPointer(start: base + h, count: length))
        base.storeBytes(of: crc.littleEndian, toByteOffset: 6, as: UInt32.self)
        return UnsafeRawBufferPointer(start: base, count: h + length)
    }
}
