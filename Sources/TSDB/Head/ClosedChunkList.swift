/// A head series' closed chunks, oldest first: where each one's bytes are in the
/// `HeadChunkStore`, packed as varint records in one immutable buffer.
///
/// One small `SlabAllocator` buffer per series (the chunks' bytes are out of memory), owned by
/// the series state, which frees it: this value is only a view. Sealing a chunk (every ~120
/// samples) or dropping old ones builds a new buffer and frees the old one; readers decode the
/// records they need under the series lock.
///
/// Layout: the bytes used (UInt32, this field included), the first chunk's `minTime` (Int64,
/// little-endian), then per chunk six uvarints:
/// `minTime` minus the previous chunk's `maxTime` (the first's own `minTime` for the first),
/// `maxTime - minTime`, segment, offset, byte length, sample count. Differences are taken with
/// wrapping arithmetic, so any times round-trip; in order (as a series' chunks are) a record
/// takes about 13 bytes instead of 32 fixed ones, for every closed chunk of every series.
struct ClosedChunkList: @unchecked Sendable {
    /// One closed chunk: its time range, where its bytes are and how many samples it holds.
    struct Record: Sendable, Equatable {
        let minTime: Int64
        let maxTime: Int64
        let ref: HeadChunkRef
        let samples: Int
    }

    /// Bytes before the first record: the size, then the first `minTime` (unaligned: 4 bytes
    /// less puts a series' usual four records in a 64-byte slot instead of 80).
    private static let prefixBytes = 12

    private let bytes: UnsafeMutableRawPointer

    private init(bytes: UnsafeMutableRawPointer) { self.bytes = bytes }

    /// Bytes used (the prefix included).
    private var used: Int { Int(bytes.load(as: UInt32.self)) }

    /// A zeroed buffer with room for `n` bytes, `n` recorded as used.
    private static func allocate(_ n: Int) -> UnsafeMutableRawPointer {
        let p = SlabAllocator.shared.allocate(n)
        p.storeBytes(of: UInt32(truncatingIfNeeded: n), as: UInt32.self)
        return p
    }

    /// Gives the buffer back; the list must not be used afterwards.
    func release() {
        SlabAllocator.shared.free(bytes, capacity: SlabAllocator.capacity(for: used))
    }

    /// This list moved out of a slab being evacuated (see `SlabAllocator.beginEvacuation`),
    /// or nil when it stays where it is.
    func relocated() -> Self? {
        SlabAllocator.shared.relocate(bytes, capacity: SlabAllocator.capacity(for: used)).map(Self.init(bytes:))
    }

    /// A new list: `prefix` (if any, which this frees) followed by `record`.
    static func appending(_ record: Record, to prefix: Self?) -> Self {
        guard let prefix else { return Self(first: record, rest: nil) }
        let previousMax = prefix.lastMaxTime
        return withRecordBytes(record, previousMax: previousMax) { tmp, n in
            let keep = prefix.used
            let out = allocate(keep &+ n)
            (out + 4).copyMemory(from: prefix.bytes + 4, byteCount: keep &- 4)
            (out + keep).copyMemory(from: tmp, byteCount: n)
            prefix.release()
            return Self(bytes: out)
        }
    }

    /// A list starting with `first`, followed by the encoded records `rest` (which follow it).
    private init(first: Record, rest: UnsafeRawBufferPointer?) {
        let restCount = rest?.count ?? 0
        self = Self.withRecordBytes(first, previousMax: first.minTime) { tmp, n in
            let out = Self.allocate(Self.prefixBytes &+ n &+ restCount)
            out.storeBytes(of: first.minTime.littleEndian, toByteOffset: 4, as: Int64.self)
            (out + Self.prefixBytes).copyMemory(from: tmp, byteCount: n)
            if let rest, let b = rest.baseAddress { (out + (Self.prefixBytes &+ n)).copyMemory(from: b, byteCount: restCount) }
            return Self(bytes: out)
        }
    }

