#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Appends zstd frames to `chunks/000001…` and remembers where each frame landed.
///
/// Frame ids are reserved when a frame is started (`reserveFrame`) so series chunks can point
/// into a frame that is still being filled; the frame table is completed when it is written.
struct BlockChunkFileWriter {
    let directory: String
    var fileIndex = 0
    var fd: Int32 = -1
    var path = ""
    var offset: Int64 = 0
    /// Per frame id: (chunk file number, offset of the frame header); file 0 = not yet written.
    var frames: [(file: UInt32, offset: UInt64)] = []
    var framesWritten = 0
    let compressor: BlockZstdCompressor
    var scratch: [UInt8] = []
    /// Bytes of frame payloads before / after compression, by frame kind (statistics).
    var rawBytes: [Int64] = [0, 0, 0], storedBytes: [Int64] = [0, 0, 0]

    init(directory: String, level: Int) throws {
        self.directory = directory
        compressor = try BlockZstdCompressor(level: level)
    }

    /// A new frame id, to be written later with `write(frame:…)`.
    mutating func reserveFrame() throws -> UInt32 {
        guard frames.count < Int(UInt32.max) else { throw BlockError.tooLarge("frame count") }
        frames.append((0, 0))
        return UInt32(frames.count - 1)
    }

    /// Compresses and appends frame `id` of `kind` with `payload`.
    mutating func write(frame id: UInt32, kind: UInt8, payload: UnsafeRawBufferPointer) throws {
        guard payload.count <= Int(UInt32.max) else { throw BlockError.tooLarge("frame payload") }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: repeatElement(0, count: BlockFormat.frameHeaderSize))
        try compressor.compress(payload, appendingTo: &scratch)
        let stored = scratch.count - BlockFormat.frameHeaderSize
        guard stored <= Int(UInt32.max) else { throw BlockError.tooLarge("frame payload") }
        scratch[0] = kind; scratch[1] = BlockFormat.version; scratch[2] = BlockFormat.codecZstd; scratch[3] = 0
        scratch.withUnsafeMutableBytes { b in
            b.storeBytes(of: UInt32(payload.count).littleEndian, toByteOffset: 4, as: UInt32.self)
            b.storeBytes(of: UInt32(stored).littleEndian, toByteOffset: 8, as: UInt32.self)
            // CRC over the first 12 header bytes and the stored bytes.
            var crc = CRC32C.checksum(UnsafeRawBufferPointer(rebasing: b[0..<12]))
            crc = CRC32C.update(crc, UnsafeRawBufferPointer(rebasing: b[BlockFormat.frameHeaderSize...]))
            b.storeBytes(of: crc.littleEndian, toByteOffset: 12, as: UInt32.self)
        }
        if fd < 0 || offset + Int64(scratch.count) > BlockFormat.maxChunkFileSize && offset > Int64(BlockFormat.fileHeaderSize) {
            try openNextFile()
        }
        frames[Int(id)] = (UInt32(fileIndex), UInt64(offset))
        try BlockFileIO.writeAll(fd, scratch, path: path)
        offset += Int64(scratch.count)
        framesWritten += 1
        rawBytes[Int(kind) % 3] += Int64(payload.count); storedBytes[Int(kind) % 3] += Int64(stored)
    }

    mutating func openNextFile() throws {
        try closeCurrent()
        fileIndex += 1
        path = directory + "/" + BlockFormat.chunkFileName(fileIndex)
        fd = try BlockFileIO.create(path)
        var header = ColdByteWriter(capacity: 8)
        header.u32(BlockFormat.chunkMagic); header.u8(BlockFormat.version); header.u8(0); header.u8(0); header.u8(0)
        try BlockFileIO.writeAll(fd, header.bytes, path: path)
        offset = Int64(BlockFormat.fileHeaderSize)
    }

    /// fsyncs and closes the current file.
    mutating func closeCurrent() throws {
        guard fd >= 0 else { return }
        defer { close(fd); fd = -1 }
        try BlockFileIO.sync(fd, path: path)
    }

    /// Closes without syncing (abort path).
    mutating func abandon() {
        if fd >= 0 { close(fd); fd = -1 }
    }

}
