/// On-disk constants and naming of the WAL (see docs/format/wal.md).
public enum WALFormat {
    /// Segment magic bytes "TMWL".
    public static let magic: [UInt8] = [0x54, 0x4D, 0x57, 0x4C]
    /// Format version written in every segment header.
    public static let version: UInt8 = 1
    /// Bytes of the segment header: magic (4), version (1), ~version (1), reserved zeros (2).
    ///
    /// The complement tells a flipped version bit (damage) from a real newer version (refused).
    public static let segmentHeaderSize = 8
    /// Bytes of a record header: type (1), flags (1), payload length u32 LE (4), CRC32C u32 LE (4).
    public static let recordHeaderSize = 10
    /// Largest stored or decompressed payload accepted (guards allocations on untrusted input).
    public static let maxPayloadSize = 256 << 20
    /// Flags bit 0: the payload is `uvarint(raw length)` followed by an LZ4 block.
    public static let flagLZ4: UInt8 = 1
    /// Default segment size limit.
    public static let defaultSegmentSize = 128 << 20

    /// File name of segment `index`: zero-padded to 8 digits.
    public static func segmentName(_ index: Int) -> String { pad8(index) }
    /// Directory name of the checkpoint covering segments up to `index`.
    public static func checkpointName(_ index: Int) -> String { "checkpoint." + pad8(index) }

    /// Index of a segment file name (all digits, at least 8), or nil.
    public static func segmentIndex(_ name: String) -> Int? {
        guard name.utf8.count >= 8, name.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(name)
    }

    /// Index of a finished checkpoint directory name (`checkpoint.NNNNNNNN`), or nil.
    public static func checkpointIndex(_ name: String) -> Int? {
        guard name.hasPrefix("checkpoint.") else { return nil }
        return segmentIndex(String(name.dropFirst("checkpoint.".count)))
    }

    static func pad8(_ i: Int) -> String {
        let s = String(i)
        return s.count >= 8 ? s : String(repeating: "0", count: 8 - s.count) + s
    }

    /// The segment header bytes.
    static var segmentHeader: [UInt8] { magic + [version, ~version, 0, 0] }
}

/// Varint and zigzag primitives of the WAL payload encodings.
enum WALVarint {
    /// Maps signed to unsigned so small magnitudes of either sign get short varints.
    @inline(__always) static func zigzag(_ x: Int64) -> UInt64 { UInt64(bitPattern: (x << 1) ^ (x >> 63)) }
    /// Inverse of `zigzag`.
    @inline(__always) static func unzigzag(_ u: UInt64) -> Int64 {
        Int64(bitPattern: u >> 1) ^ (0 &- Int64(bitPattern: u & 1))
    }
    /// Bytes `put` uses for `v`.
    @inline(__always) static func size(_ v: UInt64) -> Int {
        // 1 + floor(bits/7), with v|1 so 0 takes one byte.
        (64 - (v | 1).leadingZeroBitCount + 6) / 7
    }
    /// Writes `v` at `p + off` (caller guarantees 10 bytes of room) and advances `off`.
    @inline(__always) static func put(_ p: UnsafeMutableRawPointer, _ off: inout Int, _ v: UInt64) {
        var v = v
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: off, as: UInt8.self)
            v >>= 7
            off += 1
        }
        p.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: off, as: UInt8.self)
        off += 1
    }
    /// Reads a varint from `p[off..<end]`; throws on running out of bytes or past 64 bits.
    @inline(__always) static func get(_ p: UnsafeRawPointer, _ off: inout Int, _ end: Int) throws(WALDecodeError) -> UInt64 {
        let start = off
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while off < end {
            let b = p.load(fromByteOffset: off, as: UInt8.self)
            off += 1
            if shift == 63 && b > 1 { throw .badVarint(offset: start) }
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return result }
            shift += 7
            if shift > 63 { throw .badVarint(offset: start) }
        }
        throw .badVarint(offset: start)
    }
}
