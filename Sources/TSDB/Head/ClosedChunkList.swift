/// A head series' closed chunks, oldest first, packed back to back in one immutable buffer.
///
/// One heap object per series instead of one per chunk plus an array of them: a chunk costs its
/// encoded bytes and a 20-byte record, not ~70 bytes of object headers, array slot, padding and
/// allocator rounding. Sealing a chunk (every ~120 samples) or dropping old ones builds a new
/// buffer; readers keep the old one alive through the `SealedXORChunk` views they hold.
///
/// Layout: per chunk `minTime` (Int64), `maxTime` (Int64), byte length (UInt32), all
/// little-endian, then the chunk's bytes (header count written); after the last chunk
/// `BitReader.validStreamPadding` zero bytes for the iterators' 8-byte loads.
struct ClosedChunkList: Sendable {
    static let recordBytes = 20

    /// Records and chunks, then the padding.
    private let storage: XORChunkStorage

    private init(storage: XORChunkStorage) { self.storage = storage }

    /// Bytes of records and chunks (without the padding).
    private var payloadBytes: Int { storage.count &- BitReader.validStreamPadding }

    /// A list holding only `chunk`: its first `byteCount` bytes of `bytes`, `samples` samples.
    static func single(_ bytes: XORChunkStorage, byteCount: Int, samples: Int, minTime: Int64, maxTime: Int64) -> Self {
        Self.building(prefix: nil, bytes, byteCount: byteCount, samples: samples, minTime: minTime, maxTime: maxTime)
    }

    /// A new list with a chunk appended (see `single`).
    func appending(_ bytes: XORChunkStorage, byteCount: Int, samples: Int, minTime: Int64, maxTime: Int64) -> Self {
        Self.building(prefix: self, bytes, byteCount: byteCount, samples: samples, minTime: minTime, maxTime: maxTime)
    }

    private static func building(
        prefix: Self?, _ bytes: XORChunkStorage, byteCount: Int, samples: Int, minTime: Int64, maxTime: Int64
    ) -> Self {
        let keep = prefix?.payloadBytes ?? 0
        var s = XORChunkStorage(zeroedCount: keep &+ recordBytes &+ byteCount &+ BitReader.validStreamPadding)
        _ = s.isUnique()
        s.withMutableBase { out in
            if let prefix { prefix.storage.withBase { out.copyMemory(from: $0, byteCount: keep) } }
            let r = out + keep
            r.storeBytes(of: minTime.littleEndian, as: Int64.self)
            r.storeBytes(of: maxTime.littleEndian, toByteOffset: 8, as: Int64.self)
            r.storeBytes(of: UInt32(truncatingIfNeeded: byteCount).littleEndian, toByteOffset: 16, as: UInt32.self)
            let c = r + recordBytes
            bytes.withBase { c.copyMemory(from: $0, byteCount: byteCount) }
            // The open chunk does not keep its header current; the closed copy carries the count.
            c.storeBytes(of: UInt8(truncatingIfNeeded: samples >> 8), as: UInt8.self)
            c.storeBytes(of: UInt8(truncatingIfNeeded: samples), toByteOffset: 1, as: UInt8.self)
        }
        return Self(storage: s)
    }

    /// Calls `body` with each chunk in order until it returns false.
    @inline(__always)
    private func forEachRecord(_ body: (_ offset: Int, _ minT: Int64, _ maxT: Int64, _ length: Int) -> Bool) {
        let end = payloadBytes
        storage.withBase { base in
            var off = 0
            while off &+ Self.recordBytes <= end {
                let minT = Int64(littleEndian: base.loadUnaligned(fromByteOffset: off, as: Int64.self))
                let maxT = Int64(littleEndian: base.loadUnaligned(fromByteOffset: off &+ 8, as: Int64.self))
                let len = Int(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: off &+ 16, as: UInt32.self)))
                guard body(off, minT, maxT, len) else { return }
                off &+= Self.recordBytes &+ len
            }
        }
    }

    /// Views of the chunks overlapping `[mint, maxt]`, appended to `out`.
    func chunks(mint: Int64, maxt: Int64, into out: inout [SealedXORChunk]) {
        forEachRecord { off, minT, maxT, len in
            if maxT >= mint && minT <= maxt {
                out.append(SealedXORChunk(
                    storage: storage, start: off &+ Self.recordBytes, length: len, minTime: minT, maxTime: maxT))
            }
            return minT <= maxt
        }
    }

    /// Timestamp of the oldest sample.
    var minTime: Int64 {
        storage.withBase { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
    }

    /// The list without the chunks that end before `mint` (nil when none is left), and the
    /// number of samples dropped.
    func dropping(before mint: Int64) -> (list: Self?, droppedSamples: Int) {
        var cut = 0
        var dropped = 0
        forEachRecord { off, _, maxT, len in
            guard maxT < mint else { return false }
            dropped &+= storage.withBase {
                let c = off &+ Self.recordBytes
                return Int($0.load(fromByteOffset: c, as: UInt8.self)) << 8 | Int($0.load(fromByteOffset: c &+ 1, as: UInt8.self))
            }
            cut = off &+ Self.recordBytes &+ len
            return true
        }
        if cut == 0 { return (self, 0) }
        let rest = payloadBytes &- cut
        if rest == 0 { return (nil, dropped) }
        var s = XORChunkStorage(zeroedCount: rest &+ BitReader.validStreamPadding)
        _ = s.isUnique()
        s.withMutableBase { out in storage.withBase { out.copyMemory(from: $0 + cut, byteCount: rest) } }
        return (Self(storage: s), dropped)
    }
}
