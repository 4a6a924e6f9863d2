/// Reads bit fields most-significant-bit first from a zero-padded byte buffer by absolute bit
/// position.
///
/// Each `peek` refills a 64-bit window with one unaligned big-endian 8-byte load at the current
/// byte, so at least 57 bits are valid after the in-byte shift. Keeping only a position (no
/// carried buffer) keeps the hot path to a load, a byte swap and a shift, and lets the CPU start
/// the next load as soon as the position is known.
///
/// Memory safety contract: the buffer has `padding` readable bytes past the byte holding
/// `position` whenever a read starts (`XORChunk` keeps that many zero bytes after the stream and
/// stops decoding once the position passes the end of the stream), so loads need no bounds
/// check. `padding` covers the largest single sample (145 bits) plus the 8-byte load.
@usableFromInline
struct BitReader: Sendable {
    /// Zero bytes that must follow the last stream byte.
    @usableFromInline static var padding: Int { 32 }

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
