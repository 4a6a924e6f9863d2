/// Why a cold-encoded byte sequence could not be decoded.
public enum ColdFormatError: Error, Sendable, Equatable {
    /// The data ended before the structure did.
    case truncated
    /// A value is out of its allowed range or inconsistent (detail says which).
    case invalid(String)
}

/// Growable little-endian byte sink with LEB128 varints, used by all cold encoders.
public struct ColdByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// Empty writer with room for `capacity` bytes.
    public init(capacity: Int = 0) { bytes = []; bytes.reserveCapacity(capacity) }

    /// Number of bytes written so far.
    @inlinable public var count: Int { bytes.count }

    /// Appends one byte.
    @inlinable public mutating func u8(_ v: UInt8) { bytes.append(v) }

    /// Appends a little-endian UInt32.
    @inlinable public mutating func u32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a little-endian UInt64.
    @inlinable public mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends an unsigned LEB128 varint.
    @inlinable public mutating func uvarint(_ v: UInt64) {
        var x = v
        while x >= 0x80 { bytes.append(UInt8(truncatingIfNeeded: x) | 0x80); x >>= 7 }
        bytes.append(UInt8(x))
    }

    /// Appends a zigzag-encoded signed varint.
    @inlinable public mutating func zvarint(_ v: Int64) { uvarint(ColdZigZag.encode(v)) }

    /// Appends raw bytes.
    @inlinable public mutating func append<S: Sequence>(contentsOf s: S) where S.Element == UInt8 { bytes.append(contentsOf: s) }

    /// Overwrites 4 bytes at `offset` with a little-endian UInt32 (for back-patched lengths).
    @inlinable public mutating func patchU32(at offset: Int, _ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { src in for i in 0..<4 { bytes[offset + i] = src[i] } }
    }

    /// Forgets the content, keeping the capacity.
    @inlinable public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }
}

/// Zigzag mapping of signed to unsigned integers (small magnitudes → small codes).
public enum ColdZigZag {
    /// Signed → unsigned.
    @inlinable public static func encode(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }
    /// Unsigned → signed.
    @inlinable public static func decode(_ u: UInt64) -> Int64 { Int64(bitPattern: u >> 1) ^ -Int64(bitPattern: u & 1) }
    /// Bytes the zigzag varint of `v` takes.
    @inlinable public static func varintSize(_ v: Int64) -> Int { ColdByteReader.uvarintSize(encode(v)) }
}

/// Bounds-checked little-endian reader over borrowed bytes; every read throws on truncation.
public struct ColdByteReader {
    /// The bytes being read (borrowed: the owner must keep them alive).
    public let base: UnsafeRawBufferPointer
    /// Next read position.
    public var position: Int

    /// Reader over `base` starting at `position`.
    @inlinable public init(_ base: UnsafeRawBufferPointer, position: Int = 0) { self.base = base; self.position = position }

    /// Bytes left to read.
    @inlinable public var remaining: Int { base.count - position }

    /// Reads one byte.
    @inlinable public mutating func u8() throws(ColdFormatError) -> UInt8 {
        guard position >= 0, position < base.count else { throw .truncated }
        defer { position += 1 }
        return base[position]
    }

    /// Reads a little-endian UInt32.
    @inlinable public mutating func u32() throws(ColdFormatError) -> UInt32 {
        guard position >= 0, base.count - position >= 4 else { throw .truncated }
        defer { position += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt32.self))
    }

    /// Reads a little-endian UInt64.
    @inlinable public mutating func u64() throws(ColdFormatError) -> UInt64 {
        guard position >= 0, base.count - position >= 8 else { throw .truncated }
        defer { position += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: position, as: UInt64.self))
    }

    /// Reads an unsigned LEB128 varint (at most 10 bytes).
    @inlinable @inline(__always) public mutating func uvarint() throws(ColdFormatError) -> UInt64 {
        // Most varints in chunk and index data take one to three bytes: keep those inline in the
        // callers' loops. The rest goes out of line by value (not `inout self`), so a caller's
        // reader can stay in registers.
        let p = position
        if p >= 0 && p &+ 3 < base.count {
            // Branch-free up to three bytes: the length mix is data-dependent and mispredicts.
            let w = UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: p, as: UInt32.self)))
            let b0 = w & 0xff, b1 = (w &>> 8) & 0xff, b2 = (w &>> 16) & 0xff
            let m0 = b0 &>> 7, m1 = m0 & (b1 &>> 7)
            if m1 & (b2 &>> 7) == 0 {
                position = p &+ 1 &+ Int(truncatingIfNeeded: m0 &+ m1)
                return (b0 & 0x7f) | (((b1 & 0x7f) &<< 7) & (0 &- m0)) | ((b2 &<< 14) & (0 &- m1))
            }
        } else if p >= 0 && p &+ 1 < base.count {
            let b0 = UInt64(base[p]), b1 = UInt64(base[p &+ 1])
            let more = b0 &>> 7
            if more & (b1 &>> 7) == 0 {
                position = p &+ 1 &+ Int(truncatingIfNeeded: more)
                return (b0 & 0x7f) | ((b1 &<< 7) & (0 &- more))
            }
        }
        let (v, next) = try Self.uvarint(in: base, at: p)
        position = next
        return v
    }

    /// Decodes the varint at `position` in `base`: its value and the position after it.
    @usableFromInline static func uvarint(in base: UnsafeRawBufferPointer, at position: Int) throws(ColdFormatError) -> (UInt64, Int) {
        guard position >= 0 else { throw .truncated }
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var p = position
        let end = base.count
        while p < end {
            let b = base[p]
            p += 1
            if b < 0x80 {
                if shift == 63 && b > 1 { throw .invalid("varint overflows 64 bits") }
                return (result | UInt64(b) << shift, p)
            }
            result |= UInt64(b & 0x7f) << shift
            shift += 7
            if shift > 63 { throw .invalid("varint longer than 10 bytes") }
        }
        throw .truncated
    }

    /// Reads a zigzag signed varint.
    @inlinable @inline(__always) public mutating func zvarint() throws(ColdFormatError) -> Int64 { ColdZigZag.decode(try uvarint()) }

    /// Reads an unsigned varint that must fit `Int` and be at most `limit`.
    @inlinable public mutating func count(max limit: Int) throws(ColdFormatError) -> Int {
        let v = try uvarint()
        guard v <= UInt64(limit) else { throw .invalid("count \(v) exceeds \(limit)") }
        return Int(v)
    }

    /// Skips `n` bytes.
    @inlinable public mutating func skip(_ n: Int) throws(ColdFormatError) {
        guard n >= 0, remaining >= n else { throw .truncated }
        position += n
    }

    /// Bytes an unsigned varint takes.
    @inlinable public static func uvarintSize(_ v: UInt64) -> Int {
        v == 0 ? 1 : (64 - v.leadingZeroBitCount + 6) / 7
    }
}
