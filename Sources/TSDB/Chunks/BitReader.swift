/// Reads bit fields most-significant-bit first from a zero-padded byte buffer by absolute bit
/// position.
///
/// Each `peek` reads a 64-bit window with one unaligned big-endian 8-byte load at the current
/// byte, so at least 57 bits are valid after the in-byte shift. Used for the chunk header, the
/// first two samples, rare wide fields and untrusted bytes; `XORChunkIterator`'s hot path
/// decodes from its own register window instead.
///
/// Memory safety contract: every load reads the 8 bytes starting at the byte holding the bit
/// it starts at, so the buffer needs readable zero padding after the stream:
/// - `validStreamPadding` (7) bytes when the stream is known to be valid (encoded here, or
///   validated): then every load starts at or before the stream's last byte (reads start at a
///   bit inside a field that exists; `XORChunkIterator` refills its window from at most the
///   last byte), so its other 7 bytes are the most it reads past the stream.
/// - `padding` (32) bytes for untrusted bytes: the decoder only checks the position after a
///   whole sample, so a corrupt sample starting at the end is read in full first. The widest
///   reads reach 23 bytes past the end (the second sample: a 10-byte varint, then a 77-bit
///   value; a later one: 145 bits, 22 bytes); 32 leaves headroom.
@usableFromInline
struct BitReader: Sendable {
    /// Zero bytes that must follow the last byte of an untrusted stream.
    @usableFromInline static var padding: Int { 32 }

    /// Zero bytes that must follow the last byte of a stream known to be valid.
    @usableFromInline static var validStreamPadding: Int { 7 }

    /// Absolute bit position of the next bit to read.
    @usableFromInline var position: Int

    /// A reader at bit `position`.
    @inlinable
    init(position: Int) {
        self.position = position
    }

    /// The 64 bits starting at `position` of `base`; the top 57 or more are stream bits.
    @inlinable @inline(__always)
    static func peek(_ base: UnsafeRawPointer, _ position: Int) -> UInt64 {
        let word = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: position &>> 3, as: UInt64.self))
        return word &<< UInt64(truncatingIfNeeded: position & 7)
    }

    /// Reads `count` bits (1...64), returned right-aligned.
    @inlinable @inline(__always)
    mutating func read(_ count: Int, _ base: UnsafeRawPointer) -> UInt64 {
        let v = Self.peekBits(base, position, count)
        position &+= count
        return v
    }

    /// The `count` bits (1...64) at `position`, right-aligned.
    @inlinable @inline(__always)
    static func peekBits(_ base: UnsafeRawPointer, _ position: Int, _ count: Int) -> UInt64 {
        if _fastPath(count <= 57) {
            return peek(base, position) &>> UInt64(truncatingIfNeeded: 64 &- count)
        }
        // Wider than one window guarantees: the top 32 bits, then the rest.
        let low = count &- 32
        let high = peek(base, position) &>> 32
        return high &<< UInt64(truncatingIfNeeded: low)
            | peek(base, position &+ 32) &>> UInt64(truncatingIfNeeded: 64 &- low)
    }

    /// Reads an unsigned LEB128 varint of at most 10 bytes; nil when longer or over 64 bits.
    @inlinable
    mutating func readUVarint(_ base: UnsafeRawPointer) -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 64 {
            let b = read(8, base)
            // The 10th byte may only carry the single remaining bit.
            if shift == 63 && b > 1 { return nil }
            result |= (b & 0x7f) &<< shift
            if b < 0x80 { return result }
            shift &+= 7
        }
        return nil
    }
}
