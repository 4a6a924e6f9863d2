/// Errors of the WAL writer, reader and checkpointer. Messages carry the path and `strerror` text.
public enum WALError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `write(2)`/`ftruncate(2)` failed, e.g. ENOSPC; the WAL stays usable for later attempts.
    case writeFailed(path: String, errno: Int32, message: String)
    /// `fsync(2)` failed: records written since the last successful sync may not be durable.
    case syncFailed(path: String, errno: Int32, message: String)
    /// Opening, creating, listing, renaming or removing a file or directory failed.
    case fileFailed(path: String, errno: Int32, message: String)
    /// Reading a file failed (an I/O error, not damage in its contents).
    case readFailed(path: String, errno: Int32, message: String)
    /// A segment was written by a newer format version; replay refuses rather than deleting it.
    case unsupportedVersion(path: String, version: UInt8)
    /// A record's payload is larger than `WALFormat.maxPayloadSize`.
    case recordTooLarge(bytes: Int, limit: Int)
    /// An argument is out of range.
    case invalidArgument(String)
    /// The WAL was closed.
    case closed

    /// Human-readable description.
    public var description: String {
        switch self {
        case let .writeFailed(path, e, m): "WAL write to \(path) failed: \(m) (errno \(e))"
        case let .syncFailed(path, e, m): "WAL fsync of \(path) failed: \(m) (errno \(e))"
        case let .fileFailed(path, e, m): "WAL file operation on \(path) failed: \(m) (errno \(e))"
        case let .readFailed(path, e, m): "WAL read of \(path) failed: \(m) (errno \(e))"
        case let .unsupportedVersion(path, v): "WAL segment \(path) has unsupported format version \(v)"
        case let .recordTooLarge(b, l): "WAL record of \(b) bytes exceeds the limit of \(l) bytes"
        case let .invalidArgument(m): "invalid WAL argument: \(m)"
        case .closed: "WAL is closed"
        }
    }
}

/// Why bytes read from disk are not a valid record (damage, never a crash).
public enum WALDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Fewer bytes than a record header, or than the header's payload length.
    case truncated(needed: Int, available: Int)
    /// A zero type byte: zero-filled or never-written space.
    case zeroType
    /// The payload length exceeds `WALFormat.maxPayloadSize`.
    case lengthTooLarge(Int)
    /// The stored CRC does not match the bytes.
    case checksumMismatch(stored: UInt32, computed: UInt32)
    /// A varint runs past the payload or past 64 bits.
    case badVarint(offset: Int)
    /// A count or length field exceeds what the remaining bytes could hold.
    case countTooLarge(count: UInt64, offset: Int)
    /// The payload ends in the middle of a field.
    case payloadTruncated(offset: Int)
    /// Bytes are left over after the last item.
    case trailingBytes(count: Int)
    /// LZ4 decompression failed or produced a different length than recorded.
    case decompressionFailed(expected: Int, result: Int)
    /// A valid frame of a type or flag combination this version cannot decode.
    case unsupported(type: UInt8, flags: UInt8)
    /// The segment does not start with the WAL magic.
    case badMagic

    /// Human-readable description.
    public var description: String {
        switch self {
        case let .truncated(n, a): "truncated record (need \(n) bytes, have \(a))"
        case .zeroType: "zero record type (zero-filled space)"
        case let .lengthTooLarge(l): "record length \(l) too large"
        case let .checksumMismatch(s, c):
            "CRC mismatch (stored \(String(s, radix: 16)), computed \(String(c, radix: 16)))"
        case let .badVarint(o): "bad varint at payload offset \(o)"
        case let .countTooLarge(c, o): "count \(c) at payload offset \(o) exceeds the payload"
        case let .payloadTruncated(o): "payload ends inside a field at offset \(o)"
        case let .trailingBytes(c): "\(c) trailing bytes after the last item"
        case let .decompressionFailed(e, r): "lz4 decompression failed (expected \(e) bytes, got \(r))"
        case let .unsupported(t, f): "unsupported record type \(t) flags \(f)"
        case .badMagic: "bad segment magic"
        }
    }
}
