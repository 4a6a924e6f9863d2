/// A head series' closed chunks, oldest first: where each one's bytes are in the
/// `HeadChunkStore`, packed as fixed records in one immutable buffer.
///
/// One small heap object per series (the bytes themselves are out of the heap). Sealing a chunk
/// (every ~120 samples) or dropping old ones builds a new buffer; readers copy the records they
/// need under the series lock.
///
/// Record layout, little-endian: `minTime` (Int64), `maxTime` (Int64), segment (UInt32), offset
/// (UInt32), byte length (UInt32), sample count (UInt32).
struct ClosedChunkList: Sendable {
    static let recordBytes = 32

    /// One closed chunk: its time range, where its bytes are and how many samples it holds.
    struct Record: Sendable {
        let minTime: Int64
        let maxTime: Int64
        let ref: HeadChunkRef
        let samples: Int
    }

    private let storage: XORChunkStorage

    private init(storage: XORChunkStorage) { self.storage = storage }

    /// Number of chunks.
    var count: Int { storage.count / Self.recordBytes }

    /// A new list: `prefix` (if any) followed by `record`.
    static func appending(_ record: Record, to prefix: Self?) -> Self {
        let keep = prefix?.storage.count ?? 0
        var s = XORChunkStorage(zeroedCount: keep &+ recordBytes)
        _ = s.isUnique()
        s.withMutableBase { out in
            if let prefix { prefix.storage.withBase { out.copyMemory(from: $0, byteCount: keep) } }
            let r = out + keep
            r.storeBytes(of: record.minTime.littleEndian, as: Int64.self)
            r.storeBytes(of: record.maxTime.littleEndian, toByteOffset: 8, as: Int64.self)
            r.storeBytes(of: record.ref.segment.littleEndian, toByteOffset: 16, as: UInt32.self)
            r.storeBytes(of: record.ref.offset.littleEndian, toByteOffset: 20, as: UInt32.self)
            r.storeBytes(of: record.ref.length.littleEndian, toByteOffset: 24, as: UInt32.self)
            r.storeBytes(of: UInt32(truncatingIfNeeded: record.samples).littleEndian, toByteOffset: 28, as: UInt32.self)
        }
        return Self(storage: s)
    }

    /// Record `i`.
    @inline(__always)
    private func record(_ i: Int, _ base: UnsafeRawPointer) -> Record {
        let r = base + i &* Self.recordBytes
        return Record(
            minTime: Int64(littleEndian: r.loadUnaligned(as: Int64.self)),
            maxTime: Int64(littleEndian: r.loadUnaligned(fromByteOffset: 8, as: Int64.self)),
            ref: HeadChunkRef(
                segment: UInt32(littleEndian: r.loadUnaligned(fromByteOffset: 16, as: UInt32.self)),
                offset: UInt32(littleEndian: r.loadUnaligned(fromByteOffset: 20, as: UInt32.self)),
                length: UInt32(littleEndian: r.loadUnaligned(fromByteOffset: 24, as: UInt32.self))),
            samples: Int(UInt32(littleEndian: r.loadUnaligned(fromByteOffset: 28, as: UInt32.self))))
    }

    /// The chunks overlapping `[mint, maxt]`, appended to `out`.
    func chunks(mint: Int64, maxt: Int64, into out: inout [Record]) {
        let n = count
        storage.withBase { base in
            for i in 0..<n {
                let r = record(i, base)
                if r.minTime > maxt { break }
                if r.maxTime >= mint { out.append(r) }
            }
        }
    }

    /// Timestamp of the oldest sample.
    var minTime: Int64 {
        storage.withBase { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
    }

    /// The list without the chunks that end before `mint` (nil when none is left), and the
    /// number of samples dropped.
    func dropping(before mint: Int64) -> (list: Self?, droppedSamples: Int) {
        let n = count
        var cut = 0, dropped = 0
        storage.withBase { base in
            while cut < n {
                let r = record(cut, base)
                guard r.maxTime < mint else { break }
                dropped &+= r.samples
                cut &+= 1
            }
        }
        if cut == 0 { return (self, 0) }
        if cut == n { return (nil, dropped) }
        let rest = (n &- cut) &* Self.recordBytes
        var s = XORChunkStorage(zeroedCount: rest)
        _ = s.isUnique()
        s.withMutableBase { out in storage.withBase { out.copyMemory(from: $0 + cut &* Self.recordBytes, byteCount: rest) } }
        return (Self(storage: s), dropped)
    }
}
