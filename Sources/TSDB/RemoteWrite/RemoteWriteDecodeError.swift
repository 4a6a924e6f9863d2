/// Why a snappy-compressed remote-write body was rejected: the compression or the protobuf.
public enum RemoteWriteDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The snappy block is invalid or too large.
    case snappy(SnappyError)
    /// The decompressed `WriteRequest` is malformed or exceeds the limits.
    case protobuf(RemoteWriteError)

    /// The underlying error's message.
    public var description: String {
        switch self {
        case .snappy(let e): return e.description
        case .protobuf(let e): return e.description
        }
    }
}
