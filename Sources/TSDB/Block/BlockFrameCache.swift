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

/// One decoded timestamp column, shared by every chunk (of every series) that uses it.
/// Immutable after init; iterators read it through a raw pointer while holding a reference.
@usableFromInline final class BlockTimestampColumn: @unchecked Sendable {
    // Written once in init, then only read: safe to share across threads.
    let base: UnsafeMutablePointer<Int64>
    let count: Int

    init(count: Int) {
        self.count = count
        // Left uninitialised: the decoder writes all `count` entries before anyone reads them.
        base = UnsafeMutablePointer<Int64>.allocate(capacity: max(count, 1))
    }

    var first: Int64 { base[0] }
    var last: Int64 { base[count - 1] }

    deinit { base.deallocate() }
}

/// Decoded values of one chunk, owned by one iterator (replaced rather than overwritten when an
/// iterator copy still shares it, so copies stay independent). One allocation: the values are
/// stored in the object itself.
@usableFromInline final class BlockValueBuffer: ManagedBuffer<Int, Double> {
    /// A buffer with room for at least `capacity` values.
    static func make(capacity: Int) -> BlockValueBuffer {
        let b = create(minimumCapacity: max(capacity, 1)) { _ in max(capacity, 1) }
        // `create` allocates an instance of the class it is called on.
        return unsafeDowncast(b, to: BlockValueBuffer.self)
    }

    /// Values the buffer can hold.
    var valueCapacity: Int { header }

    /// The storage; valid while the buffer is alive. Values are written by a decode before any is read.
    var base: UnsafeMutablePointer<Double> { withUnsafeMutablePointerToElements { $0 } }
}

/// Small LRU keyed by a 32-bit id: decompressed frames (so reading many series of one frame
/// decompresses it once) and decoded timestamp columns (shared by all series of a target).
/// A hit is one uncontended lock and one probe of a direct-mapped hint table (ids are dense, so
/// they rarely collide): it happens for every chunk a query reads.
final class BlockLRUCache<Value: Sendable>: Sendable {
    struct Entry { var id: UInt32; var value: Value; var lastUse: UInt64 }
    struct State {
        var entries: [Entry] = []
        /// `hints[id & mask]`: slot in `entries` that probably holds `id` (verified on use).
        var hints: [Int32]
        var tick: UInt64 = 0
    }
    let capacity: Int
    let mask: Int
    let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        var size = 1
        while size < 4 * self.capacity { size <<= 1 }
        mask = size - 1
        var s = State(hints: [Int32](repeating: -1, count: size))
        s.entries.reserveCapacity(self.capacity)
        state = Mutex(s)
    }

    /// Slot holding `id`, nil when absent.
    static func slot(of id: UInt32, in s: State, mask: Int) -> Int? {
        let h = Int(s.hints[Int(id) & mask])
        if h >= 0 && h < s.entries.count && s.entries[h].id == id { return h }
        // Hint collision (or absent): the cache is small, scan it.
        for i in s.entries.indices where s.entries[i].id == id { return i }
        return nil
    }

    func get(_ id: UInt32) -> Value? {
        state.withLock { s in
            guard let i = Self.slot(of: id, in: s, mask: mask) else { return nil }
            s.hints[Int(id) & mask] = Int32(i)
            s.tick &+= 1
            s.entries[i].lastUse = s.tick
            return s.entries[i].value
        }
    }

    /// Inserts `value` unless `id` is present; returns the cached value (the existing one if another
    /// thread got there first, so concurrent readers end up sharing one copy).
    @discardableResult
    func put(_ id: UInt32, _ value: Value) -> Value {
        state.withLock { s in
            s.tick &+= 1
            if let i = Self.slot(of: id, in: s, mask: mask) {
                s.entries[i].lastUse = s.tick
                return s.entries[i].value
            }
            let victim: Int
            if s.entries.count < capacity {
                victim = s.entries.count
                s.entries.append(Entry(id: id, value: value, lastUse: s.tick))
            } else {
                // Eviction scans: it only happens on a miss, which costs a decode anyway.
                var v = 0
                for i in s.entries.indices where s.entries[i].lastUse < s.entries[v].lastUse { v = i }
                victim = v
                s.entries[v] = Entry(id: id, value: value, lastUse: s.tick)
            }
            s.hints[Int(id) & mask] = Int32(victim)
            return value
        }
    }

    func removeAll() {
        state.withLock { s in
            s.entries.removeAll()
            for i in s.hints.indices { s.hints[i] = -1 }
        }
    }
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
