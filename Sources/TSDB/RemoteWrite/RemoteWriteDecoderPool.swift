import Synchronization

/// Reusable decoders for concurrent request handlers: each request borrows one, so the decode
/// tables stay warm without a decoder per task or a lock while decoding. They share one table
/// of known label sets.
public final class RemoteWriteDecoderPool: Sendable {
    private let idle = Mutex<[RemoteWriteDecoder]>([])
    private let maxIdle: Int
    private let knownLabelSets: RemoteWriteKnownLabelSets

    /// A pool keeping at most `maxIdle` decoders (about the number of concurrent requests).
    public init(maxIdle: Int = 8, knownLabelSetCapacity: Int = 1 << 17) {
        self.maxIdle = maxIdle
        knownLabelSets = RemoteWriteKnownLabelSets(capacity: knownLabelSetCapacity)
    }

    /// Runs `body` with a decoder borrowed from the pool (a new one if none is idle).
    public func withDecoder<Result, Failure: Error>(_ body: (inout RemoteWriteDecoder) throws(Failure) -> Result) throws(Failure) -> Result {
        var decoder = idle.withLock { $0.popLast() } ?? RemoteWriteDecoder(knownLabelSets: knownLabelSets)
        defer {
            let returned = decoder
            idle.withLock { if $0.count < maxIdle { $0.append(returned) } }
        }
        return try body(&decoder)
    }
}

extension RemoteWriteDecoder {
    /// The process-wide pool behind the static `decode` entry points.
    public static let shared = RemoteWriteDecoderPool()

    /// Decodes `body` with a decoder borrowed from `shared` (see the instance method).
    @inlinable
    public static func decode<Visitor: RemoteWriteVisitor>(
        _ body: UnsafeRawBufferPointer, limits: RemoteWriteLimits = .default, into visitor: inout Visitor
    ) throws(RemoteWriteError) -> RemoteWriteSummary {
        try shared.withDecoder { (d: inout RemoteWriteDecoder) throws(RemoteWriteError) in try d.decode(body, limits: limits, into: &visitor) }
    }

    /// Decompresses and decodes with a decoder borrowed from `shared` (see the instance method).
    @inlinable
    public static func decode<Visitor: RemoteWriteVisitor>(
        snappyCompressed compressed: UnsafeRawBufferPointer, maxDecompressedBytes: Int, buffer: inout [UInt8],
        limits: RemoteWriteLimits = .default, into visitor: inout Visitor
    ) throws(RemoteWriteDecodeError) -> RemoteWriteSummary {
        try shared.withDecoder { (d: inout RemoteWriteDecoder) throws(RemoteWriteDecodeError) in
            try d.decode(snappyCompressed: compressed, maxDecompressedBytes: maxDecompressedBytes, buffer: &buffer, limits: limits, into: &visitor)
        }
    }

    /// Decompresses and decodes with a decoder borrowed from `shared`, using its kept buffer.
    @inlinable
    public static func decode<Visitor: RemoteWriteVisitor>(
        snappyCompressed compressed: UnsafeRawBufferPointer, maxDecompressedBytes: Int,
        limits: RemoteWriteLimits = .default, into visitor: inout Visitor
    ) throws(RemoteWriteDecodeError) -> RemoteWriteSummary {
        try shared.withDecoder { (d: inout RemoteWriteDecoder) throws(RemoteWriteDecodeError) in
            try d.decode(snappyCompressed: compressed, maxDecompressedBytes: maxDecompressedBytes, limits: limits, into: &visitor)
        }
    }
}
