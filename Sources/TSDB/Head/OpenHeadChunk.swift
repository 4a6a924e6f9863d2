/// The XOR chunk a head series appends to, in compact form: 32 bytes inline instead of an
/// `XORChunk`'s ~150, because a head holds one per active series.
///
/// It keeps only what the encoder cannot get elsewhere: the newest sample's time and value bits
/// are the series' `lastT`/`lastV`, the first timestamp is decoded from the bytes when needed,
/// and the writer's pending bits are re-read from memory (the bit writer always stores them).
///
/// The bytes are a `SlabAllocator` buffer owned by the series state (`SeriesState` frees it:
/// this value is only a view, copied freely while the series is locked); readers get a sealed
/// copy. The buffer's two XOR header bytes, whose sample count only a sealed or closed copy
/// writes, hold its capacity here.
///
/// Spilling: with a file-backed `HeadChunkStore`, the stream's completed bytes move to the
/// store when the part held in memory grows past `spillBytes` (and when appends pause, see
/// `spill(store:minimum:)`), as one contiguous prefix rewritten at each spill. Memory then holds
/// a 24-byte header (flag in the capacity code, prefix length, where the prefix is, first
/// timestamp) and the stream from the prefix's end: an open chunk costs a bounded tail instead
/// of up to a full chunk (~300 bytes for a busy gauge) for every active series.
struct OpenHeadChunk: @unchecked Sendable {
    /// Free bytes needed past the write position before an append: the widest sample (a
    /// 10-byte varint and a 77-bit value, or a 68-bit delta-of-delta and the value) ends 20
    /// bytes on at most, and the writer stores 8 bytes from there.
    static let appendRoom = 28
    /// The same for a sample on the regular path (after the second, delta-of-delta within
    /// ±2^13: at most 17 + 77 bits), which is nearly every sample: the room held free ahead
    /// of appends is the biggest share of an open chunk's unused bytes.
    static let regularAppendRoom = 20
    /// Least growth of the bytes. Growing in small steps keeps the unused tail of the open
    /// chunks small; the copies cost a few per 120 samples.
    static let growthStep = 16
    /// Completed stream bytes in memory from which a growing chunk spills them, or half the
    /// prefix already spilled when that is more: the prefix is read back and rewritten at each
    /// spill, so it grows at least by half each time and a chunk's bytes are written a bounded
    /// number of times however long it is. A usual chunk (120 samples, up to ~300 bytes for a
    /// busy gauge) spills once, without a read-back, and its bytes are written twice in all.
    static let spillBytes = 160
    /// Bytes before the in-memory stream of a spilled chunk.
    static let spilledHeaderBytes = 24
    /// Capacity-code bit marking a spilled chunk (codes stay below 2^15).
    private static let spilledFlag: UInt16 = 0x8000

