/// A closed `XORChunk` in its smallest form, for the many chunks a head keeps per series.
///
/// Holds one heap object with exactly the encoded bytes (header count written) plus the
/// `BitReader.validStreamPadding` zero bytes its iterators' 8-byte loads need, and inline only
/// that reference and the time range: 24 bytes, against an `XORChunk`'s inline appender state
/// and growth slack. Immutable; iterators share the bytes.
public struct SealedXORChunk: Sendable {
    /// Header, stream, then `BitReader.validStreamPadding` zero bytes.
    @usableFromInline let storage: XORChunkStorage
    /// Timestamp of the first sample; `Int64.max` when empty, so empty chunks overlap nothing.
    public let minTime: Int64
    /// Timestamp of the last sample; `Int64.min` when empty.
    public let maxTime: Int64

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
    }

    /// Number of samples (from the header).
    @inlinable
    public var numSamples: Int {
        storage.withBase { Int($0.load(as: UInt8.self)) << 8 | Int($0.load(fromByteOffset: 1, as: UInt8.self)) }
    }

    /// Length of the encoded bytes (`bytes.count`).
    @inlinable
    public var encodedByteCount: Int { storage.count &- BitReader.validStreamPadding }

    /// Heap bytes this chunk holds, for memory accounting: encoded bytes, reader padding and the
    /// heap object's 20-byte header (not the allocator's rounding, nor the 24 inline bytes).
    @inlinable
    public var byteCount: Int { storage.count &+ XORChunkStorage.objectOverhead }

    /// The exact encoded bytes (header plus stream, last byte zero-padded); a copy.
    public var bytes: [UInt8] {
        let n = encodedByteCount
        return [UInt8](unsafeUninitializedCapacity: n) { out, initialized in
            storage.withBase { out.baseAddress.unsafelyUnwrapped.initialize(from: $0.assumingMemoryBound(to: UInt8.self), count: n) }
            initialized = n
        }
    }

    /// An iterator over the samples; shares the bytes (no copy) and decodes the first two
    /// samples up front (~20 ns).
    @inlinable @inline(__always)
    public func makeIterator() -> XORChunkIterator {
        XORChunkIterator(paddedStorage: storage, endBit: encodedByteCount &* 8, trusted: true)
    }
}
