#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Tuning knobs of the block writer; the defaults are what the format was measured with.
public struct BlockWriterOptions: Sendable {
    /// Uncompressed bytes gathered into one zstd frame before it is written.
    public var frameSize: Int
    /// zstd compression level.
    public var zstdLevel: Int
    /// Chunks are cut at multiples of this window (ms since the epoch), so series scraped
    /// together get identical, shareable timestamp columns and compaction keeps boundaries.
    public var chunkWindowMs: Int64
    /// Chunks are also cut after this many samples.
    public var maxSamplesPerChunk: Int
    /// Memory for recognising repeated timestamp columns; beyond it new columns are not shared.
    public var columnDedupBudget: Int

    /// Defaults: 64 KiB frames, zstd level 3 (measured: larger frames and levels up to 12 gain
    /// < 1 % on node_exporter-like data but cost write speed and random-read work), 2 h windows,
    /// 4096 samples, 64 MiB.
    public init(frameSize: Int = 64 << 10, zstdLevel: Int = 3, chunkWindowMs: Int64 = 7_200_000,
                maxSamplesPerChunk: Int = 4096, columnDedupBudget: Int = 64 << 20) {
        self.frameSize = frameSize; self.zstdLevel = zstdLevel; self.chunkWindowMs = max(1, chunkWindowMs)
        self.maxSamplesPerChunk = max(1, maxSamplesPerChunk); self.columnDedupBudget = columnDedupBudget
    }
}

/// Byte counts of a block being written, split by frame kind.
public struct BlockWriterStatistics: Sendable {
    /// Encoded value bytes before zstd.
    public var valueBytesRaw: Int64
    /// Value frame bytes after zstd (excluding frame headers).
    public var valueBytesStored: Int64
    /// Encoded timestamp-column bytes before zstd.
    public var timestampBytesRaw: Int64
    /// Timestamp frame bytes after zstd (excluding frame headers).
    public var timestampBytesStored: Int64
    /// Distinct timestamp columns written.
    public var columns: Int
    /// Frames written.
    public var frames: Int
}

/// Writes one immutable block, streaming: series go in ascending label order, each with all its
/// samples; memory stays bounded by a frame or two plus the symbol and postings tables.
///
/// The block is built in `<parent>/<ulid>.tmp-for-creation` and renamed into place by `finish()`
/// after every file and directory was fsynced, so a crash never leaves a half block under a ULID.
public struct BlockWriter {
    let state: BlockWriterState

    /// Starts a block covering `[minTime, maxTime)` in `parentDirectory`.
    public init(parentDirectory: String, minTime: Int64, maxTime: Int64, level: Int = 1, sources: [String] = [],
                options: BlockWriterOptions = BlockWriterOptions()) throws {
        state = try BlockWriterState(parent: parentDirectory, minTime: minTime, maxTime: maxTime,
                                     level: level, sources: sources, options: options)
    }

    /// The ULID (directory name) the block will have.
    public var ulid: String { state.ulid }

    /// Adds a series (labels sorted by name; after the previous series in label order) with its
    /// samples (strictly increasing timestamps within the block's range). Empty series are ignored.
    public mutating func add(labels: [(name: String, value: String)], timestamps: UnsafeBufferPointer<Int64>,
                             values: UnsafeBufferPointer<Double>) throws {
        try state.add(labels: labels, timestamps: timestamps, values: values)
    }

    /// Array convenience for `add(labels:timestamps:values:)`.
    public mutating func add(labels: [(name: String, value: String)], timestamps: [Int64], values: [Double]) throws {
        try timestamps.withUnsafeBufferPointer { t in
            try values.withUnsafeBufferPointer { v in try state.add(labels: labels, timestamps: t, values: v) }
        }
    }

    /// Writes the index and meta, fsyncs, renames the block into place and returns its meta.
    public func finish() throws -> BlockMeta { try state.finish() }

    /// Byte counts of what was written so far (for benchmarks and tuning).
    public var statistics: BlockWriterStatistics {
        let f = state.files
        return BlockWriterStatistics(
            valueBytesRaw: f.rawBytes[Int(BlockFormat.frameKindValues)], valueBytesStored: f.storedBytes[Int(BlockFormat.frameKindValues)],
            timestampBytesRaw: f.rawBytes[Int(BlockFormat.frameKindTimestamps)],
            timestampBytesStored: f.storedBytes[Int(BlockFormat.frameKindTimestamps)],
            columns: state.columns.count, frames: f.frames.count)
    }

