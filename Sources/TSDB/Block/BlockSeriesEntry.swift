/// Encoding of a series entry's chunk list inside the index's series section.
///
/// Per chunk: first chunk `zvarint minT`, later chunks `uvarint (minT - previous maxT)`; then
/// `uvarint (maxT - minT)`, `uvarint frame`, `uvarint position`, `uvarint column`. Differences wrap,
/// so any Int64 timestamps round-trip.
enum BlockSeriesEntry {
    /// Appends `uvarint count` and the chunks.
    static func encodeChunks(_ chunks: [BlockChunkMeta], into b: inout ColdByteWriter) {
        b.uvarint(UInt64(chunks.count))
        var prevMax: Int64 = 0
        for (i, c) in chunks.enumerated() {
            if i == 0 { b.zvarint(c.minTime) } else { b.uvarint(UInt64(bitPattern: c.minTime &- prevMax)) }
            b.uvarint(UInt64(bitPattern: c.maxTime &- c.minTime))
            b.uvarint(UInt64(c.frame)); b.uvarint(UInt64(c.position)); b.uvarint(UInt64(c.column))
            prevMax = c.maxTime
        }
    }

    /// Reads the chunk list (after the labels), validating references against table sizes.
    static func decodeChunks(_ r: inout ColdByteReader, frames: Int, columns: Int,
                             into out: inout [BlockChunkMeta]) throws(ColdFormatError) {
        let n = try r.count(max: 1 << 24)
        out.removeAll(keepingCapacity: true)
        var prevMax: Int64 = 0
        for i in 0..<n {
            let minT: Int64
            if i == 0 { minT = try r.zvarint() } else {
                minT = prevMax &+ Int64(bitPattern: try r.uvarint())
                guard minT > prevMax else { throw .invalid("chunks overlap") }
            }
            let maxT = minT &+ Int64(bitPattern: try r.uvarint())
            guard maxT >= minT else { throw .invalid("chunk maxTime before minTime") }
            let frame = try r.uvarint(), pos = try r.uvarint(), col = try r.uvarint()
            guard frame < UInt64(frames), col < UInt64(columns), pos <= UInt64(UInt32.max) else {
                throw .invalid("chunk reference out of range")
            }
            out.append(BlockChunkMeta(minTime: minT, maxTime: maxT, frame: UInt32(frame), position: UInt32(pos), column: UInt32(col)))
            prevMax = maxT
        }
    }
}

/// One series as stored in the index: label pairs as symbol ids and its chunk list.
struct BlockSeriesRecord {
    /// Symbol ids, flattened: name0, value0, name1, value1, …
    var labels: [UInt32] = []
    var chunks: [BlockChunkMeta] = []
}

/// Series entries in the index are stored in groups of `groupSize`; within a group each entry is
/// coded against the previous one (front coding of label pairs, deltas of the first chunk's
/// fields), because neighbours in label order share most labels and chunk placement.
///
/// Entry: `uvarint shared pairs`, `uvarint n`, n × (uvarint name, uvarint value), `uvarint chunks`,
/// chunk 0: zvarint deltas of (minT, maxT-minT, frame, position, column) against the previous
/// entry's chunk 0 (against (base, 0, 0, 0, 0) for a group's first entry); chunk i > 0:
/// uvarint (minT - previous maxT), uvarint (maxT - minT), zvarint deltas of frame, position, column.
enum BlockSeriesGroupCoding {
    /// Series per group (offsets are stored per group).
    static let groupSize = 16

    static func encode(_ r: BlockSeriesRecord, previous p: BlockSeriesRecord?, base: Int64, into b: inout ColdByteWriter) {
        var shared = 0
        if let p {
            let pairs = min(p.labels.count, r.labels.count) / 2
            while shared < pairs && p.labels[2 * shared] == r.labels[2 * shared] && p.labels[2 * shared + 1] == r.labels[2 * shared + 1] {
                shared += 1
            }
        }
        b.uvarint(UInt64(shared))
        b.uvarint(UInt64(r.labels.count / 2 - shared))
        for i in (2 * shared)..<r.labels.count { b.uvarint(UInt64(r.labels[i])) }
        b.uvarint(UInt64(r.chunks.count))
        var ref = (minT: base, span: Int64(0), frame: Int64(0), pos: Int64(0), col: Int64(0))
        if let p, let c = p.chunks.first {
            ref = (c.minTime, c.maxTime &- c.minTime, Int64(c.frame), Int64(c.position), Int64(c.column))
        }
        var prev = BlockChunkMeta(minTime: 0, maxTime: 0, frame: 0, position: 0, column: 0)
        for (i, c) in r.chunks.enumerated() {
            if i == 0 {
                b.zvarint(c.minTime &- ref.minT)
                b.zvarint((c.maxTime &- c.minTime) &- ref.span)
                b.zvarint(Int64(c.frame) - ref.frame)
                b.zvarint(Int64(c.position) - ref.pos)
                b.zvarint(Int64(c.column) - ref.col)
            } else {
                b.uvarint(UInt64(bitPattern: c.minTime &- prev.maxTime))
                b.uvarint(UInt64(bitPattern: c.maxTime &- c.minTime))
                b.zvarint(Int64(c.frame) - Int64(prev.frame))
                b.zvarint(Int64(c.position) - Int64(prev.position))
                b.zvarint(Int64(c.column) - Int64(prev.column))
            }
            prev = c
        }
    }

