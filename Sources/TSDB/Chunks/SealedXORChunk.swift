/// A closed chunk's encoded bytes (header count written) inside shared, immutable heap bytes.
///
/// The bytes are either its own exactly sized buffer or a slice of a buffer holding several
/// chunks back to back (a head series' closed chunks); either way at least
/// `BitReader.validStreamPadding` readable zero bytes follow the buffer's last chunk, for the
/// iterators' 8-byte loads. Immutable; iterators share the bytes.
public struct SealedXORChunk: Sendable {
    /// Holds the header and stream at `start ..< start + length`.
    @usableFromInline let storage: XORChunkStorage
    /// Timestamp of the first sample; `Int64.max` when empty, so empty chunks overlap nothing.
    public let minTime: Int64
    /// Timestamp of the last sample; `Int64.min` when empty.
    public let maxTime: Int64
    /// Byte offset of the chunk's header in `storage`.
    @usableFromInline let start: UInt32
    /// Encoded length in bytes.
    @usableFromInline let length: UInt32

    /// A chunk at `start ..< start + length` of `storage`, which the caller guarantees holds a
    /// valid chunk with its count written and padding after the buffer's last chunk.
    @inlinable
    init(storage: XORChunkStorage, start: Int, length: Int, minTime: Int64, maxTime: Int64) {
        self.storage = storage
        self.start = UInt32(truncatingIfNeeded: start)
        self.length = UInt32(truncatingIfNeeded: length)
        self.minTime = minTime
        self.maxTime = maxTime
    }

    /// Copies `chunk`'s encoded bytes into an exactly sized buffer.
    public init(_ chunk: XORChunk) {
        let used = chunk.byteCount
        var storage = chunk.storage.withBase {
            XORChunkStorage(zeroedCount: used &+ BitReader.validStreamPadding, copying: used, of: $0)
        }
        // `XORChunk` does not keep its header current; the sealed bytes carry the count.
        let n = chunk.numSamples
        _ = storage.isUnique()
        storage.withMutableBase {
            $0.storeBytes(of: UInt8(truncatingIfNeeded: n >> 8), as: UInt8.self)
            $0.storeBytes(of: UInt8(truncatingIfNeeded: n), toByteOffset: 1, as: UInt8.self)
        }
        self.storage = storage
        minTime = chunk.minTime
        maxTime = chunk.maxTime
        start = 0
        length = UInt32(truncatingIfNeeded: used)
    }

    /// Number of samples (from the header).
    @inlinable
    public var numSamples: Int {
        storage.withBase {
            Int($0.load(fromByteOffset: Int(start), as: UInt8.self)) << 8
                | Int($0.load(fromByteOffset: Int(start) &+ 1, as: UInt8.self))
        }
    }

    /// Length of the encoded bytes (`bytes.count`).
    @inlinable
    public var encodedByteCount: Int { Int(length) }

    /// The exact encoded bytes (header plus stream, last byte zero-padded); a copy.
    public var bytes: [UInt8] {
        let n = encodedByteCount
        return [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            storage.withBase {
                out.baseAddress.unsafelyUnwrapped.initialize(
                    from: ($0 + Int(start)).assumingMemoryBound(to: UInt8.self), count: n)
            }
            initialized = n
        }
    }

    /// An iterator over the samples; shares the bytes (no copy) and decodes the first two
    /// samples up front (~20 ns).
    @inlinable @inline(__always)
    public func makeIterator() -> XORChunkIterator {
        XORChunkIterator(
            paddedStorage: storage, startByte: Int(start), endBit: (Int(start) &+ Int(length)) &* 8, trusted: true)
    }
}