    /// Capacity code (see `capacity`), stream, then zero bytes; spilled, see above.
    private var bytes: UnsafeMutableRawPointer
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
        bytes = Self.allocate(XORChunk.headerBytes &+ Self.growthStep &+ Self.appendRoom)
        bitPosition = UInt32(XORChunk.headerBytes &* 8)
    }

    /// A zeroed buffer for at least `n` bytes, its capacity recorded in its header.
    private static func allocate(_ n: Int) -> UnsafeMutableRawPointer {
        // Slab sizes are multiples of 16 up to 4 KiB; larger buffers are whole multiples of 64
        // bytes, counted in 64 bytes past that (up to 2 MiB, beyond the longest chunk of 65,535
        // samples), so the recorded capacity is exactly what was allocated.
        let request = n > SlabAllocator.maxSlotBytes ? (n &+ 63) & ~63 : n
        let p = SlabAllocator.shared.allocate(request)
        let capacity = SlabAllocator.capacity(for: request)
        let code = capacity <= SlabAllocator.maxSlotBytes ? capacity &>> 4 : 256 &+ capacity &>> 6
        p.storeBytes(of: UInt16(truncatingIfNeeded: code), as: UInt16.self)
        return p
    }

    /// Bytes the buffer holds (encoded bytes plus room for appends).
    var allocatedByteCount: Int { Self.decodedCapacity(bytes) }

    /// The capacity recorded in the header of the buffer at `p`.
    @inline(__always)
    private static func decodedCapacity(_ p: UnsafeRawPointer) -> Int {
        let code = Int(p.load(as: UInt16.self) & ~spilledFlag)
        return code <= 256 ? code &<< 4 : (code &- 256) &<< 6
    }

    /// True when the stream's start is in the store.
    @inline(__always) var isSpilled: Bool { bytes.load(as: UInt16.self) & Self.spilledFlag != 0 }
    /// Stream bytes in the store (0 when none).
    @inline(__always) private var spilledCount: Int {
        isSpilled ? Int(bytes.load(fromByteOffset: 4, as: UInt32.self)) : 0
    }
    /// Where the spilled prefix is.
    private var spilledRef: HeadChunkRef {
        HeadChunkRef(segment: bytes.load(fromByteOffset: 8, as: UInt32.self),
                     offset: bytes.load(fromByteOffset: 12, as: UInt32.self),
                     length: bytes.load(fromByteOffset: 4, as: UInt32.self))
    }
    /// Stream offset of the first stream byte held in memory (the header's two bytes are the
    /// capacity code while nothing is spilled).
    @inline(__always) private var memoryStart: Int { isSpilled ? spilledCount : XORChunk.headerBytes }
    /// Buffer offset of that byte.
    @inline(__always) private var bufferStart: Int { isSpilled ? Self.spilledHeaderBytes : XORChunk.headerBytes }
    /// The buffer offset of stream offset `o` (at least `memoryStart`).
    @inline(__always) private func bufferOffset(_ o: Int) -> Int { bufferStart &- memoryStart &+ o }
    /// Stream offset 0 (below `memoryStart` it must not be touched).
    @inline(__always) private var streamBase: UnsafeMutableRawPointer { bytes + bufferOffset(0) }
    /// Buffer bytes holding the header and the in-memory stream.
    @inline(__always) private var usedBufferBytes: Int { bufferOffset(byteCount) }

    /// Gives the buffer back; the chunk must not be used afterwards.
    func release() {
        SlabAllocator.shared.free(bytes, capacity: allocatedByteCount)
    }

    /// Moves the bytes if their slab is being evacuated (see `SlabAllocator.beginEvacuation`).
    mutating func relocateIfEvacuating() {
        if let moved = SlabAllocator.shared.relocate(bytes, capacity: allocatedByteCount) { bytes = moved }
    }

    /// Empties the chunk for a new window ending at `end`, in a fresh small buffer: the series'
    /// chunks are cut together, so the full-size buffers they all leave empty their slabs,
    /// which go back to the OS, instead of each series holding a full chunk's room from the
    /// first sample of the next.
    mutating func restart(end: Int64) {
        release()
        self = OpenHeadChunk(end: end)
    }

    /// Encoded size in bytes.
    var byteCount: Int { (Int(bitPosition) &+ 7) &>> 3 }
    /// Where an append will touch memory: the buffer's header and its write position. An appender
    /// notes it when reserving a sample and prefetches it just before the commit (see `Prefetch`);
    /// a stale address is harmless there, as a prefetch never faults.
    @inline(__always) var touchAddresses: ChunkTouchAddresses {
        ChunkTouchAddresses(header: UnsafeRawPointer(bytes), write: UnsafeRawPointer(streamBase) + Int(bitPosition &>> 3))
    }

    /// Appends a sample newer than `lastT`; `lastT`/`lastBits` are the previous sample's (any
    /// values when the chunk is empty). Growing may spill to `store`.
    mutating func append(t: Int64, bits: UInt64, lastT: Int64, lastBits: UInt64, store: HeadChunkStore) {
        let byteOffset = Int(bitPosition &>> 3)
        let dod = UInt64(bitPattern: t &- lastT) &- delta
        let room = count >= 2 && dod &+ (1 << 13) < (1 << 14) ? Self.regularAppendRoom : Self.appendRoom
        if _slowPath(allocatedByteCount &- bufferOffset(byteOffset) < room) { grow(store: store) }
        let base = streamBase
        let partial = base.load(fromByteOffset: byteOffset, as: UInt8.self)
        var a = XORChunk.Appender(writer: BitWriter(bitPosition: Int(bitPosition), partialByte: partial))
        a.count = Int(count)
        a.lastT = lastT
        a.lastValueBits = lastBits
        a.delta = delta
        a.leading = Int(leading)
        a.trailing = Int(trailing)
        a.append(t: t, bits: bits, to: base)
        bitPosition = UInt32(truncatingIfNeeded: a.writer.bitPosition)
        count &+= 1
        delta = a.delta
        leading = UInt8(truncatingIfNeeded: a.leading)
        trailing = UInt8(truncatingIfNeeded: a.trailing)
    }

    /// Spills when enough completed bytes are in memory, else an eighth more room (at least
    /// `growthStep`) past the widest sample's: O(1) amortized appends, little slack.
    private mutating func grow(store: HeadChunkStore) {
        let completed = Int(bitPosition &>> 3) &- memoryStart
        if completed >= Swift.max(Self.spillBytes, spilledCount / 2),
           spill(store: store, minimum: 1, room: Self.appendRoom &+ Self.growthStep) { return }
        let used = usedBufferBytes
        moveBytes(to: used &+ Self.appendRoom &+ Swift.max(Self.growthStep, used / 8))
    }

    /// Moves the stream's completed bytes to `store` when at least `minimum` of them are in
    /// memory, leaving the unfinished byte and `room` free bytes after it (by default none, a
    /// 32-byte slot: as small as a chunk gets while appends pause; the next append grows it);
    /// false when it did not (a memory-only store, too few bytes, or the earlier prefix could
    /// not be read back).
    @discardableResult
    mutating func spill(store: HeadChunkStore, minimum: Int, room: Int = 0) -> Bool {
        guard store.spillsOpenChunks, count > 0 else { return false }
        let complete = Int(bitPosition &>> 3), start = memoryStart
        // A quarter of the prefix at least (up to 256 bytes), so that pauses every 30 s do not
        // rewrite a long prefix for a few new bytes each time.
        guard complete &- start >= Swift.max(minimum, 1, Swift.min(spilledCount / 4, 256)) else { return false }
        let firstT = minTime
        let previous = isSpilled ? spilledRef : nil
        // The new prefix: the earlier one read back, then the completed bytes held here.
        let ref: HeadChunkRef? = withUnsafeTemporaryAllocation(byteCount: complete, alignment: 8) { tmp in
            let p = tmp.baseAddress.unsafelyUnwrapped
            if let previous, !store.copy(previous, to: p) { return nil }
            let from = previous == nil ? 0 : start
            (p + from).copyMemory(from: streamBase + from, byteCount: complete &- from)
            // The whole window's end: an open chunk's prefix must outlive every truncation that
            // keeps the chunk, and samples stay below `end`.
            return store.append(p, count: complete, samples: Int(count), maxTime: end &- 1, superseding: previous)
        }
        guard let ref else { return false }
        let tail = byteCount &- complete
        let old = bytes
        let oldTail = streamBase + complete
        bytes = Self.allocate(Self.spilledHeaderBytes &+ tail &+ room)
        bytes.storeBytes(of: bytes.load(as: UInt16.self) | Self.spilledFlag, as: UInt16.self)
        bytes.storeBytes(of: UInt32(truncatingIfNeeded: complete), toByteOffset: 4, as: UInt32.self)
        bytes.storeBytes(of: ref.segment, toByteOffset: 8, as: UInt32.self)
        bytes.storeBytes(of: ref.offset, toByteOffset: 12, as: UInt32.self)
        bytes.storeBytes(of: firstT, toByteOffset: 16, as: Int64.self)
        (bytes + Self.spilledHeaderBytes).copyMemory(from: oldTail, byteCount: tail)
        SlabAllocator.shared.free(old, capacity: Self.decodedCapacity(old))
        return true
    }

    /// Moves the header and in-memory bytes into a new buffer of at least `n` bytes (zero past them).
    private mutating func moveBytes(to n: Int) {
        let old = bytes, keep = usedBufferBytes, flag = old.load(as: UInt16.self) & Self.spilledFlag
        bytes = Self.allocate(n)
        bytes.storeBytes(of: bytes.load(as: UInt16.self) | flag, as: UInt16.self)
        (bytes + XORChunk.headerBytes).copyMemory(from: old + XORChunk.headerBytes, byteCount: keep &- XORChunk.headerBytes)
        SlabAllocator.shared.free(old, capacity: Self.decodedCapacity(old))
    }

    /// Gives back the room kept for appends once the chunk is full: a full chunk waits for the
    /// next sample (a scrape interval, or for ever if the series stopped) before it is cut.
    mutating func shrinkToFit() {
        // Readers of a valid stream (`minTime`) may load this far past its end.
        let n = usedBufferBytes &+ BitReader.validStreamPadding
        guard SlabAllocator.capacity(for: n) < allocatedByteCount else { return }
        moveBytes(to: n)
    }

    /// Timestamp of the first sample (decoded from the bytes); `Int64.max` when empty.
    var minTime: Int64 {
        guard count > 0 else { return .max }
        if isSpilled { return bytes.load(fromByteOffset: 16, as: Int64.self) }
        // A zigzag varint right after the header; the append room keeps the reader's loads in bounds.
        var r = BitReader(position: XORChunk.headerBytes &* 8)
        guard let zz = r.readUVarint(UnsafeRawPointer(bytes)) else { return .max }
        return Int64(bitPattern: zz &>> 1) ^ -Int64(bitPattern: zz & 1)
    }

    /// A padded copy of the whole stream with the sample count written; nil when a spilled
    /// prefix could not be read back (its segment is gone, which truncation rules out). A
    /// `reader` copies the prefix from the mapping, as closed chunks are read.
    private func headerWritten(store: HeadChunkStore, reader: Bool) -> XORChunkStorage? {
        let n = byteCount, start = memoryStart
        var copy = XORChunkStorage(zeroedCount: n &+ BitReader.validStreamPadding)
        _ = copy.isUnique()
        let ok: Bool = copy.withMutableBase { dst in
            if isSpilled {
                guard store.copy(spilledRef, to: dst, mapped: reader) else { return false }
            }
            (dst + start).copyMemory(from: streamBase + start, byteCount: n &- start)
            dst.storeBytes(of: UInt8(truncatingIfNeeded: count >> 8), as: UInt8.self)
            dst.storeBytes(of: UInt8(truncatingIfNeeded: count), toByteOffset: 1, as: UInt8.self)
            return true
        }
        return ok ? copy : nil
    }

    /// A sealed copy for readers (the chunk keeps growing); `maxTime` is the newest sample's time.
    func sealed(maxTime: Int64, store: HeadChunkStore) -> SealedXORChunk? {
        headerWritten(store: store, reader: true).map {
            SealedXORChunk(storage: $0, start: 0, length: byteCount, minTime: minTime, maxTime: maxTime)
        }
    }

    /// Writes this chunk's bytes to `store` and returns `list` (or a new list) with it appended
    /// (`list` unchanged if a spilled prefix could not be read back).
    func closing(into list: ClosedChunkList?, maxTime: Int64, store: HeadChunkStore) -> ClosedChunkList? {
        let n = byteCount, samples = Int(count)
        let ref: HeadChunkRef
        if isSpilled {
            guard let whole = headerWritten(store: store, reader: false) else { return list }
            // The prefix is superseded; if it cannot be read back (its segment gone, which
            // truncation rules out) the chunk is lost from the head, the WAL still has it.
            ref = whole.withBase { store.append($0, count: n, samples: samples, maxTime: maxTime, superseding: spilledRef) }
        } else {
            ref = store.append(bytes, count: n, samples: samples, maxTime: maxTime)
        }
        return .appending(.init(minTime: minTime, maxTime: maxTime, ref: ref, samples: samples), to: list)
    }
}