    /// Abandons the block and removes its temporary directory.
    public func abort() throws { state.abort() }
}

/// Mutable state of a `BlockWriter` (a class so the writer can clean up if dropped unfinished).
final class BlockWriterState {
    let parent: String, ulid: String, tmpDir: String, finalDir: String
    let minTime: Int64, maxTime: Int64, level: Int, sources: [String]
    let options: BlockWriterOptions
    var files: BlockChunkFileWriter
    var done = false

    // Frames being filled.
    var valueFrame = ColdByteWriter(capacity: 300 << 10)
    var valueFrameID: UInt32? = nil
    var tsFrame = ColdByteWriter(capacity: 300 << 10)
    var tsFrameID: UInt32? = nil

    // Timestamp columns: location per id, plus exact-content dedup within a memory budget.
    var columns: [(frame: UInt32, position: UInt32)] = []
    var columnsByHash: [Int: [UInt32]] = [:]
    var columnArena: [UInt8] = []
    var columnSpans: [(start: Int, count: Int)] = []
    var tsScratch = ColdByteWriter(capacity: 8 << 10)
    var encoder = ColdValueEncoder()

    // Symbols (provisional ids in first-seen order) and postings by provisional (name, value).
    var symbolIDs: [BlockSymbolKey: UInt32] = [:]
    var symbols: [String] = []
    var postings: [UInt64: [UInt32]] = [:]

    // Series entries with provisional symbol ids, spooled to a temp file until `finish`.
    let spoolPath: String
    let spoolFD: Int32
    var spool = ColdByteWriter(capacity: 1 << 20)
    var spoolSize: Int64 = 0
    var entry = ColdByteWriter(capacity: 1024)
    var chunkMetas: [BlockChunkMeta] = []
    var previousLabels: [(name: String, value: String)]? = nil

    var seriesCount: UInt32 = 0
    var numSamples: UInt64 = 0
    var numChunks: UInt64 = 0

