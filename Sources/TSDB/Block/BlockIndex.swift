/// Read side of a block's `index` file: memory-mapped, validated once at open (header, TOC,
/// section CRCs read through the file, table bounds), then read lazily; only the label-name
/// table is copied out.
final class BlockIndex: Sendable {
    let file: BlockMappedFile
    let path: String
    let symbolCount: Int
    let symbolOffsetsAt: Int
    let symbolDataAt: Int
    let seriesCount: Int
    let seriesAt: Int
    let seriesOffsetsAt: Int
    let seriesBase: Int64
    let seriesGroupSize: Int
    let frameCount: Int
    let framesAt: Int
    let columnCount: Int
    let columnsAt: Int
    let postingsAt: Int
    let postingsLength: Int
    /// Label names (sorted) with their range of entries in the postings table.
    let names: [String]
    let nameRanges: [(first: Int, count: Int)]
    let entriesAt: Int
    let entryCount: Int

    init(path: String) throws {
        self.path = path
        file = try BlockMappedFile(path: path)
        let b = file.bytes
        func corrupt(_ why: String) -> BlockError { .corrupt(file: path, reason: why) }
        guard b.count >= BlockFormat.fileHeaderSize + BlockFormat.tocSize else { throw corrupt("file too short (\(b.count) bytes)") }
        var h = ColdByteReader(b)
        guard (try? h.u32()) == BlockFormat.indexMagic else { throw corrupt("bad magic") }
        guard let v = try? h.u8(), v == BlockFormat.version else { throw corrupt("unsupported version") }
        guard (try? h.u8()) == 0, (try? h.u8()) == 0, (try? h.u8()) == 0 else { throw corrupt("reserved header bytes not zero") }

        // TOC at the end.
        let tocAt = b.count - BlockFormat.tocSize
        var t = ColdByteReader(b, position: tocAt)
        let tocCRC = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[tocAt..<(b.count - 8)]))
        do {
            guard try t.u8() == BlockFormat.version else { throw corrupt("unsupported TOC version") }
            try t.skip(3)
            guard try t.u32() == UInt32(BlockFormat.Section.allCases.count) else { throw corrupt("bad TOC section count") }
        } catch let e as BlockError { throw e } catch { throw corrupt("truncated TOC") }
        var sections: [BlockFormat.Section: (at: Int, length: Int)] = [:]
        var offsets: [UInt64] = []
        for _ in BlockFormat.Section.allCases { offsets.append((try? t.u64()) ?? 0) }
        guard (try? t.u32()) == tocCRC else { throw corrupt("TOC CRC mismatch") }
        guard (try? t.u32()) == BlockFormat.indexMagic else { throw corrupt("bad TOC magic") }
        try BlockFileIO.withReadDescriptor(path) { fd in
            for (i, s) in BlockFormat.Section.allCases.enumerated() {
                let off = offsets[i]
                guard off >= UInt64(BlockFormat.fileHeaderSize), off <= UInt64(tocAt - BlockFormat.sectionHeaderSize) else {
                    throw corrupt("section \(s) offset \(off) out of range")
                }
                var r = ColdByteReader(b, position: Int(off))
                guard (try? r.u8()) == s.rawValue else { throw corrupt("section \(s): wrong id") }
                guard (try? r.u8()) == BlockFormat.version else { throw corrupt("section \(s): unsupported version") }
                guard (try? r.u8()) == 0, (try? r.u8()) == 0 else { throw corrupt("section \(s): reserved bytes not zero") }
                guard let len = try? r.u64(), len <= UInt64(tocAt - r.position - BlockFormat.sectionTrailerSize) else {
                    throw corrupt("section \(s): length out of range")
                }
                let start = r.position, end = start + Int(len)
                // Read from the file, not the mapping (see `BlockFileIO.checksum`).
                let crc = try BlockFileIO.checksum(fd, at: start, count: Int(len), path: path)
                var c = ColdByteReader(b, position: end)
                guard (try? c.u32()) == crc else { throw corrupt("section \(s): CRC mismatch") }
                sections[s] = (start, Int(len))
            }
        }
        func section(_ s: BlockFormat.Section) -> (at: Int, length: Int) { sections[s] ?? (0, 0) }
        func u32(_ at: Int) -> Int { Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt32.self))) }
        func u64(_ at: Int) -> UInt64 { UInt64(littleEndian: b.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }

        // Symbols: count, offsets[count+1], data.
        let sym = section(.symbols)
        guard sym.length >= 8 else { throw corrupt("symbols: too short") }
        symbolCount = u32(sym.at)
        guard symbolCount < Int(UInt32.max), 4 + 4 * (symbolCount + 1) <= sym.length else { throw corrupt("symbols: count out of range") }
        symbolOffsetsAt = sym.at + 4
        symbolDataAt = symbolOffsetsAt + 4 * (symbolCount + 1)
        let dataLength = sym.at + sym.length - symbolDataAt
        var prev = 0
        for i in 0...symbolCount {
            let o = u32(symbolOffsetsAt + 4 * i)
            guard o >= prev, o <= dataLength, i > 0 || o == 0 else { throw corrupt("symbols: bad offset table") }
            prev = o
        }

        // Series: count, base time, group size, entries, group offsets.
        let ser = section(.series)
        guard ser.length >= 16 else { throw corrupt("series: too short") }
        seriesCount = u32(ser.at)
        seriesBase = Int64(bitPattern: u64(ser.at + 4))
        seriesGroupSize = u32(ser.at + 12)
        guard seriesGroupSize >= 1, seriesGroupSize <= 1 << 16 else { throw corrupt("series: bad group size") }
        let groups = (seriesCount + seriesGroupSize - 1) / seriesGroupSize
        guard 16 + 4 * groups <= ser.length else { throw corrupt("series: count out of range") }
        seriesAt = ser.at
        seriesOffsetsAt = ser.at + ser.length - 4 * groups
        let entriesEnd = seriesOffsetsAt - ser.at
        var prevOffset = 15
        for i in 0..<groups {
            let o = u32(seriesOffsetsAt + 4 * i)
            guard o > prevOffset, o < entriesEnd, i > 0 || o == 16 else { throw corrupt("series: bad group offset table") }
            prevOffset = o
        }

        // Frames and columns.
        let fr = section(.frames)
        guard fr.length >= 4 else { throw corrupt("frames: too short") }
        frameCount = u32(fr.at)
        guard 4 + 12 * frameCount == fr.length else { throw corrupt("frames: size mismatch") }
        framesAt = fr.at + 4
        let co = section(.columns)
        guard co.length >= 4 else { throw corrupt("columns: too short") }
        columnCount = u32(co.at)
        guard 4 + 8 * columnCount == co.length else { throw corrupt("columns: size mismatch") }
        columnsAt = co.at + 4
        for i in 0..<columnCount where u32(columnsAt + 8 * i) >= frameCount { throw corrupt("columns: frame reference out of range") }

        let po = section(.postings)
        postingsAt = po.at; postingsLength = po.length

        // Postings table: names (copied out, small) and fixed-width entries.
        let pt = section(.postingsTable)
        guard pt.length >= 8 else { throw corrupt("postings table: too short") }
        let nameCount = u32(pt.at)
        guard 4 + 12 * nameCount + 4 <= pt.length else { throw corrupt("postings table: name count out of range") }
        entryCount = u32(pt.at + 4 + 12 * nameCount)
        entriesAt = pt.at + 8 + 12 * nameCount
        guard entriesAt + 12 * entryCount == pt.at + pt.length else { throw corrupt("postings table: size mismatch") }
        var names: [String] = [], ranges: [(first: Int, count: Int)] = []
        names.reserveCapacity(nameCount)
        var nextFirst = 0
        for i in 0..<nameCount {
            let at = pt.at + 4 + 12 * i
            let sym = u32(at), first = u32(at + 4), count = u32(at + 8)
            guard sym < symbolCount, first == nextFirst, count > 0, first + count <= entryCount else {
                throw corrupt("postings table: bad name entry \(i)")
            }
            nextFirst = first + count
            ranges.append((first, count))
            names.append("")
            names[i] = Self.string(b, symbolOffsetsAt, symbolDataAt, sym)
        }
        guard nextFirst == entryCount else { throw corrupt("postings table: entries not covered by names") }
        for i in 0..<entryCount {
            let at = entriesAt + 12 * i
            guard u32(at) < symbolCount, u64(at + 4) < UInt64(max(postingsLength, 1)) else {
                throw corrupt("postings table: bad entry \(i)")
            }
        }
        self.names = names
        self.nameRanges = ranges
    }

    static func string(_ b: UnsafeRawBufferPointer, _ offsetsAt: Int, _ dataAt: Int, _ id: Int) -> String {
        let s = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: offsetsAt + 4 * id, as: UInt32.self)))
        let e = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: offsetsAt + 4 * id + 4, as: UInt32.self)))
        return String(decoding: UnsafeRawBufferPointer(rebasing: b[(dataAt + s)..<(dataAt + e)]), as: UTF8.self)
    }

    // MARK: lookups (all bounds-checked; offsets were validated at open)

    @inline(__always) func u32(_ at: Int) -> Int {
        Int(UInt32(littleEndian: file.bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }
    @inline(__always) func u64(_ at: Int) -> UInt64 {
        UInt64(littleEndian: file.bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
    }

    /// Symbol string by id, nil when out of range.
    func symbol(_ id: UInt64) -> String? {
        guard id < UInt64(symbolCount) else { return nil }
        return Self.string(file.bytes, symbolOffsetsAt, symbolDataAt, Int(id))
    }

    /// Bytes of symbol `id` (id must be in range).
    func symbolBytes(_ id: Int) -> UnsafeRawBufferPointer {
        let s = u32(symbolOffsetsAt + 4 * id), e = u32(symbolOffsetsAt + 4 * id + 4)
        return UnsafeRawBufferPointer(rebasing: file.bytes[(symbolDataAt + s)..<(symbolDataAt + e)])
    }

    /// Id of symbol `s` (binary search over the sorted table).
    func symbolID(_ s: String) -> Int? {
        var key = s
        return key.withUTF8 { k -> Int? in
            var lo = 0, hi = symbolCount
            while lo < hi {
                let mid = (lo + hi) >> 1
                let c = Self.compareBytes(symbolBytes(mid), UnsafeRawBufferPointer(k))
                if c == 0 { return mid }
                if c < 0 { lo = mid + 1 } else { hi = mid }
            }
            return nil
        }
    }

    static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        for i in 0..<n where a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// Decodes series `ordinal` into `record` (walking its group from the start; `scratch` is
    /// reused for the entries before it).
    func series(_ ordinal: Int, into record: inout BlockSeriesRecord, scratch: inout BlockSeriesRecord) throws(ColdFormatError) {
        guard ordinal >= 0, ordinal < seriesCount else { throw .invalid("series \(ordinal) out of range") }
        let group = ordinal / seriesGroupSize
        let start = seriesAt + u32(seriesOffsetsAt + 4 * group)
        let end = seriesOffsetsAt
        var r = ColdByteReader(UnsafeRawBufferPointer(rebasing: file.bytes[start..<end]))
        let first = group * seriesGroupSize
        // Decode alternately into the two records so "previous" is always the other one.
        var k = first
        var haveInRecord = false
        while true {
            if (k - first) % 2 == 0 {
                try BlockSeriesGroupCoding.decode(&r, previous: k == first ? nil : scratch, base: seriesBase, symbols: symbolCount,
                                                  frames: frameCount, columns: columnCount, into: &record)
                haveInRecord = true
            } else {
                try BlockSeriesGroupCoding.decode(&r, previous: record, base: seriesBase, symbols: symbolCount,
                                                  frames: frameCount, columns: columnCount, into: &scratch)
                haveInRecord = false
            }
            if k == ordinal { break }
            k += 1
        }
        if !haveInRecord { swap(&record, &scratch) }
    }

    /// Location of frame `id`: chunk file number and offset.
    func frame(_ id: Int) -> (file: Int, offset: UInt64) {
        (u32(framesAt + 12 * id), u64(framesAt + 12 * id + 4))
    }

    /// Location of column `id`: frame and position.
    func column(_ id: Int) -> (frame: Int, position: Int) {
        (u32(columnsAt + 8 * id), u32(columnsAt + 8 * id + 4))
    }

    /// Index of label name `name` in `names`.
    func nameIndex(_ name: String) -> Int? {
        var lo = 0, hi = names.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            let c = BlockLabelOrder.compare(names[mid], name)
            if c == 0 { return mid }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return nil
    }

    /// Value symbol id of postings-table entry `i`.
    func entryValue(_ i: Int) -> Int { u32(entriesAt + 12 * i) }

    /// Decodes the postings list at `offset` in the postings section; nil when malformed.
    func postingsList(entry i: Int) -> [UInt32]? {
        let off = Int(u64(entriesAt + 12 * i + 4))
        var r = ColdByteReader(UnsafeRawBufferPointer(rebasing: file.bytes[postingsAt..<(postingsAt + postingsLength)]), position: off)
        guard let n = try? r.count(max: seriesCount) else { return nil }
        var out = [UInt32]()
        out.reserveCapacity(n)
        var prev: UInt64 = 0
        for k in 0..<n {
            guard let d = try? r.uvarint() else { return nil }
            let v = k == 0 ? d : prev &+ d
            guard v < UInt64(seriesCount), k == 0 || d > 0 else { return nil }
            out.append(UInt32(v))
            prev = v
        }
        return out
    }
}

/// Decodes series entries of one index in ascending ordinal order, continuing inside a group
/// rather than restarting at its first entry, so selecting many series decodes each entry once.
struct BlockSeriesCursor {
    let index: BlockIndex
    /// Group the reader is in (-1: none).
    var group = -1
    /// Ordinal of the entry the reader will decode next.
    var nextOrdinal = 0
    var reader = ColdByteReader(UnsafeRawBufferPointer(start: nil, count: 0))
    /// The entry decoded last (valid after a successful `seek`).
    var current = BlockSeriesRecord()
    var previous = BlockSeriesRecord()

    init(index: BlockIndex) { self.index = index }

    /// Decodes entry `ordinal` into `current`.
    mutating func seek(_ ordinal: Int) throws(ColdFormatError) {
        guard ordinal >= 0, ordinal < index.seriesCount else { throw .invalid("series \(ordinal) out of range") }
        let g = ordinal / index.seriesGroupSize
        let first = g * index.seriesGroupSize
        if g != group || ordinal < nextOrdinal {
            let start = index.seriesAt + index.u32(index.seriesOffsetsAt + 4 * g)
            reader = ColdByteReader(UnsafeRawBufferPointer(rebasing: index.file.bytes[start..<index.seriesOffsetsAt]))
            group = g
            nextOrdinal = first
        }
        do {
            while nextOrdinal <= ordinal {
                swap(&current, &previous)
                // The previous entry is lent by pointer: wrapping it in an Optional would copy it.
                let isFirst = nextOrdinal == first
                let firstChunk = isFirst ? nil : previous.chunks.first
                try previous.labels.withUnsafeBufferPointer { (pl: UnsafeBufferPointer<UInt32>) throws(ColdFormatError) in
                    try BlockSeriesGroupCoding.decode(&reader, previousLabels: isFirst ? UnsafeBufferPointer(start: nil, count: 0) : pl,
                                                      previousFirstChunk: firstChunk, base: index.seriesBase,
                                                      symbols: index.symbolCount, frames: index.frameCount,
                                                      columns: index.columnCount, into: &current)
                }
                nextOrdinal += 1
            }
        } catch {
            group = -1  // the reader is mid-entry: restart the group next time
            throw error
        }
    }
}
