/// A Gorilla-style compressed chunk of float samples: delta-of-delta timestamps, XORed values.
///
/// Format (bit stream, most significant bit first):
/// - 2 bytes: sample count, big-endian.
/// - sample 0: timestamp as a zigzag LEB128 varint, value as its raw 64 bits.
/// - sample 1: timestamp delta `t1 - t0` (wrapping, as UInt64) as a LEB128 varint, then the value.
/// - sample n ≥ 2: delta-of-delta `dod = (tn - tn-1) - (tn-1 - tn-2)` (wrapping Int64):
///   `0` for 0; `10` + 5-bit, `110` + 14-bit, `1110` + 20-bit two's complement when it fits;
///   else `1111` + 64 bits. Then the value. (The 5-bit bucket holds the few-ms jitter of real
///   scrapes and remote-write senders, so a jittered sample costs 7 timestamp bits, not 16.)
/// - a value after the first is `x = bits ^ previous bits`: `0` when x is 0; `10` + the
///   significant bits of x inside the current window; `11` + 5-bit leading-zero count +
///   6-bit significant-bit count (0 means 64) + those bits, which sets a new window.
///   The window starts as all 64 bits (leading 0, trailing 0). The encoder reuses the window
///   whenever the XOR fits in it, except a full 64-bit one (as the initial) when a new window
///   is smaller.
/// The stream ends at the last sample; the final byte is zero-padded.
///
/// A value type: copies are independent (copy-on-write bytes). Appending is O(1) amortized.
public struct XORChunk: Sendable {
    /// Most samples a chunk can hold: the header count is 16 bits.
    public static let maxSamples = Int(UInt16.max)

    /// Size of the sample-count header in bytes.
    @usableFromInline static var headerBytes: Int { 2 }

    /// Free bytes required past the write position before an append: the largest sample
    /// (145 bits) plus the writer's 8-byte store, with `BitReader.padding` still left after it.
    @usableFromInline static var appendRoom: Int { 64 }

    /// Why bytes were rejected as a chunk.
    public enum FormatError: Error, Sendable, Equatable {
        /// Fewer than the 2 header bytes.
        case missingHeader
        /// The stream ended (or held an invalid field) before the header's sample count.
        case truncated(decodedSamples: Int, expected: Int)
        /// Decoded timestamps were not strictly increasing.
        case timestampsNotIncreasing(atSample: Int)
    }

    /// Everything the appender updates per sample, apart from the bytes.
    @usableFromInline
    struct Appender: Sendable {
        @usableFromInline var writer: BitWriter
        @usableFromInline var count: Int
        @usableFromInline var firstT: Int64
        @usableFromInline var firstValueBits: UInt64
        /// Decoder state after the second sample, handed to iterators so they skip the varints.
        @usableFromInline var afterSecond: XORChunkIterator.State
        @usableFromInline var lastT: Int64
        /// Previous timestamp delta, wrapping.
        @usableFromInline var delta: UInt64
        @usableFromInline var lastValueBits: UInt64
        /// Current XOR window as leading and trailing zero counts.
        @usableFromInline var leading: Int
        @usableFromInline var trailing: Int

        @inlinable
        init(writer: BitWriter) {
            self.writer = writer
            count = 0
            firstT = 0
            firstValueBits = 0
            afterSecond = XORChunkIterator.State(
                position: writer.bitPosition, t: 0, delta: 0, valueBits: 0, significant: 64, trailing: 0)
            lastT = 0
            delta = 0
            lastValueBits = 0
            leading = 0
            trailing = 0
        }
    }

    /// Header (only up to date in `bytes`), bit stream, then zero bytes: at least `appendRoom`
    /// past the write position.
    @usableFromInline var storage: XORChunkStorage
    @usableFromInline var state: Appender

    /// An empty chunk with room for about 120 typical samples before growing.
    @inlinable
    public init() {
        // 192 bytes: the stream can reach 128 bytes (~120 samples at ~1.1 B/sample) before the
        // first growth.
        storage = XORChunkStorage(zeroedCount: 192)
        state = Appender(writer: BitWriter(bitPosition: Self.headerBytes * 8))
    }

