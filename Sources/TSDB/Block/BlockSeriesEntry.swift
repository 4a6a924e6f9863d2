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
    static func decode(_ rd: inout ColdByteReader, previous p: BlockSeriesRecord?, base: Int64, symbols: Int,
                       frames: Int, columns: Int, into r: inout BlockSeriesRecord) throws(ColdFormatError) {
        let shared = try rd.count(max: 1 << 16)
        let n = try rd.count(max: 1 << 16)
        r.labels.removeAll(keepingCapacity: true)
        if shared > 0 {
            guard let p, p.labels.count >= 2 * shared else { throw .invalid("shared label prefix too long") }
            r.labels.append(contentsOf: p.labels[0..<(2 * shared)])
        }
        for _ in 0..<(2 * n) {
            let s = try rd.uvarint()
            guard s < UInt64(symbols) else { throw .invalid("symbol reference out of range") }
            r.labels.append(UInt32(s))
        }
        let chunkCount = try rd.count(max: 1 << 24)
        r.chunks.removeAll(keepingCapacity: true)
        var ref = (minT: base, span: Int64(0), frame: Int64(0), pos: Int64(0), col: Int64(0))
        if let p, let c = p.chunks.first {
            ref = (c.minTime, c.maxTime &- c.minTime, Int64(c.frame), Int64(c.position), Int64(c.column))
        }
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
            r.chunks.append(prev)
        }
    }
}