    init(parent: String, minTime: Int64, maxTime: Int64, level: Int, sources: [String], options: BlockWriterOptions) throws {
        guard minTime < maxTime else { throw BlockError.invalidMeta(path: parent, reason: "minTime must be < maxTime") }
        self.parent = parent; self.minTime = minTime; self.maxTime = maxTime
        self.level = level; self.options = options
        ulid = ULID.make()
        self.sources = sources.isEmpty ? [ulid] : sources
        tmpDir = parent + "/" + ulid + ".tmp-for-creation"
        finalDir = parent + "/" + ulid
        try BlockFileIO.makeDirectory(tmpDir)
        do {
            try BlockFileIO.makeDirectory(tmpDir + "/chunks")
            files = try BlockChunkFileWriter(directory: tmpDir + "/chunks", level: options.zstdLevel)
            spoolPath = tmpDir + "/series.spool"
            spoolFD = open(spoolPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if spoolFD < 0 { throw BlockFileIO.fail(spoolPath, "create") }
        } catch {
            BlockFileIO.removeTree(tmpDir)
            throw error
        }
    }

    deinit {
        if !done { abort() }
    }

    func abort() {
        guard !done else { return }
        done = true
        files.abandon()
        close(spoolFD)
        BlockFileIO.removeTree(tmpDir)
    }

    // MARK: adding series

    func add(labels: [(name: String, value: String)], timestamps ts: UnsafeBufferPointer<Int64>,
             values vs: UnsafeBufferPointer<Double>) throws {
        guard !done else { throw BlockError.closed }
        guard ts.count == vs.count else { throw BlockError.lengthMismatch(timestamps: ts.count, values: vs.count) }
        guard !ts.isEmpty else { return }
        for i in 1..<max(labels.count, 1) where BlockLabelOrder.compare(labels[i - 1].name, labels[i].name) >= 0 {
            throw BlockError.labelsNotSorted(labels: BlockLabelOrder.describe(labels))
        }
        if let prev = previousLabels, BlockLabelOrder.compare(prev, labels) >= 0 {
            throw BlockError.seriesOutOfOrder(labels: BlockLabelOrder.describe(labels))
        }
        guard ts[0] >= minTime else { throw BlockError.sampleOutOfRange(timestamp: ts[0]) }
        guard ts[ts.count - 1] < maxTime else { throw BlockError.sampleOutOfRange(timestamp: ts[ts.count - 1]) }
        for i in 1..<ts.count where ts[i] <= ts[i - 1] { throw BlockError.samplesOutOfOrder(timestamp: ts[i]) }
        guard seriesCount < UInt32.max else { throw BlockError.tooLarge("series count") }
        previousLabels = labels

        // Chunks: cut at window boundaries and at the sample limit.
        chunkMetas.removeAll(keepingCapacity: true)
        var start = 0
        while start < ts.count {
            let limit = windowEnd(after: ts[start])
            var end = start + 1
            while end < ts.count && end - start < options.maxSamplesPerChunk && ts[end] < limit { end += 1 }
            let column = try columnID(UnsafeBufferPointer(rebasing: ts[start..<end]))
            if valueFrameID == nil { valueFrameID = try files.reserveFrame() }
            let position = UInt32(valueFrame.count)
            encoder.encode(UnsafeBufferPointer(rebasing: vs[start..<end]), into: &valueFrame)
            chunkMetas.append(BlockChunkMeta(minTime: ts[start], maxTime: ts[end - 1], frame: valueFrameID ?? 0,
                                             position: position, column: column))
            if valueFrame.count >= options.frameSize { try flushValueFrame() }
            start = end
        }

        // Series entry with provisional symbol ids.
        entry.removeAll()
        entry.uvarint(UInt64(labels.count))
        let ordinal = seriesCount
        for l in labels {
            let n = symbol(l.name), v = symbol(l.value)
            entry.uvarint(UInt64(n)); entry.uvarint(UInt64(v))
            postings[UInt64(n) << 32 | UInt64(v), default: []].append(ordinal)
        }
        BlockSeriesEntry.encodeChunks(chunkMetas, into: &entry)
        spool.uvarint(UInt64(entry.count))
        spool.append(contentsOf: entry.bytes)
        if spool.count >= 1 << 20 { try flushSpool() }

        seriesCount += 1
        numSamples += UInt64(ts.count)
        numChunks += UInt64(chunkMetas.count)
    }

    func windowEnd(after t: Int64) -> Int64 {
        let w = options.chunkWindowMs
        let q = t >= 0 ? t / w : -((-(t + 1)) / w) - 1
        let (a, o1) = q.multipliedReportingOverflow(by: w)
        let (b, o2) = a.addingReportingOverflow(w)
        return o1 || o2 ? Int64.max : b
    }

    func symbol(_ s: String) -> UInt32 {
        let key = BlockSymbolKey(s)
        if let id = symbolIDs[key] { return id }
        let id = UInt32(symbols.count)
        symbols.append(s)
        symbolIDs[key] = id
        return id
    }

    /// Id of the column holding exactly `ts`, writing a new column when not seen before.
    func columnID(_ ts: UnsafeBufferPointer<Int64>) throws -> UInt32 {
        tsScratch.removeAll()
        ColdTimestampCodec.encode(ts, into: &tsScratch)
        var hasher = Hasher()
        tsScratch.bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        let hash = hasher.finalize()
        if let candidates = columnsByHash[hash] {
            for id in candidates {
                let span = columnSpans[Int(id)]
                if span.count == tsScratch.count,
                   columnArena[span.start..<(span.start + span.count)].elementsEqual(tsScratch.bytes) {
                    return id
                }
            }
        }
        guard columns.count < Int(UInt32.max) else { throw BlockError.tooLarge("column count") }
        if tsFrame.count > 0 && tsFrame.count + tsScratch.count > options.frameSize { try flushTimestampFrame() }
        if tsFrameID == nil { tsFrameID = try files.reserveFrame() }
        let id = UInt32(columns.count)
        columns.append((tsFrameID ?? 0, UInt32(tsFrame.count)))
        tsFrame.append(contentsOf: tsScratch.bytes)
        if columnArena.count + tsScratch.count <= options.columnDedupBudget {
            columnSpans.append((columnArena.count, tsScratch.count))
            columnArena.append(contentsOf: tsScratch.bytes)
            columnsByHash[hash, default: []].append(id)
        } else {
            columnSpans.append((0, -1))
        }
        return id
    }

    func flushValueFrame() throws {
        guard let id = valueFrameID else { return }
        try valueFrame.bytes.withUnsafeBytes { try files.write(frame: id, kind: BlockFormat.frameKindValues, payload: $0) }
        valueFrame.removeAll()
        valueFrameID = nil
    }

    func flushTimestampFrame() throws {
        guard let id = tsFrameID else { return }
        try tsFrame.bytes.withUnsafeBytes { try files.write(frame: id, kind: BlockFormat.frameKindTimestamps, payload: $0) }
        tsFrame.removeAll()
        tsFrameID = nil
    }

    func flushSpool() throws {
        try BlockFileIO.writeAll(spoolFD, spool.bytes, path: spoolPath)
        spoolSize += Int64(spool.count)
        spool.removeAll()
    }

    // MARK: finishing

    func finish() throws -> BlockMeta {
        guard !done else { throw BlockError.closed }
        do {
            try flushValueFrame()
            try flushTimestampFrame()
            try files.closeCurrent()
            try flushSpool()
            try writeIndex()
            close(spoolFD)
            unlink(spoolPath)
            let meta = BlockMeta(
                ulid: ulid, minTime: minTime, maxTime: maxTime,
                stats: .init(numSamples: numSamples, numSeries: UInt64(seriesCount), numChunks: numChunks),
                compaction: .init(level: level, sources: sources), version: Int(BlockFormat.version))
            try writeMeta(meta)
            try BlockFileIO.syncDirectory(tmpDir + "/chunks")
            try BlockFileIO.syncDirectory(tmpDir)
            if rename(tmpDir, finalDir) != 0 { throw BlockFileIO.fail(finalDir, "rename") }
            done = true
            try BlockFileIO.syncDirectory(parent)
            return meta
        } catch {
            abort()
            throw error
        }
    }

    func writeMeta(_ meta: BlockMeta) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(meta)
        let path = tmpDir + "/meta.json"
        let fd = try BlockFileIO.create(path)
        defer { close(fd) }
        try BlockFileIO.writeAll(fd, [UInt8](data), path: path)
        try BlockFileIO.sync(fd, path: path)
    }

