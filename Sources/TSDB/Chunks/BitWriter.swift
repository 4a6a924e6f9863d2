/// Appends bit fields most-significant-bit first to a byte array through a 64-bit accumulator.
///
/// Layout of `storage`: `base` caller-owned bytes (a chunk header), then every completed 64-bit
/// word stored big-endian, then an 8-byte slot for the pending word, then at least `padding`
/// zero bytes. Bits go into `acc` and whole words are stored, so no byte is ever read back and
/// modified. `sync()` stores the pending word into its slot so `storage` is readable as a
/// contiguous stream at any time; the padding lets readers load past the last bit unchecked.
@usableFromInline
struct BitWriter: Sendable {
    /// Header bytes, completed words, the pending-word slot and zero padding.
    @usableFromInline var storage: [UInt8]
    /// Number of caller-owned bytes before the bit stream.
    @usableFromInline let base: Int
    /// Zero bytes kept after the pending-word slot.
    @usableFromInline let padding: Int
    /// Pending bits, left-aligned: the next bit goes at position 63 - accBits.
    @usableFromInline var acc: UInt64
    /// Number of valid bits in `acc`, always in 0..<64.
    @usableFromInline var accBits: Int
    /// Number of completed words stored in `storage`.
    @usableFromInline var fullWords: Int

    /// Bytes added each time the storage runs out: whole words, so growth stays rare.
    @usableFromInline static var growthBytes: Int { 64 }

    /// An empty writer with `base` zeroed header bytes, room for `initialWords` words and
    /// `padding` zero bytes after the stream.
    @inlinable
    init(base: Int, initialWords: Int, padding: Int) {
        self.base = base
        self.padding = padding
        storage = [UInt8](repeating: 0, count: base + 8 * max(initialWords, 1) + padding)
        acc = 0
        accBits = 0
        fullWords = 0
    }

    /// A writer that continues the stream of `bitCount` bits that follows `base` header bytes in
    /// `bytes`; bits past `bitCount` in `bytes` are ignored. Requires `bytes` to hold them all.
    @usableFromInline
    init(resuming bytes: [UInt8], base: Int, bitCount: Int, padding: Int) {
        self.base = base
        self.padding = padding
        fullWords = bitCount / 64
        accBits = bitCount % 64
        let kept = base + 8 * fullWords
        storage = Array(bytes[0..<kept])
        storage.append(contentsOf: repeatElement(0, count: 8 + padding + Self.growthBytes))
        // Gather the partial word byte by byte; this runs once per resumed chunk.
        var word: UInt64 = 0
        for i in 0..<8 where kept + i < bytes.count {
            word |= UInt64(bytes[kept + i]) << (56 - 8 * i)
        }
        acc = accBits == 0 ? 0 : word & ~(UInt64.max >> accBits)
        sync()
    }

    /// Number of bits written after the header.
    @inlinable
    var bitCount: Int { fullWords &* 64 &+ accBits }

    /// Number of bytes the written bits occupy including the header.
    @inlinable
    var byteCount: Int { base &+ (bitCount &+ 7) &>> 3 }

    /// Appends the low `count` bits of `bits` (count in 0...64; higher bits of `bits` must be zero).
    @inlinable @inline(__always)
    mutating func write(_ bits: UInt64, count: Int) {
        let free = 64 &- accBits  // 1...64
        if count < free {
            // &<< by `free - count` (1...64) is safe: with count == 0, bits is 0.
            acc |= bits &<< UInt64(truncatingIfNeeded: free &- count)
            accBits &+= count
            return
        }
        let rest = count &- free  // 0...63 bits that spill into the next word
        acc |= bits &>> UInt64(truncatingIfNeeded: rest)
        storeFullWord()
        acc = rest == 0 ? 0 : bits &<< UInt64(truncatingIfNeeded: 64 &- rest)
        accBits = rest
    }

    /// Appends one byte; used for the byte-aligned varint header fields.
    @inlinable
    mutating func writeByte(_ b: UInt8) {
        write(UInt64(b), count: 8)
    }

    /// Stores the full accumulator as the next completed word and opens a new pending slot.
    @inlinable
    mutating func storeFullWord() {
        let offset = base &+ fullWords &* 8
        // Keep room for the new pending slot plus the padding.
        if _slowPath(offset &+ 16 &+ padding > storage.count) {
            storage.append(contentsOf: repeatElement(0, count: Self.growthBytes))
        }
        let word = acc.bigEndian
        storage.withUnsafeMutableBytes { $0.storeBytes(of: word, toByteOffset: offset, as: UInt64.self) }
        fullWords &+= 1
    }

    /// Stores the pending word into its slot so `storage` holds every written bit.
    @inlinable
    mutating func sync() {
        let offset = base &+ fullWords &* 8
        let word = acc.bigEndian
        storage.withUnsafeMutableBytes { $0.storeBytes(of: word, toByteOffset: offset, as: UInt64.self) }
    }

    /// Stores the pending word and a big-endian 16-bit header at byte 0 in one pass.
    @inlinable
    mutating func sync(header: UInt16) {
        let offset = base &+ fullWords &* 8
        let word = acc.bigEndian
        let h = header.bigEndian
        storage.withUnsafeMutableBytes { buf in
            buf.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
            buf.storeBytes(of: h, toByteOffset: 0, as: UInt16.self)
        }
    }

    /// Appends `value` as an unsigned LEB128 varint (1 to 10 bytes).
    @inlinable
    mutating func writeUVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            writeByte(UInt8(truncatingIfNeeded: v) | 0x80)
            v &>>= 7
        }
        writeByte(UInt8(truncatingIfNeeded: v))
    }
}
