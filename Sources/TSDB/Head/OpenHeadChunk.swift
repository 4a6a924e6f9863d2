/// The XOR chunk a head series appends to, in compact form: 32 bytes inline instead of an
/// `XORChunk`'s ~150, because a head holds one per active series.
///
/// It keeps only what the encoder cannot get elsewhere: the newest sample's time and value bits
/// are the series' `lastT`/`lastV`, the first timestamp is decoded from the bytes when needed,
/// and the writer's pending bits are re-read from memory (the bit writer always stores them).
/// The bytes are never shared: readers get a sealed copy.
struct OpenHeadChunk: Sendable {
    /// Free bytes needed past the write position before an append: the widest sample (145 bits)
    /// plus the writer's 8-byte store.
    static let appendRoom = 32
    /// Least growth of the bytes. Growing in small steps keeps the unused tail of the open
    /// chunks small; the copies cost a few per 120 samples.
    static let growthStep = 32

    /// Header (count not maintained), stream, then zero bytes.
    private var storage: XORChunkStorage
    /// Exclusive end of the time window this chunk may cover (chunks never cross a block boundary).
    private(set) var end: Int64
    /// Previous timestamp delta (wrapping).
    private var delta: UInt64 = 0
    /// Bit position of the next sample.
    private var bitPosition: UInt32
    private(set) var count: UInt16 = 0
    /// The current XOR window.
    private var leading: UInt8 = 0
    private var trailing: UInt8 = 0

    /// An empty chunk covering times before `end`.
    init(end: Int64) {
        self.end = end
        storage = XORChunkStorage(zeroedCount: XORChunk.headerBytes &+ Self.growthStep &+ Self.appendRoom)
        bitPosition = UInt32(XORChunk.headerBytes &* 8)
    }

    /// Empties the chunk for a new window ending at `end`, keeping its bytes' allocation: the
    /// closed chunk went to the chunk store, and a series' chunks need about the same room each
    /// time, so a fresh small buffer grown again from the start would only churn (and fragment)
    /// the heap. (A full chunk gave back its append room first, see `shrinkToFit`: this chunk
    /// grows once near its end if it needs more than the last.)
    mutating func restart(end: Int64) {
        if !storage.isUnique() {
            self = OpenHeadChunk(end: end)
            return
        }
        let n = storage.count
        storage.withMutableBase { $0.initializeMemory(as: UInt8.self, repeating: 0, count: n) }
        self.end = end
        delta = 0
        bitPosition = UInt32(XORChunk.headerBytes &* 8)
        count = 0
        leading = 0
        trailing = 0
    }

    /// Encoded size in bytes.
    var byteCount: Int { (Int(bitPosition) &+ 7) &>> 3 }
    /// Bytes the buffer holds (encoded bytes plus room for appends).
    var allocatedByteCount: Int { storage.count }

    /// Where an append will touch memory: the buffer's header and its write position. An appender
    /// notes it when reserving a sample and prefetches it just before the commit (see `Prefetch`);
    /// a stale address is harmless there, as a prefetch never faults.
    @inline(__always) var touchAddresses: ChunkTouchAddresses {
        storage.withBase { b in ChunkTouchAddresses(header: b - 16, write: b + Int(bitPosition &>> 3)) }
    }

    /// Appends a sample newer than `lastT`; `lastT`/`lastBits` are the previous sample's (any
    /// values when the chunk is empty).
    mutating func append(t: Int64, bits: UInt64, lastT: Int64, lastBits: UInt64) {
        let byteOffset = Int(bitPosition &>> 3)
        if _slowPath(storage.count &- byteOffset < Self.appendRoom || !storage.isUnique()) {
            grow()
        }
        let partial = storage.withBase { $0.load(fromByteOffset: byteOffset, as: UInt8.self) }
        var a = XORChunk.Appender(writer: BitWriter(bitPosition: Int(bitPosition), partialByte: partial))
        a.count = Int(count)
        a.lastT = lastT
        a.lastValueBits = lastBits
        a.delta = delta
        a.leading = Int(leading)
        a.trailing = Int(trailing)
        storage.withMutableBase { a.append(t: t, bits: bits, to: $0) }
        bitPosition = UInt32(truncatingIfNeeded: a.writer.bitPosition)
        count &+= 1
        delta = a.delta
        leading = UInt8(truncatingIfNeeded: a.leading)
        trailing = UInt8(truncatingIfNeeded: a.trailing)
    }

    /// About a quarter more room (at least `growthStep`): O(1) amortized appends, little slack.
    private mutating func grow() {
        let used = byteCount
        let newCount = used &+ Self.appendRoom &+ Swift.max(Self.growthStep, used / 4)
        let old = storage
        // Everything past the write position is zero already; copying it all keeps that.
        storage = old.withBase { XORChunkStorage(zeroedCount: newCount, copying: Swift.min(old.count, newCount), of: $0) }
    }

    /// Gives back the room kept for appends once the chunk is full. The next append cuts a new
    /// chunk into this same buffer (see `restart`), which grows it again only near its end if it
    /// needs more: a series' buffer follows the size of its recent chunks, not the largest it
    /// ever had plus growth slack.
    mutating func shrinkToFit() {
        // Readers of a valid stream (`minTime`) may load this far past its end.
        let n = byteCount &+ BitReader.validStreamPadding
        guard storage.count > n, storage.isUnique() else { return }
        let old = storage
        storage = old.withBase { XORChunkStorage(zeroedCount: n, copying: n, of: $0) }
    }

    /// Timestamp of the first sample (decoded from the bytes); `Int64.max` when empty.
    var minTime: Int64 {
        guard count > 0 else { return .max }
        // A zigzag varint right after the header; the append room keeps the reader's loads in bounds.
        return storage.withBase { base in
            var r = BitReader(position: XORChunk.headerBytes &* 8)
            guard let zz = r.readUVarint(base) else { return .max }
            return Int64(bitPattern: zz &>> 1) ^ -Int64(bitPattern: zz & 1)
        }
    }

    /// A padded copy of the bytes with the sample count written.
    private func headerWritten() -> XORChunkStorage {
        let n = byteCount
        var copy = storage.withBase {
            XORChunkStorage(zeroedCount: n &+ BitReader.validStreamPadding, copying: n, of: $0)
        }
        _ = copy.isUnique()
        copy.withMutableBase {
            $0.storeBytes(of: UInt8(truncatingIfNeeded: count >> 8), as: UInt8.self)
            $0.storeBytes(of: UInt8(truncatingIfNeeded: count), toByteOffset: 1, as: UInt8.self)
        }
        return copy
    }

    /// A sealed copy for readers (the chunk keeps growing); `maxTime` is the newest sample's time.
    func sealed(maxTime: Int64) -> SealedXORChunk {
        SealedXORChunk(storage: headerWritten(), start: 0, length: byteCount, minTime: minTime, maxTime: maxTime)
    }

    /// Writes this chunk's bytes to `store` and returns `list` (or a new list) with it appended.
    func closing(into list: ClosedChunkList?, maxTime: Int64, store: HeadChunkStore) -> ClosedChunkList {
        let n = byteCount, samples = Int(count)
        let ref = storage.withBase { store.append($0, count: n, samples: samples, maxTime: maxTime) }
        return .appending(.init(minTime: minTime, maxTime: maxTime, ref: ref, samples: samples), to: list)
    }
}