    func writeIndex() throws {
        var w = try BlockIndexFileWriter(path: tmpDir + "/index")
        do {
            try writeIndexSections(&w)
            try w.finish()
        } catch {
            w.abandon()
            throw error
        }
    }

    func writeIndexSections(_ w: inout BlockIndexFileWriter) throws {
        // Symbols, sorted by UTF-8 bytes; provisional id → final id.
        let order = symbols.indices.sorted { BlockLabelOrder.compare(symbols[$0], symbols[$1]) < 0 }
        var final = [UInt32](repeating: 0, count: symbols.count)
        for (rank, prov) in order.enumerated() { final[prov] = UInt32(rank) }
        var total = 0
        for s in symbols { total += s.utf8.count }
        guard total <= Int(UInt32.max) else { throw BlockError.tooLarge("symbol table") }

        try w.beginSection(.symbols)
        try w.payload { b in
            b.u32(UInt32(order.count))
            var off: UInt32 = 0
            b.u32(0)
            for prov in order { off += UInt32(symbols[prov].utf8.count); b.u32(off) }
        }
        for prov in order { try w.payload { $0.append(contentsOf: symbols[prov].utf8) } }
        try w.endSection()

        // Series: re-read the spool, remap symbols, front-code in groups, remember group offsets.
        try w.beginSection(.series)
        let groupSize = BlockSeriesGroupCoding.groupSize
        var groupOffsets: [UInt32] = []
        groupOffsets.reserveCapacity(Int(seriesCount) / groupSize + 1)
        try w.payload { b in b.u32(seriesCount); b.u64(UInt64(bitPattern: minTime)); b.u32(UInt32(groupSize)) }
        var record = BlockSeriesRecord(), previous = BlockSeriesRecord()
        var ordinal = 0
        let frameCount = files.frames.count, columnCount = columns.count
        try readSpool { raw in
            var r = ColdByteReader(raw)
            let n = try r.count(max: 1 << 20)
            record.labels.removeAll(keepingCapacity: true)
            for _ in 0..<(2 * n) { record.labels.append(final[Int(try r.uvarint())]) }
            try BlockSeriesEntry.decodeChunks(&r, frames: frameCount, columns: columnCount, into: &record.chunks)
            let first = ordinal % groupSize == 0
            if first {
                let at = w.offset - w.sectionStart
                guard at <= Int64(UInt32.max) else { throw BlockError.tooLarge("series section") }
                groupOffsets.append(UInt32(at))
            }
            try w.payload { b in
                BlockSeriesGroupCoding.encode(record, previous: first ? nil : previous, base: minTime, into: &b)
            }
            swap(&record, &previous)
            ordinal += 1
        }
        guard w.offset - w.sectionStart + 4 * Int64(groupOffsets.count) <= Int64(UInt32.max) else {
            throw BlockError.tooLarge("series section")
        }
        try w.payload { b in for o in groupOffsets { b.u32(o) } }
        try w.endSection()

        // Frames and columns: fixed-width tables.
        try w.beginSection(.frames)
        try w.payload { b in
            b.u32(UInt32(files.frames.count))
            for f in files.frames { b.u32(f.file); b.u64(f.offset) }
        }
        try w.endSection()
        try w.beginSection(.columns)
        try w.payload { b in
            b.u32(UInt32(columns.count))
            for c in columns { b.u32(c.frame); b.u32(c.position) }
        }
        try w.endSection()

        // Postings sorted by (name, value) in final symbol order.
        var keys: [(name: UInt32, value: UInt32, key: UInt64)] = postings.keys.map {
            (final[Int($0 >> 32)], final[Int($0 & 0xffff_ffff)], $0)
        }
        keys.sort { $0.name != $1.name ? $0.name < $1.name : $0.value < $1.value }
        var postingOffsets: [UInt64] = []
        postingOffsets.reserveCapacity(keys.count)
        try w.beginSection(.postings)
        for k in keys {
            postingOffsets.append(UInt64(w.offset - w.sectionStart))
            let list = postings[k.key] ?? []
            try w.payload { b in
                b.uvarint(UInt64(list.count))
                var prev: UInt32 = 0
                for (i, o) in list.enumerated() { b.uvarint(UInt64(i == 0 ? o : o - prev)); prev = o }
            }
        }
        try w.endSection()

        try w.beginSection(.postingsTable)
        var names: [(name: UInt32, first: UInt32, count: UInt32)] = []
        for (i, k) in keys.enumerated() {
            if let last = names.last, last.name == k.name { names[names.count - 1].count += 1 } else {
                names.append((k.name, UInt32(i), 1))
            }
        }
        try w.payload { b in
            b.u32(UInt32(names.count))
            for n in names { b.u32(n.name); b.u32(n.first); b.u32(n.count) }
            b.u32(UInt32(keys.count))
        }
        for (i, k) in keys.enumerated() {
            try w.payload { b in b.u32(k.value); b.u64(postingOffsets[i]) }
        }
        try w.endSection()
    }

