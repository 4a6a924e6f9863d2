/// Why a snappy block could not be decompressed.
public enum SnappyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The length header (a varint at the start of the block) is missing or malformed.
    case invalidHeader
    /// The block claims more decompressed bytes than the caller allows.
    case decompressedTooLarge(length: Int, limit: Int)
    /// The compressed data is corrupt (bad copy offsets, wrong length, truncated).
    case corrupt
    /// The caller's output buffer is smaller than the decompressed length.
    case outputTooSmall(needed: Int, available: Int)

    /// A human-readable message.
    public var description: String {
        switch self {
        case .invalidHeader:
            return "snappy: invalid block header (not a snappy block; note that the framed/stream format is not accepted)"
        case .decompressedTooLarge(let length, let limit):
            return "snappy: decompressed size \(length) bytes exceeds the limit of \(limit) bytes"
        case .corrupt:
            return "snappy: corrupt compressed data"
        case .outputTooSmall(let needed, let available):
            return "snappy: output buffer of \(available) bytes is too small for \(needed) decompressed bytes"
        }
    }
}
