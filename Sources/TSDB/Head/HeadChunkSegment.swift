#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One segment of closed head chunks: a file of `capacity` bytes, filled front to back through a
/// small write buffer and read back through a read-only shared mapping; or, without a file (no
/// data directory, or after a write error), plain memory.
///
/// Bytes below `flushedEnd` are immutable and readable through `mapping` without any lock, for as
/// long as the reader holds the segment (the mapping goes with the object). Everything else, and
/// every mutation, is guarded by the owning `HeadChunkStore`'s lock, hence `@unchecked Sendable`.
final class HeadChunkSegment: @unchecked Sendable {
    /// Segment number (also the file name).
    let id: UInt32
    /// Bytes the segment can hold.
    let capacity: Int
    /// The file, nil in memory mode.
    let path: String?
    private var fd: Int32
    /// Read-only mapping of the whole file (disk mode).
    private let mapping: UnsafeRawPointer?
    /// Disk mode: bytes `flushedEnd ..< end`, not yet written. Memory mode: all the bytes.
    private var buffer: UnsafeMutableRawPointer
    private var bufferCapacity: Int
    /// Bytes appended.
    private(set) var end = 0
    /// Bytes written to the file (disk mode) and so readable through the mapping.
    private(set) var flushedEnd = 0
    /// Newest sample time of any chunk in the segment: it may go once the head is past it.
    var maxTime = Int64.min
    /// Bytes of open chunks' prefixes that a longer prefix or the closed chunk replaced.
    var deadBytes = 0

    /// Write buffer of a disk segment: chunk closes are small (~150 bytes) and frequent.
    static let writeBufferBytes = 64 * 1024

