#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// Read access to one block directory: its meta, label index and samples. Thread-safe.
///
/// Opening validates meta.json, the index (header, TOC, every section's CRC and table bounds)
/// and the chunk file headers; a damaged block throws `BlockError` naming the file. Later reads
/// of corrupt chunk data surface as errors (iterators stop and expose `error`), never crashes.
public final class BlockReader: IndexReader {
    /// The block directory.
    public let directory: String
    /// Parsed meta.json.
    public let meta: BlockMeta
    /// Total bytes of the block's files.
    public let sizeOnDisk: Int64
    let index: BlockIndex
    let chunkFiles: [BlockChunkFile]
    let cache: BlockLRUCache<BlockFrame>
    let columnCache: BlockLRUCache<BlockTimestampColumn>
    let closed = Atomic<Bool>(false)

    /// Number of decompressed frames kept per reader.
    public static let defaultFrameCacheCapacity = 16

    /// Opens and validates the block in `directory`.
    public init(directory: String) throws {
        self.directory = directory
        if directory.hasSuffix(".tmp-for-creation") || directory.hasSuffix(".tmp-for-deletion") {
            throw BlockError.invalidMeta(path: directory, reason: "temporary (unfinished) block directory")
        }
        let metaPath = directory + "/meta.json"
        let metaBytes = try BlockFileIO.readAll(metaPath)
        let meta: BlockMeta
        do { meta = try JSONDecoder().decode(BlockMeta.self, from: Data(metaBytes)) } catch {
            throw BlockError.invalidMeta(path: metaPath, reason: "not valid meta JSON: \(error)")
        }
        guard meta.version == Int(BlockFormat.version) else {
            throw BlockError.invalidMeta(path: metaPath, reason: "unsupported version \(meta.version)")
        }
        guard ULID.isValid(meta.ulid) else { throw BlockError.invalidMeta(path: metaPath, reason: "invalid ulid \(meta.ulid)") }
        guard meta.minTime < meta.maxTime else { throw BlockError.invalidMeta(path: metaPath, reason: "minTime >= maxTime") }
        self.meta = meta
        index = try BlockIndex(path: directory + "/index")
        guard UInt64(index.seriesCount) == meta.stats.numSeries else {
            throw BlockError.corrupt(file: directory + "/index", reason: "\(index.seriesCount) series but meta says \(meta.stats.numSeries)")
        }
        // Chunk files must be 000001…N without gaps.
        let chunkDir = directory + "/chunks"
        let names = BlockFileIO.list(chunkDir).filter { $0.count == 6 && $0.allSatisfy(\.isNumber) }.sorted()
        var files: [BlockChunkFile] = []
        for (i, n) in names.enumerated() {
            guard n == BlockFormat.chunkFileName(i + 1) else {
                throw BlockError.missingFile(path: chunkDir + "/" + BlockFormat.chunkFileName(i + 1))
            }
            files.append(try BlockChunkFile(path: chunkDir + "/" + n))
        }
        for f in 0..<index.frameCount {
            let (file, offset) = index.frame(f)
            guard file >= 1 else { throw BlockError.corrupt(file: directory + "/index", reason: "frame \(f) has no chunk file") }
            guard file <= files.count else { throw BlockError.missingFile(path: chunkDir + "/" + BlockFormat.chunkFileName(file)) }
            guard offset + UInt64(BlockFormat.frameHeaderSize) <= UInt64(files[file - 1].size) else {
                throw BlockError.corrupt(file: files[file - 1].path, reason: "frame \(f) beyond end of file")
            }
        }
        chunkFiles = files
        cache = BlockLRUCache(capacity: Self.defaultFrameCacheCapacity)
        columnCache = BlockLRUCache(capacity: 256)
        sizeOnDisk = BlockFileIO.treeSize(directory)
    }

    /// Number of series in the block (ordinals are 0..<seriesCount).
    public var seriesCount: Int { index.seriesCount }

    /// Stops serving reads and drops cached frames; memory and file handles are released when
    /// the last reference (including live iterators) goes away.
    public func close() {
        closed.store(true, ordering: .releasing)
        cache.removeAll()
        columnCache.removeAll()
    }

    var isClosed: Bool { closed.load(ordering: .acquiring) }

