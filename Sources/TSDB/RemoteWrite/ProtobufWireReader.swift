/// Protobuf wire types (the low 3 bits of a field tag).
@usableFromInline enum ProtobufWireType {
    @usableFromInline static let varint: UInt8 = 0
    @usableFromInline static let fixed64: UInt8 = 1
    @usableFromInline static let lengthDelimited: UInt8 = 2
    @usableFromInline static let startGroup: UInt8 = 3
    @usableFromInline static let endGroup: UInt8 = 4
    @usableFromInline static let fixed32: UInt8 = 5
}

/// A forward cursor over protobuf wire bytes that never reads outside `[p, end)`.
///
/// Reads return nil on malformed input and leave the cursor where the bad item starts, so the
/// validating pass can diagnose (`failure…`) and the visiting pass (on validated bytes) can stop.
@usableFromInline struct ProtobufWireReader {
    @usableFromInline var p: UnsafeRawPointer
    @usableFromInline let end: UnsafeRawPointer

    /// Deepest group nesting followed when skipping (protobuf implementations stop near 100).
    @usableFromInline static let maxGroupDepth = 64

    @inlinable init(_ p: UnsafeRawPointer, _ end: UnsafeRawPointer) {
        self.p = p
        self.end = end
    }

    @inlinable var isAtEnd: Bool { p >= end }
    @inlinable var remaining: Int { end - p }

    /// A varint, nil when truncated or overflowing (cursor unchanged then).
    @inlinable @inline(__always) mutating func varint() -> UInt64? {
        guard p < end else { return nil }
        let b0 = p.load(as: UInt8.self)
        if b0 < 0x80 {
            p += 1
            return UInt64(b0)
        }
        return varintSlow()
    }

    @usableFromInline mutating func varintSlow() -> UInt64? {
        var q = p
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while q < end {
            let b = q.load(as: UInt8.self)
            q += 1
            // The 10th byte may only contribute the top bit of 64.
            if shift == 63 && b > 1 { return nil }
            result |= UInt64(b & 0x7f) << shift
            if b < 0x80 {
                p = q
                return result
            }
            shift += 7
        }
        return nil
    }

    /// Why `varint()` failed at the cursor: it reached the 10th byte (too long or above 64 bits)
    /// or the end of the input first.
    @usableFromInline func varintFailure() -> RemoteWriteError.Kind {
        var q = p
        var n = 0
        while q < end {
            if n == 9 { return .varintOverflow }
            q += 1
            n += 1
        }
        return .truncatedVarint
    }

    /// A length-delimited payload as `[start, end)`, nil when the length is bad (cursor unchanged then).
    @inlinable @inline(__always) mutating func lengthDelimited() -> (start: UnsafeRawPointer, end: UnsafeRawPointer)? {
        let save = p
        guard let n = varint() else { return nil }
        guard n <= UInt64(end - p) else {
            p = save
            return nil
        }
        let start = p
        p += Int(n)
        return (start, p)
    }

    /// Why `lengthDelimited()` failed at the cursor.
    @usableFromInline func lengthDelimitedFailure() -> RemoteWriteError.Kind {
        var r = self
        guard let n = r.varint() else { return varintFailure() }
        return .lengthPastEnd(length: n, remaining: r.remaining)
    }

    /// A little-endian 8-byte value, nil when fewer than 8 bytes remain.
    @inlinable @inline(__always) mutating func fixed64() -> UInt64? {
        guard end - p >= 8 else { return nil }
        let v = UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))
        p += 8
        return v
    }

    /// Skips the payload of a field whose tag was just read. Returns nil on success, else why it
    /// failed (the cursor is then at the offending item).
    @usableFromInline mutating func skipField(tag: UInt64, depth: Int = 0) -> RemoteWriteError.Kind? {
        let wireType = UInt8(truncatingIfNeeded: tag & 7)
        let fieldNumber = tag >> 3
        guard fieldNumber >= 1, fieldNumber <= (1 << 29) - 1 else { return .invalidFieldNumber(fieldNumber) }
        switch wireType {
        case ProtobufWireType.varint:
            if varint() == nil { return varintFailure() }
        case ProtobufWireType.fixed64:
            guard remaining >= 8 else { return .truncatedFixed(size: 8, remaining: remaining) }
            p += 8
        case ProtobufWireType.lengthDelimited:
            if lengthDelimited() == nil { return lengthDelimitedFailure() }
        case ProtobufWireType.fixed32:
            guard remaining >= 4 else { return .truncatedFixed(size: 4, remaining: remaining) }
            p += 4
        case ProtobufWireType.startGroup:
            guard depth < Self.maxGroupDepth else { return .groupsNestedTooDeep(limit: Self.maxGroupDepth) }
            // A group is a sequence of fields ended by an end-group tag with the same number.
            while true {
                guard !isAtEnd else { return .unterminatedGroup(fieldNumber: Int(fieldNumber)) }
                let tagStart = p
                guard let inner = varint() else { return varintFailure() }
                if inner & 7 == UInt64(ProtobufWireType.endGroup) {
                    guard inner >> 3 == fieldNumber else {
                        p = tagStart
                        return .unexpectedEndGroup(fieldNumber: Int(inner >> 3))
                    }
                    return nil
                }
                if let failure = skipField(tag: inner, depth: depth + 1) { return failure }
            }
        case ProtobufWireType.endGroup:
            return .unexpectedEndGroup(fieldNumber: Int(fieldNumber))
        default:
            return .invalidWireType(wireType)
        }
        return nil
    }
}