    /// Validates and adopts encoded bytes (for example read from disk); throws on a bad header,
    /// truncation or corrupt fields. Decodes every sample once (~2 µs per 120 samples).
    /// Bits and bytes after the last sample's bits are ignored and dropped.
    public init(bytes: [UInt8]) throws(FormatError) {
        guard bytes.count >= Self.headerBytes else { throw .missingHeader }
        let n = Int(bytes[0]) << 8 | Int(bytes[1])
        // One padded copy to decode from (see `BitReader.padding`), dropped afterwards.
        let padded = bytes.withUnsafeBytes { src in
            XORChunkStorage(
                zeroedCount: bytes.count + BitReader.padding, copying: bytes.count, of: src.baseAddress.unsafelyUnwrapped)
        }
        let endBit = bytes.count * 8
        let h = XORChunkIterator.decodeHead(padded, endBit: endBit)
        typealias State = XORChunkIterator.State
        var last = State(
            position: Self.headerBytes * 8, t: h.firstT, delta: 0, valueBits: h.firstValueBits, significant: 64,
            trailing: 0)
        var afterSecond = last
        if n >= 1 {
            guard h.count >= 1 else { throw .truncated(decodedSamples: 0, expected: n) }
            last = State(position: h.firstEnd, t: h.firstT, delta: 0, valueBits: h.firstValueBits, significant: 64, trailing: 0)
        }
        if n >= 2 {
            guard h.count == n else { throw .truncated(decodedSamples: 1, expected: n) }
            guard h.secondT > h.firstT else { throw .timestampsNotIncreasing(atSample: 1) }
            last = State(
                position: h.secondPosition, t: h.secondT, delta: h.secondDelta, valueBits: h.secondValueBits,
                significant: h.secondSignificant, trailing: h.secondTrailing)
            afterSecond = last
            var s = last
            let failure: FormatError? = padded.withBase { base in
                for i in 2..<n {
                    let prevT = s.t
                    guard XORChunkIterator.decodeCheckedSample(&s, base, endBit: endBit) else {
                        return .truncated(decodedSamples: i, expected: n)
                    }
                    guard s.t > prevT else { return .timestampsNotIncreasing(atSample: i) }
                }
                return nil
            }
            if let failure { throw failure }
            last = s
        }
        let end = last.position
        // Only the stream is kept, its last byte's unused bits zeroed, so `bytes` is canonical
        // and later appends start from clean memory.
        let used = (end + 7) / 8
        var storage = bytes.withUnsafeBytes { src in
            XORChunkStorage(zeroedCount: used + Self.appendRoom, copying: used, of: src.baseAddress.unsafelyUnwrapped)
        }
        var partial: UInt8 = 0
        if end & 7 != 0 {
            partial = bytes[end / 8] & (0xff << (8 - end & 7))
            _ = storage.isUnique()
            storage.withMutableBase { $0.storeBytes(of: partial, toByteOffset: end / 8, as: UInt8.self) }
        }
        var s = Appender(writer: BitWriter(bitPosition: end, partialByte: partial))
        s.count = n
        s.firstT = h.firstT
        s.firstValueBits = h.firstValueBits
        s.afterSecond = afterSecond
        s.lastT = last.t
        s.lastValueBits = last.valueBits
        if n >= 2 {
            s.delta = last.delta
            s.trailing = last.trailing
            s.leading = 64 &- last.significant &- last.trailing
        }
        self.storage = storage
        state = s
    }

    /// Number of samples in the chunk.
    @inlinable
    public var numSamples: Int { state.count }

    /// Timestamp of the first sample; `Int64.max` when empty, so empty chunks overlap nothing.
    @inlinable
    public var minTime: Int64 { state.count == 0 ? .max : state.firstT }

    /// Timestamp of the last sample; `Int64.min` when empty.
    @inlinable
    public var maxTime: Int64 { state.count == 0 ? .min : state.lastT }

    /// The exact encoded bytes (header plus stream, last byte zero-padded); a copy.
    public var bytes: [UInt8] {
        let n = byteCount
        return [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            storage.withBase { out.baseAddress.unsafelyUnwrapped.initialize(from: $0.assumingMemoryBound(to: UInt8.self), count: n) }
            // The header in `storage` is not maintained per append (iterators take the count
            // from the chunk); it is written here.
            out[0] = UInt8(truncatingIfNeeded: state.count >> 8)
            out[1] = UInt8(truncatingIfNeeded: state.count)
            initialized = n
        }
    }