    /// Decodes one entry into `r`, given the group's previous entry (nil for the first).
    static func decode(_ reader: inout ColdByteReader, previous p: BlockSeriesRecord?, base: Int64, symbols: Int,
                       frames: Int, columns: Int, into r: inout BlockSeriesRecord) throws(ColdFormatError) {
        guard let p else {
            try decode(&reader, previousLabels: UnsafeBufferPointer(start: nil, count: 0), previousFirstChunk: nil,
                       base: base, symbols: symbols, frames: frames, columns: columns, into: &r)
            return
        }
        try p.labels.withUnsafeBufferPointer { (pl: UnsafeBufferPointer<UInt32>) throws(ColdFormatError) in
            try decode(&reader, previousLabels: pl, previousFirstChunk: p.chunks.first,
                       base: base, symbols: symbols, frames: frames, columns: columns, into: &r)
        }
    }

    /// Decodes one entry into `r`; the previous entry is given by what coding refers to: its label
    /// ids (empty for a group's first entry) and its first chunk.
    static func decode(_ reader: inout ColdByteReader, previousLabels: UnsafeBufferPointer<UInt32>,
                       previousFirstChunk: BlockChunkMeta?, base: Int64, symbols: Int,
                       frames: Int, columns: Int, into r: inout BlockSeriesRecord) throws(ColdFormatError) {
        // Select decodes one entry per series: work on a local reader (position in a register)
        // and write the arrays in place instead of appending element by element.
        var rd = reader
        defer { reader = rd }
        let shared = try rd.count(max: 1 << 16)
        let n = try rd.count(max: 1 << 16)
        let prefix = 2 * shared, total = 2 * (shared + n)
        guard previousLabels.count >= prefix else { throw .invalid("shared label prefix too long") }
        // Every id takes at least a byte: bound the size before allocating for it.
        guard 2 * n <= rd.remaining else { throw .truncated }
        resize(&r.labels, to: total, filler: 0)
        try r.labels.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<UInt32>) throws(ColdFormatError) in
            guard let dst = out.baseAddress else { return }
            if prefix > 0, let s = previousLabels.baseAddress { dst.update(from: s, count: prefix) }
            var k = prefix
            while k < total {
                let s = try rd.uvarint()
                guard s < UInt64(symbols) else { throw .invalid("symbol reference out of range") }
                dst[k] = UInt32(truncatingIfNeeded: s)
                k += 1
            }
        }
        let chunkCount = try rd.count(max: 1 << 24)
        // Every chunk takes at least five bytes.
        guard chunkCount <= rd.remaining / 5 else { throw .truncated }
        var ref = (minT: base, span: Int64(0), frame: Int64(0), pos: Int64(0), col: Int64(0))
        if let c = previousFirstChunk {
            ref = (c.minTime, c.maxTime &- c.minTime, Int64(c.frame), Int64(c.position), Int64(c.column))
        }
        resize(&r.chunks, to: chunkCount, filler: BlockChunkMeta(minTime: 0, maxTime: 0, frame: 0, position: 0, column: 0))
        try r.chunks.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<BlockChunkMeta>) throws(ColdFormatError) in
            var prev = BlockChunkMeta(minTime: 0, maxTime: 0, frame: 0, position: 0, column: 0)
            for i in 0..<chunkCount {
                let minT: Int64, maxT: Int64, frame: Int64, pos: Int64, col: Int64
                if i == 0 {
                    minT = ref.minT &+ (try rd.zvarint())
                    maxT = minT &+ (ref.span &+ (try rd.zvarint()))
                    frame = ref.frame &+ (try rd.zvarint())
                    pos = ref.pos &+ (try rd.zvarint())
                    col = ref.col &+ (try rd.zvarint())
                } else {
                    minT = prev.maxTime &+ Int64(bitPattern: try rd.uvarint())
                    guard minT > prev.maxTime else { throw .invalid("chunks overlap") }
                    maxT = minT &+ Int64(bitPattern: try rd.uvarint())
                    frame = Int64(prev.frame) &+ (try rd.zvarint())
                    pos = Int64(prev.position) &+ (try rd.zvarint())
                    col = Int64(prev.column) &+ (try rd.zvarint())
                }
                guard maxT >= minT else { throw .invalid("chunk maxTime before minTime") }
                guard frame >= 0, frame < Int64(frames), col >= 0, col < Int64(columns), pos >= 0, pos <= Int64(UInt32.max) else {
                    throw .invalid("chunk reference out of range")
                }
                prev = BlockChunkMeta(minTime: minT, maxTime: maxT, frame: UInt32(frame), position: UInt32(pos), column: UInt32(col))
                out[i] = prev
            }
        }
    }

    /// Sets `a.count` to `n`, keeping capacity (new slots hold `filler` until overwritten).
    @inline(__always) static func resize<T>(_ a: inout [T], to n: Int, filler: T) {
        if a.count > n {
            a.removeLast(a.count - n)
        } else if a.count < n {
            a.append(contentsOf: repeatElement(filler, count: n - a.count))
        }
    }
}