    /// Labels of series `series`, sorted by name.
    public func labels(of series: UInt32) throws -> [(name: String, value: String)] {
        guard !isClosed else { throw BlockError.closed }
        let rec = try record(of: series)
        var out: [(name: String, value: String)] = []
        out.reserveCapacity(rec.labels.count / 2)
        var i = 0
        while i + 1 < rec.labels.count {
            guard let name = index.symbol(UInt64(rec.labels[i])), let value = index.symbol(UInt64(rec.labels[i + 1])) else {
                throw BlockError.corrupt(file: index.path, reason: "series \(series): symbol reference out of range")
            }
            out.append((name, value))
            i += 2
        }
        return out
    }

    /// Decoded index entry of `series`.
    func record(of series: UInt32) throws -> BlockSeriesRecord {
        guard Int(series) < index.seriesCount else { throw BlockError.seriesNotFound(series) }
        var rec = BlockSeriesRecord(), scratch = BlockSeriesRecord()
        do {
            try index.series(Int(series), into: &rec, scratch: &scratch)
        } catch {
            throw BlockError.corrupt(file: index.path, reason: "series \(series): \(error)")
        }
        return rec
    }

    /// Iterator over the samples of `series` with `mint <= t <= maxt`; only chunks overlapping
    /// that range are read.
    public func iterator(for series: UInt32, mint: Int64 = .min, maxt: Int64 = .max) throws -> BlockSeriesIterator {
        guard !isClosed else { throw BlockError.closed }
        var refs: [BlockChunkRef] = []
        for c in try record(of: series).chunks where c.maxTime >= mint && c.minTime <= maxt {
            refs.append(BlockChunkRef(reader: self, meta: c))
        }
        return BlockSeriesIterator(chunks: refs, mint: mint, maxt: maxt)
    }

