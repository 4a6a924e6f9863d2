/// A Gorilla-style compressed chunk of float samples: delta-of-delta timestamps, XORed values.
///
/// Format (bit stream, most significant bit first):
/// - 2 bytes: sample count, big-endian.
/// - sample 0: timestamp as a zigzag LEB128 varint, value as its raw 64 bits.
/// - sample 1: timestamp delta `t1 - t0` (wrapping, as UInt64) as a LEB128 varint, then the value.
/// - sample n ≥ 2: delta-of-delta `dod = (tn - tn-1) - (tn-1 - tn-2)` (wrapping Int64):
///   `0` for 0; `10` + 14-bit, `110` + 17-bit, `1110` + 20-bit two's complement when it fits;
///   else `1111` + 64 bits. Then the value.
/// - a value after the first is `x = bits ^ previous bits`: `0` when x is 0; `10` + the
///   significant bits of x inside the current window; `11` + 5-bit leading-zero count +
///   6-bit significant-bit count (0 means 64) + those bits, which sets a new window.
///   The window starts as all 64 bits (leading 0, trailing 0).
/// The stream ends at the last sample; the final byte is zero-padded.
///
/// A value type: copies are independent (copy-on-write bytes). Appending is O(1) amortized.
public struct XORChunk: Sendable {
    /// Most samples a chunk can hold: the header count is 16 bits.
    public static let maxSamples = Int(UInt16.max)

    /// Size of the sample-count header in bytes.
    @usableFromInline static var headerBytes: Int { 2 }

    /// Why bytes were rejected as a chunk.
    public enum FormatError: Error, Sendable, Equatable {
        /// Fewer than the 2 header bytes.
        case missingHeader
        /// The stream ended (or held an invalid field) before the header's sample count.
        case truncated(decodedSamples: Int, expected: Int)
        /// Decoded timestamps were not strictly increasing.
        case timestampsNotIncreasing(atSample: Int)
    }

    /// The encoded bytes being appended to; see `BitWriter` for the layout.
    @usableFromInline var writer: BitWriter
    /// Set for a chunk made from external bytes: `writer.storage` holds them verbatim and the
    /// writer's word state is rebuilt on the first append.
    @usableFromInline var needsResume: Bool
    /// Absolute bit position where the encoded stream ends.
    @usableFromInline var endBit: Int
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

    /// An empty chunk with room for about 120 typical samples before growing.
    @inlinable
    public init() {
        // 20 words = 160 bytes: ~120 samples at the ~1.3 B/sample of real scrapes.
        writer = BitWriter(base: Self.headerBytes, initialWords: 20, padding: BitReader.padding)
        needsResume = false
        endBit = Self.headerBytes * 8
        count = 0
        firstT = 0
        firstValueBits = 0
        afterSecond = XORChunkIterator.State(
            position: 0, t: 0, delta: 0, valueBits: 0, significant: 64, trailing: 0)
        lastT = 0
        delta = 0
        lastValueBits = 0
        leading = 0
        trailing = 0
    }

    /// Validates and adopts encoded bytes (for example read from disk); throws on a bad header,
    /// truncation or corrupt fields. Decodes every sample once (about 1 µs per 120 samples).
    /// Bytes after the last sample's bits are ignored and dropped.
    public init(bytes: [UInt8]) throws(FormatError) {
        guard bytes.count >= Self.headerBytes else { throw .missingHeader }
        let n = Int(bytes[0]) << 8 | Int(bytes[1])
        // The iterator copies the bytes once, adding the zero padding readers rely on.
        var it = XORChunkIterator(unvalidatedBytes: bytes)
        let second = it.state
        var decoded = 0
        var prevT = Int64.min
        while it.next() {
            if decoded > 0 && it.timestamp <= prevT { throw .timestampsNotIncreasing(atSample: decoded) }
            prevT = it.timestamp
            decoded += 1
        }
        guard decoded == n else { throw .truncated(decodedSamples: decoded, expected: n) }
        let last = it.state
        writer = BitWriter(base: Self.headerBytes, initialWords: 1, padding: BitReader.padding)
        writer.storage = it.storage
        needsResume = true
        count = n
        firstT = it.firstT
        firstValueBits = it.firstValueBits
        afterSecond = second
        if n <= 1 {
            // No second sample: the state holds just the position after the decoded prefix.
            endBit = second.position
            lastT = firstT
            lastValueBits = firstValueBits
            delta = 0
            trailing = 0
            leading = 0
        } else {
            endBit = last.position
            lastT = last.t
            lastValueBits = last.valueBits
            delta = last.delta
            trailing = last.trailing
            leading = 64 &- last.significant &- last.trailing
        }
    }

    /// Number of samples in the chunk.
    @inlinable
    public var numSamples: Int { count }

    /// Timestamp of the first sample; `Int64.max` when empty, so empty chunks overlap nothing.
    @inlinable
    public var minTime: Int64 { count == 0 ? .max : firstT }

