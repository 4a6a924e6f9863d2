import CLZ4

/// A validated record frame: header checked, CRC verified, payload not yet decoded.
struct WALFrame {
    var type: UInt8
    var flags: UInt8
    /// The stored (possibly compressed) payload.
    var payload: UnsafeRawBufferPointer
    /// Header plus payload bytes.
    var size: Int
}

/// Decodes WAL record frames from untrusted bytes: any damage is a thrown `WALDecodeError`, never a trap.
///
/// Not thread-safe: holds a reusable decompression buffer.
public final class WALRecordDecoder {
    private var scratch: UnsafeMutableRawPointer
    private var scratchCapacity: Int

    /// Creates a decoder.
    public init() {
        scratchCapacity = 64 << 10
        scratch = .allocate(byteCount: scratchCapacity, alignment: 16)
    }

    deinit { scratch.deallocate() }

    /// Validates the frame at the start of `bytes`: header, length bound and CRC.
    static func frame(in bytes: UnsafeRawBufferPointer) throws(WALDecodeError) -> WALFrame {
        let h = WALFormat.recordHeaderSize
        guard bytes.count >= h, let p = bytes.baseAddress else {
            throw .truncated(needed: h, available: bytes.count)
        }
        let type = p.load(as: UInt8.self)
        guard type != 0 else { throw .zeroType }
        let flags = p.load(fromByteOffset: 1, as: UInt8.self)
        let length = Int(UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self)))
        guard length <= WALFormat.maxPayloadSize else { throw .lengthTooLarge(length) }
        guard bytes.count - h >= length else { throw .truncated(needed: h + length, available: bytes.count) }
        let stored = UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 6, as: UInt32.self))
        let payload = UnsafeRawBufferPointer(start: p + h, count: length)
        let computed = CRC32C.update(CRC32C.update(0, UnsafeRawBufferPointer(start: p, count: 6)), payload)
        guard stored == computed else { throw .checksumMismatch(stored: stored, computed: computed) }
        return WALFrame(type: type, flags: flags, payload: payload, size: h + length)
    }

    /// Decodes the complete frame at the start of `bytes`; returns the record and the frame size.
    public func decodeFrame(_ bytes: UnsafeRawBufferPointer) throws(WALDecodeError) -> (record: WALRecord, size: Int) {
        let f = try Self.frame(in: bytes)
        return (try decode(f), f.size)
    }

    /// Decodes the complete frame at the start of `bytes`; returns the record and the frame size.
    public func decodeFrame(_ bytes: [UInt8]) throws -> (record: WALRecord, size: Int) {
        try bytes.withUnsafeBytes { buf in try decodeFrame(buf) }
    }

    /// Decodes a validated frame's payload (decompressing first when flagged).
    func decode(_ f: WALFrame) throws(WALDecodeError) -> WALRecord {
        guard let type = WALRecordType(rawValue: f.type), type != .tombstones,
              f.flags & ~WALFormat.flagLZ4 == 0 else {
            throw .unsupported(type: f.type, flags: f.flags)
        }
        let payload = f.flags & WALFormat.flagLZ4 != 0 ? try decompress(f.payload) : f.payload
        switch type {
        case .series: return .series(try Self.decodeSeries(payload))
        case .samples: return .samples(try Self.decodeSamples(payload))
        case .tombstones: throw .unsupported(type: f.type, flags: f.flags)
        }
    }

    private func decompress(_ stored: UnsafeRawBufferPointer) throws(WALDecodeError) -> UnsafeRawBufferPointer {
        guard let p = stored.baseAddress else { throw .badVarint(offset: 0) }
        var off = 0
        let rawLength = try WALVarint.get(p, &off, stored.count)
        let compressed = stored.count - off
        // LZ4 cannot expand more than ~255x; the bound keeps a bogus length from allocating much.
        guard rawLength <= UInt64(WALFormat.maxPayloadSize), rawLength <= UInt64(compressed) * 255 + 16 else {
            throw .countTooLarge(count: rawLength, offset: 0)
        }
        let n = Int(rawLength)
        if n > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(n, scratchCapacity * 2)
            scratch = .allocate(byteCount: scratchCapacity, alignment: 16)
        }
        let got = Int(LZ4_decompress_safe(
            (p + off).assumingMemoryBound(to: CChar.self),
            scratch.assumingMemoryBound(to: CChar.self),
            Int32(compressed), Int32(n)))
        guard got == n else { throw .decompressionFailed(expected: n, result: got) }
        return UnsafeRawBufferPointer(start: scratch, count: n)
    }

    /// Decodes a samples payload (see `WALRecordEncoder.frameSamples`).
    static func decodeSamples(_ b: UnsafeRawBufferPointer) throws(WALDecodeError) -> [WALSample] {
        guard let p = b.baseAddress else { throw .badVarint(offset: 0) }
        let end = b.count
        var off = 0
        let count = try WALVarint.get(p, &off, end)
        // Each sample takes at least 10 bytes: bounds the reservation on hostile input.
        guard count <= UInt64((end - off) / 10) else { throw .countTooLarge(count: count, offset: 0) }
        var out = [WALSample]()
        out.reserveCapacity(Int(count))
        var ref: UInt64 = 0
        var t: Int64 = 0
        for _ in 0..<Int(count) {
            ref = ref &+ UInt64(bitPattern: WALVarint.unzigzag(try WALVarint.get(p, &off, end)))
            t = t &+ WALVarint.unzigzag(try WALVarint.get(p, &off, end))
            guard end - off >= 8 else { throw .payloadTruncated(offset: off) }
            let bits = UInt64(littleEndian: p.loadUnaligned(fromByteOffset: off, as: UInt64.self))
            off += 8
            out.append(WALSample(ref: ref, t: t, v: Double(bitPattern: bits)))
        }
        guard off == end else { throw .trailingBytes(count: end - off) }
        return out
    }

    /// Decodes a series payload (see `WALRecordEncoder.frameSeries`).
    static func decodeSeries(_ b: UnsafeRawBufferPointer) throws(WALDecodeError) -> [WALSeries] {
        guard let p = b.baseAddress else { throw .badVarint(offset: 0) }
        let end = b.count
        var off = 0
        let count = try WALVarint.get(p, &off, end)
        guard count <= UInt64((end - off) / 2) else { throw .countTooLarge(count: count, offset: 0) }
        var out = [WALSeries]()
        out.reserveCapacity(Int(count))
        for _ in 0..<Int(count) {
            let ref = try WALVarint.get(p, &off, end)
            let at = off
            let n = try WALVarint.get(p, &off, end)
            guard n <= UInt64((end - off) / 2) else { throw .countTooLarge(count: n, offset: at) }
            var labels = [WALLabel]()
            labels.reserveCapacity(Int(n))
            for _ in 0..<Int(n) {
                let name = try getString(p, &off, end)
                let value = try getString(p, &off, end)
                labels.append(WALLabel(name: name, value: value))
            }
            out.append(WALSeries(ref: ref, labels: labels))
        }
        guard off == end else { throw .trailingBytes(count: end - off) }
        return out
    }

    @inline(__always) private static func getString(_ p: UnsafeRawPointer, _ off: inout Int, _ end: Int) throws(WALDecodeError) -> String {
        let at = off
        let n = try WALVarint.get(p, &off, end)
        guard n <= UInt64(end - off) else { throw .countTooLarge(count: n, offset: at) }
        // Invalid UTF-8 is repaired (U+FFFD), never trapped on.
        let s = String(decoding: UnsafeRawBufferPointer(start: p + off, count: Int(n)), as: UTF8.self)
        off += Int(n)
        return s
    }
}
