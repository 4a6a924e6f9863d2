#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered, CRC-tracking writer of the index file's sections (layout in docs/format/block.md).
///
/// Each section is `id u8, version u8, reserved u16, length u64, payload, CRC32C(payload) u32`;
/// the length is patched in when the section ends, so payloads can be streamed.
struct BlockIndexFileWriter {
    let path: String
    let fd: Int32
    var buffer = ColdByteWriter(capacity: 1 << 20)
    /// File offset of `buffer[0]`.
    var flushedOffset: Int64 = 0
    var sectionStart: Int64 = -1
    var sectionCRC: UInt32 = 0
    /// Section header offsets by section id, for the TOC.
    var sectionOffsets: [UInt8: Int64] = [:]
    var closed = false

    init(path: String) throws {
        self.path = path
        fd = try BlockFileIO.create(path)
        buffer.u32(BlockFormat.indexMagic); buffer.u8(BlockFormat.version); buffer.u8(0); buffer.u8(0); buffer.u8(0)
    }

    /// Closes without finishing (abort path).
    mutating func abandon() { if !closed { closed = true; close(fd) } }

    /// Absolute file offset of the next byte written.
    var offset: Int64 { flushedOffset + Int64(buffer.count) }

    /// Starts a section; payload bytes follow through `payload`.
    mutating func beginSection(_ s: BlockFormat.Section) throws {
        sectionOffsets[s.rawValue] = offset
        buffer.u8(s.rawValue); buffer.u8(BlockFormat.version); buffer.u8(0); buffer.u8(0); buffer.u64(0)
        try flush(crc: false)
        sectionStart = offset
        sectionCRC = 0
    }

    /// Appends payload bytes through `body`, which writes into the buffer.
    mutating func payload(_ body: (inout ColdByteWriter) -> Void) throws {
        body(&buffer)
        if buffer.count >= 1 << 20 { try flush(crc: true) }
    }

    /// Ends the current section: patches its length and appends the CRC trailer.
    mutating func endSection() throws {
        try flush(crc: true)
        let length = UInt64(offset - sectionStart)
        try withUnsafeBytes(of: length.littleEndian) { (b: UnsafeRawBufferPointer) throws in
            try BlockFileIO.pwriteAll(fd, b, at: sectionStart - 8, path: path)
        }
        buffer.u32(sectionCRC)
        sectionStart = -1
    }

    /// Writes the TOC, fsyncs and closes.
    mutating func finish() throws {
        var toc = ColdByteWriter(capacity: BlockFormat.tocSize)
        toc.u8(BlockFormat.version); toc.u8(0); toc.u8(0); toc.u8(0)
        toc.u32(UInt32(BlockFormat.Section.allCases.count))
        for s in BlockFormat.Section.allCases { toc.u64(UInt64(sectionOffsets[s.rawValue] ?? 0)) }
        toc.u32(CRC32C.checksum(toc.bytes))
        toc.u32(BlockFormat.indexMagic)
        buffer.append(contentsOf: toc.bytes)
        try flush(crc: false)
        try BlockFileIO.sync(fd, path: path)
        closed = true
        close(fd)
    }

    mutating func flush(crc: Bool) throws {
        guard buffer.count > 0 else { return }
        if crc {
            let previous = sectionCRC
            sectionCRC = buffer.bytes.withUnsafeBytes { CRC32C.update(previous, $0) }
        }
        try BlockFileIO.writeAll(fd, buffer.bytes, path: path)
        flushedOffset += Int64(buffer.count)
        buffer.removeAll()
    }
}