    /// The decompressed frame `id`, from the cache or read, CRC-checked and decompressed.
    func frame(_ id: UInt32, kind: UInt8) throws -> BlockFrame {
        guard !isClosed else { throw BlockError.closed }
        if let f = cache.get(id) { return f }
        guard Int(id) < index.frameCount else { throw BlockError.corrupt(file: index.path, reason: "frame \(id) out of range") }
        let (fileNo, offset) = index.frame(Int(id))
        let file = chunkFiles[fileNo - 1]
        var header = (UInt64(0), UInt64(0))
        try withUnsafeMutableBytes(of: &header) { (h: UnsafeMutableRawBufferPointer) throws in
            try BlockFileIO.preadExactly(file.fd, into: h.baseAddress!, count: 16, at: Int64(offset), path: file.path)
        }
        let h = withUnsafeBytes(of: header) { Array($0) }
        func corrupt(_ why: String) -> BlockError { .corrupt(file: file.path, reason: "frame at \(offset): \(why)") }
        guard h[0] == kind else { throw corrupt("kind \(h[0]), expected \(kind)") }
        guard h[1] == BlockFormat.version else { throw corrupt("unsupported version \(h[1])") }
        guard h[2] == BlockFormat.codecZstd || h[2] == BlockFormat.codecNone else { throw corrupt("unknown codec \(h[2])") }
        let rawLength = h.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self))) }
        let storedLength = h.withUnsafeBytes { Int(UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self))) }
        let crc = h.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 12, as: UInt32.self)) }
        guard Int64(offset) + 16 + Int64(storedLength) <= file.size else { throw corrupt("extends beyond end of file") }
        guard rawLength <= 256 << 20 else { throw corrupt("implausible size \(rawLength)") }
        let stored = UnsafeMutableRawBufferPointer.allocate(byteCount: max(storedLength, 1), alignment: 16)
        defer { stored.deallocate() }
        try BlockFileIO.preadExactly(file.fd, into: stored.baseAddress!, count: storedLength, at: Int64(offset) + 16, path: file.path)
        let storedView = UnsafeRawBufferPointer(rebasing: stored[0..<storedLength])
        var c = h.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<12])) }
        c = CRC32C.update(c, storedView)
        guard c == crc else { throw corrupt("CRC mismatch") }
        let f = BlockFrame(count: rawLength)
        if h[2] == BlockFormat.codecNone {
            guard storedLength == rawLength else { throw corrupt("length mismatch") }
            if rawLength > 0 { f.bytes.copyMemory(from: storedView) }
        } else {
            guard BlockZstdDecompressor.decompress(storedView, into: UnsafeMutableRawBufferPointer(rebasing: f.bytes[0..<rawLength])) else {
                throw corrupt("zstd decompression failed")
            }
        }
        return cache.put(id, f)
    }

    /// Decoded timestamp column `id` (cached: all series of a scrape target share it).
    func column(_ id: UInt32) throws -> BlockTimestampColumn {
        if let ts = columnCache.get(id) { return ts }
        guard Int(id) < index.columnCount else { throw BlockError.corrupt(file: index.path, reason: "column \(id) out of range") }
        let col = index.column(Int(id))
        let frame = try frame(UInt32(col.frame), kind: BlockFormat.frameKindTimestamps)
        do {
            var r = ColdByteReader(frame.buffer, position: col.position)
            let n = try ColdTimestampCodec.count(&r)
            guard n > 0 else { throw ColdFormatError.invalid("empty column") }
            let ts = BlockTimestampColumn(count: n)
            try ColdTimestampCodec.decodeBody(&r, count: n, into: ts.base)
            return columnCache.put(id, ts)
        } catch {
            throw BlockError.corrupt(file: directory + "/chunks", reason: "timestamp column \(id): \(error)")
        }
    }

    /// The timestamps of chunk `c` (its shared column), checked against the chunk's time range.
    func timestamps(of c: BlockChunkMeta) throws -> BlockTimestampColumn {
        let ts = try column(c.column)
        guard ts.first == c.minTime, ts.last == c.maxTime else {
            throw BlockError.corrupt(file: index.path, reason: "column \(c.column) does not match its chunk's time range")
        }
        return ts
    }

    /// Decodes values `range` of chunk `c` (which has `count` values, per its timestamp column)
    /// into `out[range]`.
    func decodeValues(_ c: BlockChunkMeta, count: Int, range: Range<Int>, into out: UnsafeMutablePointer<Double>) throws {
        let vFrame = try frame(c.frame, kind: BlockFormat.frameKindValues)
        do {
            var vr = ColdByteReader(vFrame.buffer, position: Int(c.position))
            try ColdValueCodec.decode(&vr, count: count, range: range, into: out)
        } catch {
            throw BlockError.corrupt(file: directory + "/chunks", reason: "chunk of frame \(c.frame) at \(c.position): \(error)")
        }
    }

    // MARK: IndexReader

    /// All label names, sorted.
    public func labelNames() -> [String] { isClosed ? [] : index.names }

    /// All values of label `name`, sorted.
    public func labelValues(for name: String) -> [String] {
        guard !isClosed, let n = index.nameIndex(name) else { return [] }
        let r = index.nameRanges[n]
        var out: [String] = []
        out.reserveCapacity(r.count)
        for i in r.first..<(r.first + r.count) {
            if let s = index.symbol(UInt64(index.entryValue(i))) { out.append(s) }
        }
        return out
    }

    /// Series carrying `name="value"`.
    public func postings(name: String, value: String) -> [UInt32] {
        guard !isClosed, let n = index.nameIndex(name), let v = index.symbolID(value) else { return [] }
        let r = index.nameRanges[n]
        var lo = r.first, hi = r.first + r.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let x = index.entryValue(mid)
            if x == v { return index.postingsList(entry: mid) ?? [] }
            if x < v { lo = mid + 1 } else { hi = mid }
        }
        return []
    }

    /// Series carrying label `name` with any value.
    public func postings(forName name: String) -> [UInt32] {
        guard !isClosed, let n = index.nameIndex(name) else { return [] }
        let r = index.nameRanges[n]
        if r.count == 1 { return index.postingsList(entry: r.first) ?? [] }
        var out: [UInt32] = []
        for i in r.first..<(r.first + r.count) { out.append(contentsOf: index.postingsList(entry: i) ?? []) }
        out.sort()
        // A series has a name once, so lists are disjoint; dedup only guards corrupt input.
        var w = 0
        for r in 0..<out.count where w == 0 || out[w - 1] != out[r] { out[w] = out[r]; w += 1 }
        out.removeLast(out.count - w)
        return out
    }

    /// Every series.
    public func allPostings() -> [UInt32] {
        isClosed ? [] : (0..<UInt32(index.seriesCount)).map { $0 }
    }
}