    /// Encoded size in bytes (what `bytes.count` returns, without copying).
    @inlinable
    public var byteCount: Int { (state.writer.bitPosition &+ 7) &>> 3 }

    /// An iterator over the samples; cheap (shares the bytes) and unaffected by later appends.
    @inlinable @inline(__always)
    public func makeIterator() -> XORChunkIterator {
        XORChunkIterator(
            storage: storage, count: state.count, endBit: state.writer.bitPosition, trusted: true,
            first: XORChunkIterator.State(
                position: 0, t: state.firstT, delta: 0, valueBits: state.firstValueBits, significant: 64, trailing: 0),
            second: state.afterSecond)
    }

    /// Appends a sample. The caller guarantees `t` is greater than the last timestamp and that
    /// the chunk holds fewer than `maxSamples` samples.
    @inlinable
    public mutating func append(t: Int64, v: Double) {
        precondition(state.count < Self.maxSamples, "XORChunk is full")
        assert(state.count == 0 || t > state.lastT, "timestamps must be strictly increasing")
        // Shared bytes (a copy of the chunk or an iterator holds them) are copied before writing.
        if _slowPath(!storage.isUnique() || storage.count &- state.writer.byteOffset < Self.appendRoom) {
            storage = Self.grown(storage, usedBytes: state.writer.byteOffset, samples: state.count)
        }
        Self.append(t: t, bits: v.bitPattern, storage, &state)
    }

    /// Static with `state` as the only inout argument so the closure can mutate it in place
    /// (a closure capturing `self` would overlap the access to `storage`).
    @inlinable @inline(__always)
    static func append(t: Int64, bits: UInt64, _ storage: XORChunkStorage, _ state: inout Appender) {
        storage.withMutableBase { state.append(t: t, bits: bits, to: $0) }
    }

    /// A private copy of the zero-filled storage with `appendRoom` bytes of room for the next
    /// appends. (Static on the bytes alone, so `state` need not be in memory around the call.)
    @usableFromInline
    static func grown(_ storage: XORChunkStorage, usedBytes: Int, samples: Int) -> XORChunkStorage {
        var newCount = storage.count
        if newCount &- usedBytes < appendRoom {
            // Size for a 120-sample chunk (the usual cut) at the rate so far, and at least double:
            // one reallocation for most chunks, O(1) amortized appends beyond.
            let projected = samples > 0 ? usedBytes / samples * 120 + usedBytes % samples * 120 / samples : 0
            newCount = max(newCount &* 2, projected &+ appendRoom)
        }
        // Everything past the write position is zero already; copying it all keeps that.
        return storage.withBase { XORChunkStorage(zeroedCount: newCount, copying: storage.count, of: $0) }
    }
}

extension XORChunk.Appender {
    /// Encodes one sample at the writer's position in `base`.
    @inlinable @inline(__always)
    mutating func append(t: Int64, bits: UInt64, to base: UnsafeMutableRawPointer) {
        if _fastPath(count >= 2) {
            let d = UInt64(bitPattern: t &- lastT)
            appendRegular(dod: d &- delta, bits: bits, to: base)
            delta = d
        } else if count == 0 {
            writer.writeUVarint(UInt64(bitPattern: (t &<< 1) ^ (t &>> 63)), to: base)
            writer.writeWide(bits, count: 64, to: base)
            firstT = t
            firstValueBits = bits
        } else {
            let d = UInt64(bitPattern: t &- lastT)
            writer.writeUVarint(d, to: base)
            let (code, codeBits, payload, payloadBits) = encodeValue(bits)
            writer.write(code, count: codeBits, to: base)
            writer.writeWide(payload, count: payloadBits, to: base)
            delta = d
            afterSecond = XORChunkIterator.State(
                position: writer.bitPosition, t: t, delta: d, valueBits: bits,
                significant: 64 &- leading &- trailing, trailing: trailing)
        }
        lastT = t
        lastValueBits = bits
        count &+= 1
    }

