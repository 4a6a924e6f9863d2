/// Constants of the on-disk block format (docs/format/block.md). Version 1.
enum BlockFormat {
    /// Format version written into meta.json, every file header and every section.
    static let version: UInt8 = 1
    /// "TMIX": index file magic (also closes the TOC).
    static let indexMagic: UInt32 = 0x5849_4D54
    /// "TMCK": chunk file magic.
    static let chunkMagic: UInt32 = 0x4B43_4D54
    /// Bytes of the index and chunk file headers: magic u32, version u8, 3 reserved.
    static let fileHeaderSize = 8
    /// Bytes of a section header: id u8, version u8, reserved u16, payload length u64.
    static let sectionHeaderSize = 12
    /// Bytes of the CRC32C trailer of a section.
    static let sectionTrailerSize = 4
    /// Bytes of a frame header: kind, version, codec, reserved, raw len u32, stored len u32, CRC u32.
    static let frameHeaderSize = 16
    /// Index sections in TOC order.
    enum Section: UInt8, CaseIterable {
        case symbols = 1, series = 2, frames = 3, columns = 4, postings = 5, postingsTable = 6
    }
    /// Bytes of the TOC: version u8, 3 reserved, count u32, 6 × u64 offsets, CRC32C u32, magic u32.
    static let tocSize = 8 + 8 * Section.allCases.count + 8
    /// Frame kinds.
    static let frameKindValues: UInt8 = 1
    static let frameKindTimestamps: UInt8 = 2
    /// Frame codecs.
    static let codecNone: UInt8 = 0
    static let codecZstd: UInt8 = 1
    /// Chunk files are cut beyond this size.
    static let maxChunkFileSize: Int64 = 512 << 20
    /// Chunk file name for a 1-based index: `000001`.
    static func chunkFileName(_ i: Int) -> String {
        var s = String(i)
        while s.count < 6 { s = "0" + s }
        return s
    }
}

/// Where one series chunk lives: its time span, its values and its timestamp column.
public struct BlockChunkMeta: Sendable, Equatable {
    /// First timestamp (inclusive).
    public var minTime: Int64
    /// Last timestamp (inclusive).
    public var maxTime: Int64
    /// Frame holding the encoded values.
    public var frame: UInt32
    /// Byte position of the values inside the decompressed frame.
    public var position: UInt32
    /// Timestamp column shared by all chunks with these exact timestamps.
    public var column: UInt32
}

/// Order of label sets on disk: pair by pair, name then value, bytes of UTF-8, shorter first.
public enum BlockLabelOrder {
    /// Byte-wise comparison of two strings' UTF-8.
    @inlinable public static func compare(_ a: String, _ b: String) -> Int {
        var ia = a.utf8.makeIterator(), ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case let (x?, y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    /// Three-way comparison of label sets (each sorted by name).
    @inlinable public static func compare(_ a: [(name: String, value: String)], _ b: [(name: String, value: String)]) -> Int {
        for i in 0..<min(a.count, b.count) {
            let c = compare(a[i].name, b[i].name)
            if c != 0 { return c }
            let d = compare(a[i].value, b[i].value)
            if d != 0 { return d }
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }

    /// True when `a` sorts before `b`.
    @inlinable public static func less(_ a: [(name: String, value: String)], _ b: [(name: String, value: String)]) -> Bool {
        compare(a, b) < 0
    }

    /// Text form for error messages.
    static func describe(_ l: [(name: String, value: String)]) -> String {
        "{" + l.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }
}
