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
