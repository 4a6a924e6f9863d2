/// Appends bit fields most-significant-bit first into caller-owned memory through a 64-bit
/// accumulator.
///
/// The accumulator holds the 0...7 bits of the unfinished byte at its top. Each `write` ORs the
/// field in below them, stores the whole 64-bit accumulator big-endian at `byteOffset` (one
/// unaligned store, never a read-modify-write of memory), then advances past the completed bytes.
/// There is no branch on how full the accumulator is, and memory always holds every written bit
/// (the unfinished byte included), so readers need no flush. The 8-byte store writes zeros past
/// the last bit, so the caller keeps at least 8 writable bytes after `byteOffset`.
@usableFromInline
struct BitWriter: Sendable {
    /// Largest field `write` accepts: with up to 7 pending bits it still fits the accumulator.
    @usableFromInline static var maxFieldBits: Int { 56 }

    /// Offset of the first byte that is not complete yet.
    @usableFromInline var byteOffset: Int
    /// Pending bits of the unfinished byte, left-aligned; the bits below them are zero.
    @usableFromInline var acc: UInt64
    /// Number of pending bits in `acc` (0...7).
    @usableFromInline var pendingBits: Int

    /// A writer whose first bit goes to bit `bitPosition` of the buffer; `partialByte` holds the
    /// bits already in that byte (bits past the position are ignored).
    @inlinable
    init(bitPosition: Int, partialByte: UInt8 = 0) {
        byteOffset = bitPosition &>> 3
        pendingBits = bitPosition & 7
        let kept = pendingBits == 0 ? 0 : UInt64(partialByte) & (0xff &<< UInt64(8 &- pendingBits)) & 0xff
        acc = kept &<< 56
    }

    /// Absolute bit position of the next bit written.
    @inlinable
    var bitPosition: Int { byteOffset &* 8 &+ pendingBits }

    /// Appends the low `count` bits of `bits` (count 0...56; higher bits of `bits` must be zero).
    @inlinable @inline(__always)
    mutating func write(_ bits: UInt64, count: Int, to base: UnsafeMutableRawPointer) {
        // count == 0 (then bits == 0) shifts by 64, which &<< turns into 0: still a no-op.
        acc |= bits &<< UInt64(truncatingIfNeeded: 64 &- pendingBits &- count)
        let filled = pendingBits &+ count
        base.storeBytes(of: acc.bigEndian, toByteOffset: byteOffset, as: UInt64.self)
        byteOffset &+= filled &>> 3
        acc = acc &<< UInt64(truncatingIfNeeded: filled & ~7)
        pendingBits = filled & 7
    }

    /// Appends the low `count` bits of `bits` for any count in 0...64.
    @inlinable @inline(__always)
    mutating func writeWide(_ bits: UInt64, count: Int, to base: UnsafeMutableRawPointer) {
        if _fastPath(count <= Self.maxFieldBits) {
            write(bits, count: count, to: base)
        } else {
            let low = count &- 32
            write(bits &>> UInt64(truncatingIfNeeded: low), count: 32, to: base)
            write(bits & (UInt64.max &>> UInt64(truncatingIfNeeded: 64 &- low)), count: low, to: base)
        }
    }

    /// Appends `value` as an unsigned LEB128 varint (1 to 10 bytes).
    @inlinable @inline(__always)
    mutating func writeUVarint(_ value: UInt64, to base: UnsafeMutableRawPointer) {
        var v = value
        while v >= 0x80 {
            write(v & 0x7f | 0x80, count: 8, to: base)
            v &>>= 7
        }
        write(v, count: 8, to: base)
    }
}