    /// Timestamp of the last sample; `Int64.min` when empty.
    @inlinable
    public var maxTime: Int64 { count == 0 ? .min : lastT }

    /// The exact encoded bytes (header plus stream, last byte zero-padded); a copy.
    public var bytes: [UInt8] {
        Array(writer.storage[0..<byteCount])
    }

    /// Encoded size in bytes (what `bytes.count` returns, without copying).
    @inlinable
    public var byteCount: Int { (endBit &+ 7) &>> 3 }

    /// An iterator over the samples; cheap (shares the bytes) and unaffected by later appends.
    @inlinable
    public func makeIterator() -> XORChunkIterator {
        XORChunkIterator(
            storage: writer.storage, count: count, endBit: endBit, firstT: firstT,
            firstValueBits: firstValueBits, afterSecond: afterSecond)
    }

    /// Appends a sample. The caller guarantees `t` is greater than the last timestamp and that
    /// the chunk holds fewer than `maxSamples` samples.
    @inlinable
    public mutating func append(t: Int64, v: Double) {
        precondition(count < Self.maxSamples, "XORChunk is full")
        assert(count == 0 || t > lastT, "timestamps must be strictly increasing")
        if _slowPath(needsResume) { resumeWriter() }
        let bits = v.bitPattern
        if _fastPath(count >= 2) {
            let d = UInt64(bitPattern: t &- lastT)
            writeDeltaOfDelta(Int64(bitPattern: d &- delta))
            delta = d
            writeValue(bits)
        } else if count == 0 {
            let zigzag = UInt64(bitPattern: (t &<< 1) ^ (t &>> 63))
            writer.writeUVarint(zigzag)
            writer.write(bits, count: 64)
            firstT = t
            firstValueBits = bits
        } else {
            let d = UInt64(bitPattern: t &- lastT)
            writer.writeUVarint(d)
            delta = d
            writeValue(bits)
            afterSecond = XORChunkIterator.State(
                position: writer.base &* 8 &+ writer.bitCount, t: t, delta: d, valueBits: bits,
                significant: 64 &- leading &- trailing, trailing: trailing)
        }
        lastT = t
        lastValueBits = bits
        count &+= 1
        endBit = writer.base &* 8 &+ writer.bitCount
        writer.sync(header: UInt16(truncatingIfNeeded: count))
    }

    /// Encodes a delta-of-delta into the smallest bucket that holds it.
    @inlinable @inline(__always)
    mutating func writeDeltaOfDelta(_ dod: Int64) {
        let u = UInt64(bitPattern: dod)
        if dod == 0 {
            writer.write(0, count: 1)
        } else if u &+ (1 << 13) < (1 << 14) {
            writer.write(0b10 << 14 | (u & 0x3fff), count: 16)
        } else if u &+ (1 << 16) < (1 << 17) {
            writer.write(0b110 << 17 | (u & 0x1_ffff), count: 20)
        } else if u &+ (1 << 19) < (1 << 20) {
            writer.write(0b1110 << 20 | (u & 0xf_ffff), count: 24)
        } else {
            writer.write(0b1111, count: 4)
            writer.write(u, count: 64)
        }
    }

    /// Encodes a value XORed with the previous one, reusing the window when that is no larger.
    @inlinable @inline(__always)
    mutating func writeValue(_ bits: UInt64) {
        let x = bits ^ lastValueBits
        if x == 0 {
            writer.write(0, count: 1)
            return
        }
        // 5 bits hold at most 31 leading zeros; extra zeros become significant bits.
        let lead = min(x.leadingZeroBitCount, 31)
        let trail = x.trailingZeroBitCount
        let windowSig = 64 &- leading &- trailing
        let newSig = 64 &- lead &- trail
        // Reuse costs 2 + windowSig bits, a new window 13 + newSig.
        if lead >= leading && trail >= trailing && windowSig <= newSig &+ 1000 {
            let payload = x &>> UInt64(truncatingIfNeeded: trailing)
            if windowSig <= 62 {
                writer.write(0b10 &<< UInt64(truncatingIfNeeded: windowSig) | payload, count: windowSig &+ 2)
            } else {
                writer.write(0b10, count: 2)
                writer.write(payload, count: windowSig)
            }
        } else {
            leading = lead
            trailing = trail
            let header = UInt64(0b11 << 11 | lead << 6 | (newSig & 63))
            let payload = x &>> UInt64(truncatingIfNeeded: trail)
            if newSig <= 51 {
                writer.write(header &<< UInt64(truncatingIfNeeded: newSig) | payload, count: newSig &+ 13)
            } else {
                writer.write(header, count: 13)
                writer.write(payload, count: newSig)
            }
        }
    }

    /// Rebuilds the writer's word-aligned state from adopted bytes before the first append.
    @usableFromInline
    mutating func resumeWriter() {
        let base = Self.headerBytes
        writer = BitWriter(
            resuming: writer.storage, base: base, bitCount: endBit &- base &* 8, padding: BitReader.padding)
        needsResume = false
    }
}
