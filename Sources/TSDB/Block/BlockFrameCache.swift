#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One decompressed frame: immutable bytes shared by every iterator that decodes from it.
final class BlockFrame: @unchecked Sendable {
    // Written once in init, then only read: safe to share across threads.
    let bytes: UnsafeMutableRawBufferPointer
    let count: Int

    init(count: Int) {
        self.count = count
        bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 16)
    }

    /// The valid bytes.
    var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[0..<count]) }

    deinit { bytes.deallocate() }
}

/// Small LRU keyed by a 32-bit id: decompressed frames (so reading many series of one frame
/// decompresses it once) and decoded timestamp columns (shared by all series of a target).
final class BlockLRUCache<Value: Sendable>: Sendable {
    struct Entry { var id: UInt32; var frame: Value; var lastUse: UInt64 }
    struct State { var entries: [Entry] = []; var tick: UInt64 = 0 }
    let capacity: Int
    let state = Mutex(State())

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func get(_ id: UInt32) -> Value? {
        state.withLock { s in
            s.tick += 1
            for i in s.entries.indices where s.entries[i].id == id {
                s.entries[i].lastUse = s.tick
                return s.entries[i].frame
            }
            return nil
        }
    }

    func put(_ id: UInt32, _ frame: Value) {
        state.withLock { s in
            s.tick += 1
            if s.entries.contains(where: { $0.id == id }) { return }
            if s.entries.count < capacity {
                s.entries.append(Entry(id: id, frame: frame, lastUse: s.tick))
                return
            }
            var victim = 0
            for i in s.entries.indices where s.entries[i].lastUse < s.entries[victim].lastUse { victim = i }
            s.entries[victim] = Entry(id: id, frame: frame, lastUse: s.tick)
        }
    }

    func removeAll() { state.withLock { $0.entries.removeAll() } }
}

/// An open chunk file (file descriptor closed when the last reader reference goes).
final class BlockChunkFile: Sendable {
    let fd: Int32
    let path: String
    let size: Int64

    init(path: String) throws {
        self.path = path
        fd = try BlockFileIO.openRead(path)
        do {
            size = try BlockFileIO.size(fd: fd, path: path)
            var header = [UInt8](repeating: 0, count: BlockFormat.fileHeaderSize)
            guard size >= Int64(BlockFormat.fileHeaderSize) else { throw BlockError.corrupt(file: path, reason: "shorter than its header") }
            try header.withUnsafeMutableBytes { (b: UnsafeMutableRawBufferPointer) throws in
                try BlockFileIO.preadExactly(fd, into: b.baseAddress!, count: b.count, at: 0, path: path)
            }
            let magic = header.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)) }
            guard magic == BlockFormat.chunkMagic else { throw BlockError.corrupt(file: path, reason: "bad magic") }
            guard header[4] == BlockFormat.version else { throw BlockError.corrupt(file: path, reason: "unsupported version \(header[4])") }
            guard header[5] == 0, header[6] == 0, header[7] == 0 else { throw BlockError.corrupt(file: path, reason: "reserved header bytes not zero") }
        } catch {
            Glibc.close(fd)
            throw error as? BlockError ?? .corrupt(file: path, reason: "\(error)")
        }
    }

    deinit { Glibc.close(fd) }
}