    /// Calls `body` with every spooled series record, in order.
    func readSpool(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var buf = [UInt8]()
        var fileOffset: Int64 = 0
        var chunk = [UInt8](repeating: 0, count: 4 << 20)
        var consumed = 0
        while fileOffset < spoolSize || consumed < buf.count {
            if fileOffset < spoolSize {
                let n = Int(min(Int64(chunk.count), spoolSize - fileOffset))
                try chunk.withUnsafeMutableBytes { (b: UnsafeMutableRawBufferPointer) throws in
                    try BlockFileIO.preadExactly(spoolFD, into: b.baseAddress!, count: n, at: fileOffset, path: spoolPath)
                }
                buf.removeFirst(consumed)
                consumed = 0
                buf.append(contentsOf: chunk[0..<n])
                fileOffset += Int64(n)
            }
            var progressed = false
            try buf.withUnsafeBytes { all in
                while consumed < all.count {
                    var r = ColdByteReader(all, position: consumed)
                    guard let len = try? r.uvarint(), r.remaining >= Int(len) else { break }
                    try body(UnsafeRawBufferPointer(rebasing: all[r.position..<(r.position + Int(len))]))
                    consumed = r.position + Int(len)
                    progressed = true
                }
            }
            if !progressed && fileOffset >= spoolSize {
                throw BlockError.corrupt(file: spoolPath, reason: "truncated series record")
            }
        }
    }
}

/// Symbol dictionary key comparing strings by their exact UTF-8 bytes (Swift's `String ==`
/// treats canonically equivalent strings as equal; the index must keep the bytes).
struct BlockSymbolKey: Hashable {
    let string: String
    init(_ s: String) { string = s }
    static func == (a: BlockSymbolKey, b: BlockSymbolKey) -> Bool { a.string.utf8.elementsEqual(b.string.utf8) }
    func hash(into h: inout Hasher) {
        var s = string
        s.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