    /// Calls `body` with `record` encoded after a chunk ending at `previousMax`, and its size.
    private static func withRecordBytes<R>(_ record: Record, previousMax: Int64, _ body: (UnsafeRawPointer, Int) -> R) -> R {
        var scratch = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &scratch) { buf in
            // 64 bytes of scratch hold a record (45 at most: three 10-byte varints, three of 5).
            let tmp = buf.baseAddress.unsafelyUnwrapped
            var n = 0
            WALVarint.put(tmp, &n, UInt64(bitPattern: record.minTime &- previousMax))
            WALVarint.put(tmp, &n, UInt64(bitPattern: record.maxTime &- record.minTime))
            WALVarint.put(tmp, &n, UInt64(record.ref.segment))
            WALVarint.put(tmp, &n, UInt64(record.ref.offset))
            WALVarint.put(tmp, &n, UInt64(record.ref.length))
            WALVarint.put(tmp, &n, UInt64(UInt(bitPattern: record.samples)))
            return body(UnsafeRawPointer(tmp), n)
        }
    }

    /// Calls `body` with each record, oldest first, until it returns false.
    @inline(__always)
    private func forEach(_ body: (Record) -> Bool) {
        forEachWithEnd { r, _ in body(r) }
    }

    /// Calls `body` with each record and the offset just past it, until it returns false.
    @inline(__always)
    private func forEachWithEnd(_ body: (Record, Int) -> Bool) {
        let base = UnsafeRawPointer(bytes)
        let end = used
        var off = Self.prefixBytes
        var previousMax = Int64(littleEndian: base.loadUnaligned(fromByteOffset: 4, as: Int64.self))
        while off < end {
            let minTime = previousMax &+ Int64(bitPattern: Self.get(base, &off, end))
            let maxTime = minTime &+ Int64(bitPattern: Self.get(base, &off, end))
            let segment = UInt32(truncatingIfNeeded: Self.get(base, &off, end))
            let offset = UInt32(truncatingIfNeeded: Self.get(base, &off, end))
            let length = UInt32(truncatingIfNeeded: Self.get(base, &off, end))
            let samples = Int(truncatingIfNeeded: Self.get(base, &off, end))
            previousMax = maxTime
            let r = Record(minTime: minTime, maxTime: maxTime,
                           ref: HeadChunkRef(segment: segment, offset: offset, length: length), samples: samples)
            if !body(r, off) { return }
        }
    }

    /// Number of chunks.
    var count: Int {
        var n = 0
        forEach { _ in n &+= 1; return true }
        return n
    }

    /// The chunks overlapping `[mint, maxt]`, appended to `out`.
    func chunks(mint: Int64, maxt: Int64, into out: inout [Record]) {
        forEach { r in
            if r.minTime > maxt { return false }
            if r.maxTime >= mint { out.append(r) }
            return true
        }
    }

    /// Timestamp of the oldest sample.
    var minTime: Int64 {
        Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: Int64.self))
    }

    /// Timestamp of the newest sample.
    private var lastMaxTime: Int64 {
        var t = Int64.min
        forEach { r in t = r.maxTime; return true }
        return t
    }

    /// The list without the chunks that end before `mint` (nil when none is left), and the
    /// number of samples dropped. When any is dropped this list is freed: use the result.
    func dropping(before mint: Int64) -> (list: Self?, droppedSamples: Int) {
        var dropped = 0, cut = 0
        var firstKept: (record: Record, end: Int)? = nil
        forEachWithEnd { r, end in
            if r.maxTime < mint {
                dropped &+= r.samples
                cut &+= 1
                return true
            }
            firstKept = (r, end)
            return false
        }
        if cut == 0 { return (self, 0) }
        guard let firstKept else {
            release()
            return (nil, dropped)
        }
        // The records after the first kept one are relative to it: their bytes stay as they are.
        let list = Self(first: firstKept.record,
                        rest: UnsafeRawBufferPointer(start: bytes + firstKept.end, count: used &- firstKept.end))
        release()
        return (list, dropped)
    }

    /// Reads a uvarint this type wrote; stops at `end` (never past the buffer).
    @inline(__always)
    private static func get(_ p: UnsafeRawPointer, _ off: inout Int, _ end: Int) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while off < end {
            let b = p.load(fromByteOffset: off, as: UInt8.self)
            off &+= 1
            result |= UInt64(b & 0x7F) &<< shift
            if b < 0x80 { break }
            shift &+= 7
        }
        return result
    }
}