    /// Encodes the delta-of-delta and value of a sample after the second: one write when the
    /// sample fits 56 bits, else the timestamp code plus value control bits, then the payload.
    @inlinable @inline(__always)
    mutating func appendRegular(dod: UInt64, bits: UInt64, to base: UnsafeMutableRawPointer) {
        if _slowPath(dod &+ (1 << 13) >= (1 << 14)) {
            // Irregular timestamps: the wider buckets, off the regular path.
            // By value: passing `writer`'s address would pin it to memory on the regular path.
            writer = Self.writingWideDeltaOfDelta(dod, writer, to: base)
            let (code, codeBits, payload, payloadBits) = encodeValue(bits)
            writer.write(code, count: codeBits, to: base)
            writer.writeWide(payload, count: payloadBits, to: base)
            return
        }
        // '0', '10' + 5 bits or '110' + 14 bits, without branches or selects (the compiler
        // turns selects into branches), as with jittered scrapes which one comes next is
        // unpredictable: the bucket number (0, 1, 2) picks a byte of constants holding the
        // code's width, its payload width and its prefix.
        let over = (dod &+ 16) &>> 5
        let bucket = ((dod | (0 &- dod)) &>> 63 &+ (over | (0 &- over)) &>> 63) &<< 3
        let tsBits = Int(truncatingIfNeeded: (0x11_07_01 as UInt64) &>> bucket & 0xff)
        let width = (0x0e_05_00 as UInt64) &>> bucket & 0xff
        let prefix = (0x06_02_00 as UInt64) &>> bucket & 0xff
        let tsCode = prefix &<< width | dod & ((1 &<< width) &- 1)
        let (code, codeBits, payload, payloadBits) = encodeValue(bits)
        // Timestamp code and value control bits: at most 17 + 13 bits.
        let head = tsCode &<< UInt64(truncatingIfNeeded: codeBits) | code
        let headBits = tsBits &+ codeBits
        if headBits &+ payloadBits <= BitWriter.maxFieldBits {
            // The whole sample in one write: constants, counters, most small changes.
            writer.write(
                head &<< UInt64(truncatingIfNeeded: payloadBits) | payload, count: headBits &+ payloadBits, to: base)
        } else {
            writer.write(head, count: headBits, to: base)
            writer.writeWide(payload, count: payloadBits, to: base)
        }
    }

    /// Writes a delta-of-delta outside ±2^13: '1110' + 20 bits or '1111' + 64.
    @usableFromInline
    static func writingWideDeltaOfDelta(
        _ dod: UInt64, _ w: BitWriter, to base: UnsafeMutableRawPointer
    ) -> BitWriter {
        var writer = w
        if dod &+ (1 << 19) < (1 << 20) {
            writer.write(0b1110 << 20 | dod & 0xf_ffff, count: 24, to: base)
        } else {
            writer.write(0b1111, count: 4, to: base)
            writer.writeWide(dod, count: 64, to: base)
        }
        return writer
    }

    /// The control bits and payload for value `bits`, updating the XOR window.
    @inlinable @inline(__always)
    mutating func encodeValue(_ bits: UInt64) -> (code: UInt64, codeBits: Int, payload: UInt64, payloadBits: Int) {
        let x = bits ^ lastValueBits
        if x == 0 { return (0, 1, 0, 0) }
        // 5 bits hold at most 31 leading zeros; extra zeros become significant bits. (Setting
        // bit 32 caps the count at 31 without a branch.)
        let lead = (x | 1 &<< 32).leadingZeroBitCount
        let trail = x.trailingZeroBitCount
        let windowSig = 64 &- leading &- trailing
        let newSig = 64 &- lead &- trail
        // Reuse the window whenever the XOR fits, as Prometheus does: fewer '11' headers make
        // decoding ~10% faster for ~1% more bytes than picking the smaller encoding each time.
        // A full window (2 + 64 bits, e.g. the initial one) is only kept when a new one
        // (13 + newSig) is not smaller. A branch measured faster than masks here.
        let slack = windowSig == 64 ? 11 : 64
        if (lead &- leading) | (trail &- trailing) | (newSig &+ slack &- windowSig) >= 0 {
            return (0b10, 2, x &>> UInt64(truncatingIfNeeded: trailing), windowSig)
        }
        leading = lead
        trailing = trail
        let header = UInt64(truncatingIfNeeded: 0b11 << 11 | lead << 6 | newSig & 63)
        return (header, 13, x &>> UInt64(truncatingIfNeeded: trail), newSig)
    }
}
