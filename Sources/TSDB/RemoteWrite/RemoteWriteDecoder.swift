/// Decodes remote-write 1.0 `WriteRequest` bodies (protobuf after snappy) without per-series
/// allocation: each series reaches the visitor as views into the body and into tables the
/// decoder keeps between requests (reuse one decoder per worker; it is not shared state).
///
/// Two phases: one parse pass checks everything (structure, label bytes, limits) and records
/// each series' label span, its hash and its samples; only if the whole body is valid are the
/// series visited. A malformed body throws before any visit, so it stores nothing. Label sets
/// validated before (same hash, same limits) skip the per-label checks.
///
/// ```swift
/// var decoder = RemoteWriteDecoder()          // one per worker, reused
/// var buffer: [UInt8] = []                     // decompression buffer, reused
/// let summary = try decoder.decode(snappyCompressed: body, maxDecompressedBytes: 32 << 20,
///                                  buffer: &buffer, into: &appender)
/// // appender.visit(_:) sees series.labels.hash / .rawBytes (cache key), .makeLabels() on a
/// // miss, and series.samples.
/// ```
public struct RemoteWriteDecoder: Sendable {
    @usableFromInline var seriesRecords: [RemoteWriteSeriesRecord] = []
    @usableFromInline var samples: [Sample] = []
    let knownLabelSets: RemoteWriteKnownLabelSets
    /// The decompression buffer of `decode(snappyCompressed:maxDecompressedBytes:limits:into:)`,
    /// kept between requests so each one does not allocate and fault in fresh pages.
    @usableFromInline var decompressed: [UInt8] = []
    /// A kept buffer larger than this is released after use (a rare huge request).
    @usableFromInline static let keptBufferBytes = 8 << 20

    /// A decoder with empty tables (they grow to the largest request seen) that remembers the
    /// hashes of up to `knownLabelSetCapacity` validated label sets (8 bytes each, allocated on
    /// first use; 0 validates every series every time).
    public init(knownLabelSetCapacity: Int = 1 << 17) {
        knownLabelSets = RemoteWriteKnownLabelSets(capacity: knownLabelSetCapacity)
    }

    /// A decoder sharing `knownLabelSets` with others (a pool's decoders).
    init(knownLabelSets: RemoteWriteKnownLabelSets) {
        self.knownLabelSets = knownLabelSets
    }

    /// Largest body accepted: label positions are stored as 32-bit offsets.
    public static let maxBodyBytes = Int(UInt32.max)

    /// Parses and checks `body`, filling the tables; returns what it contains.
    @usableFromInline mutating func parse(_ body: UnsafeRawBufferPointer, limits: RemoteWriteLimits) throws(RemoteWriteError) -> RemoteWriteSummary {
        guard let base = body.baseAddress, !body.isEmpty else {
            seriesRecords.removeAll(keepingCapacity: true)
            samples.removeAll(keepingCapacity: true)
            return RemoteWriteSummary()
        }
        guard body.count <= Self.maxBodyBytes else { throw RemoteWriteError(.bodyTooLarge(length: body.count, limit: Self.maxBodyBytes), offset: 0) }
        var parser = RemoteWriteParser(base: base, count: body.count, limits: limits, tables: &self)
        do {
            try parser.parseRequest()
        } catch {
            parser.returnTables(to: &self)
            seriesRecords.removeAll(keepingCapacity: true)
            throw error
        }
        parser.returnTables(to: &self)
        return parser.summary
    }

    /// Checks the whole request without visiting; returns what it contains.
    public mutating func validate(_ body: UnsafeRawBufferPointer, limits: RemoteWriteLimits = .default) throws(RemoteWriteError) -> RemoteWriteSummary {
        try parse(body, limits: limits)
    }

    /// Checks the whole request, then calls `visitor.visit` for each series in order.
    /// Throws (having visited nothing) when the body is malformed or exceeds `limits`.
    @inlinable
    public mutating func decode<Visitor: RemoteWriteVisitor>(
        _ body: UnsafeRawBufferPointer, limits: RemoteWriteLimits = .default, into visitor: inout Visitor
    ) throws(RemoteWriteError) -> RemoteWriteSummary {
        let summary = try parse(body, limits: limits)
        if let base = body.baseAddress { visitParsed(base: base, into: &visitor) }
        return summary
    }

    /// Snappy-decompresses `compressed` into `buffer` (reusing its capacity, at most
    /// `maxDecompressedBytes`), then decodes it as `decode(_:limits:into:)`.
    @inlinable
    public mutating func decode<Visitor: RemoteWriteVisitor>(
        snappyCompressed compressed: UnsafeRawBufferPointer, maxDecompressedBytes: Int, buffer: inout [UInt8],
        limits: RemoteWriteLimits = .default, into visitor: inout Visitor
    ) throws(RemoteWriteDecodeError) -> RemoteWriteSummary {
        do {
            try SnappyBlock.decompress(compressed, maxDecompressedBytes: maxDecompressedBytes, into: &buffer)
        } catch {
            throw .snappy(error)
        }
        var result: Result<RemoteWriteSummary, RemoteWriteError> = .success(RemoteWriteSummary())
        buffer.withUnsafeBytes { body in
            do throws(RemoteWriteError) { result = .success(try decode(body, limits: limits, into: &visitor)) } catch { result = .failure(error) }
        }
        switch result {
        case .success(let summary): return summary
        case .failure(let error): throw .protobuf(error)
        }
    }

    /// Like `decode(snappyCompressed:maxDecompressedBytes:buffer:limits:into:)` with a buffer the
    /// decoder keeps between calls.
    @inlinable
    public mutating func decode<Visitor: RemoteWriteVisitor>(
        snappyCompressed compressed: UnsafeRawBufferPointer, maxDecompressedBytes: Int,
        limits: RemoteWriteLimits = .default, into visitor: inout Visitor
    ) throws(RemoteWriteDecodeError) -> RemoteWriteSummary {
        var buffer: [UInt8] = []
        swap(&buffer, &decompressed)
        defer {
            if buffer.capacity <= Self.keptBufferBytes { swap(&buffer, &decompressed) }
        }
        return try decode(snappyCompressed: compressed, maxDecompressedBytes: maxDecompressedBytes, buffer: &buffer, limits: limits, into: &visitor)
    }

    /// Prepares, then visits, the series recorded by the last successful parse of the body at `base`.
    @inlinable
    mutating func visitParsed<Visitor: RemoteWriteVisitor>(base: UnsafeRawPointer, into visitor: inout Visitor) {
        seriesRecords.withUnsafeBufferPointer { seriesTable in
            samples.withUnsafeBufferPointer { sampleTable in
                let all = RemoteWriteSeriesList(base: base, records: seriesTable, samples: sampleTable)
                visitor.prepare(all)
                for s in all { visitor.visit(s) }
            }
        }
    }
}