    /// A segment in memory.
    init(id: UInt32, capacity: Int) {
        self.id = id
        self.capacity = capacity
        path = nil
        fd = -1
        mapping = nil
        inMemory = true
        bufferCapacity = capacity
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Swift.max(capacity, 1), alignment: 16)
    }

    /// A segment backed by a new file at `path`; nil when the file cannot be created or mapped.
    init?(id: UInt32, capacity: Int, path: String) {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return nil }
        // The mapping may extend past the end of the file: only written bytes are ever read.
        guard let m = mmap(nil, capacity, PROT_READ, MAP_SHARED, fd, 0), m != MAP_FAILED else {
            close(fd)
            unlink(path)
            return nil
        }
        self.id = id
        self.capacity = capacity
        self.path = path
        self.fd = fd
        mapping = UnsafeRawPointer(m)
        inMemory = false
        bufferCapacity = Self.writeBufferBytes
        buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.writeBufferBytes, alignment: 16)
    }

    deinit {
        if let mapping { munmap(UnsafeMutableRawPointer(mutating: mapping), capacity) }
        if fd >= 0 { close(fd) }
        buffer.deallocate()
    }

    /// True when the segment keeps its bytes in memory.
    private(set) var inMemory: Bool

    /// Free bytes.
    var room: Int { capacity &- end }

    /// Appends `count` bytes from `bytes` (fits in `room`), with the big-endian sample count
    /// written over the first two; returns their offset. Flushes the write buffer when full; a
    /// failed write turns the segment into a memory one, so no chunk is ever lost.
    func append(_ bytes: UnsafeRawPointer, count: Int, samples: Int) -> Int {
        let offset = end
        if !inMemory {
            if (end &- flushedEnd) &+ count > bufferCapacity { flush() }
            if !inMemory && count > bufferCapacity {
                // Larger than the buffer: straight to the file (the buffer is empty after the flush).
                if write(bytes, count: count, samples: samples, at: offset) {
                    end &+= count
                    flushedEnd = end
                    return offset
                }
                toMemory()
            }
        }
        let dst = inMemory ? buffer + offset : buffer + (offset &- flushedEnd)
        dst.copyMemory(from: bytes, byteCount: count)
        dst.storeBytes(of: UInt8(truncatingIfNeeded: samples >> 8), as: UInt8.self)
        dst.storeBytes(of: UInt8(truncatingIfNeeded: samples), toByteOffset: 1, as: UInt8.self)
        end &+= count
        return offset
    }

    /// Writes the buffered bytes to the file.
    func flush() {
        guard !inMemory, end > flushedEnd else { return }
        if pwriteAll(UnsafeRawPointer(buffer), count: end &- flushedEnd, at: flushedEnd) {
            flushedEnd = end
        } else {
            toMemory()
        }
    }

    /// The segment's bytes at `offset ..< offset + count` when they are immutable and mapped, so a
    /// reader may copy them without the store's lock (holding the segment); nil otherwise.
    func mappedBytes(offset: Int, count: Int) -> UnsafeRawPointer? {
        guard !inMemory, let mapping, offset &+ count <= flushedEnd else { return nil }
        return mapping + offset
    }

    /// Copies `count` bytes at `offset` (under the store's lock). Written bytes are read with
    /// `pread`, which leaves their pages out of the process's resident memory (spills read back
    /// a prefix of every open chunk); the mapping is the fallback.
    func copy(offset: Int, count: Int, to dst: UnsafeMutableRawPointer) {
        if inMemory {
            dst.copyMemory(from: buffer + offset, byteCount: count)
        } else if offset &+ count <= flushedEnd {
            if fd >= 0, (try? BlockFileIO.preadExactly(fd, into: dst, count: count, at: Int64(offset), path: path ?? "")) != nil {
                return
            }
            if let src = mappedBytes(offset: offset, count: count) { dst.copyMemory(from: src, byteCount: count) }
        } else {
            dst.copyMemory(from: buffer + (offset &- flushedEnd), byteCount: count)
        }
    }

    /// Unmaps the pages readers brought in (the page cache keeps them; the next read maps them
    /// again), so that a pass over old chunks, like persisting a block, does not leave them
    /// counted as resident memory.
    func dropMappedPages() {
        guard !inMemory, let mapping, flushedEnd > 0 else { return }
        madvise(UnsafeMutableRawPointer(mutating: mapping), flushedEnd, MADV_DONTNEED)
    }

    /// Removes the file (readers still holding the segment keep the mapping).
    func removeFile() {
        guard let path, !fileRemoved else { return }
        fileRemoved = true
        unlink(path)
    }

    /// Writes what is buffered: the segment is full and only read from now on (through the
    /// mapping, or `pread` on the descriptor, which stays open until the segment goes), so the
    /// write buffer goes back.
    func finishWriting() {
        flush()
        if !inMemory && end == flushedEnd && bufferCapacity > 0 {
            buffer.deallocate()
            buffer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
            bufferCapacity = 0
        }
    }

    private var fileRemoved = false

    private func write(_ bytes: UnsafeRawPointer, count: Int, samples: Int, at offset: Int) -> Bool {
        var header: (UInt8, UInt8) = (UInt8(truncatingIfNeeded: samples >> 8), UInt8(truncatingIfNeeded: samples))
        let ok = withUnsafeBytes(of: &header) { pwriteAll($0.baseAddress.unsafelyUnwrapped, count: 2, at: offset) }
        return ok && pwriteAll(bytes + 2, count: count &- 2, at: offset &+ 2)
    }

    private func pwriteAll(_ p: UnsafeRawPointer, count: Int, at offset: Int) -> Bool {
        (try? BlockFileIO.pwriteAll(fd, UnsafeRawBufferPointer(start: p, count: count), at: Int64(offset), path: path ?? "")) != nil
    }

    /// After a write error (disk full…): all bytes move to memory and stay there. The mapping
    /// stays until the segment goes, as readers may be copying from it now.
    private func toMemory() {
        guard let mapping, !inMemory else { return }
        let mem = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        // Read back with pread, which reports an I/O error where touching the mapping would
        // raise SIGBUS; the mapping is the fallback.
        if (try? BlockFileIO.preadExactly(fd, into: mem, count: flushedEnd, at: 0, path: path ?? "")) == nil {
            mem.copyMemory(from: mapping, byteCount: flushedEnd)
        }
        (mem + flushedEnd).copyMemory(from: buffer, byteCount: end &- flushedEnd)
        buffer.deallocate()
        buffer = mem
        inMemory = true
        removeFile()
        if fd >= 0 { close(fd) }
        fd = -1
    }
}
