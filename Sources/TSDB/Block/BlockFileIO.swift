#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX wrappers for block files: every failure becomes a `BlockError.io` naming the path.
enum BlockFileIO {
    static func fail(_ path: String, _ op: String) -> BlockError { .io(path: path, operation: op, errno: errno) }

    /// Creates a directory (mode 0755).
    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o755) != 0 { throw fail(path, "mkdir") }
    }

    /// Opens (creating/truncating) a file for writing.
    static func create(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { throw fail(path, "create") }
        return fd
    }

    /// Opens a file read-only.
    static func openRead(_ path: String) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw errno == ENOENT ? BlockError.missingFile(path: path) : fail(path, "open") }
        return fd
    }

    /// Writes all of `buf` at the current position.
    static func writeAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, path: String) throws {
        guard var p = buf.baseAddress else { return }
        var left = buf.count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 { if errno == EINTR { continue }; throw fail(path, "write") }
            p += n; left -= n
        }
    }

    /// Writes all of `bytes` at the current position.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { (b: UnsafeRawBufferPointer) throws in try writeAll(fd, b, path: path) }
    }

    /// Writes all of `buf` at `offset` without moving the file position.
    static func pwriteAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer, at offset: Int64, path: String) throws {
        guard var p = buf.baseAddress else { return }
        var left = buf.count, off = offset
        while left > 0 {
            let n = pwrite(fd, p, left, off_t(off))
            if n < 0 { if errno == EINTR { continue }; throw fail(path, "pwrite") }
            p += n; left -= n; off += Int64(n)
        }
    }

    /// Reads exactly `count` bytes at `offset` into `dst`; throws `.corrupt` on a short file.
    static func preadExactly(_ fd: Int32, into dst: UnsafeMutableRawPointer, count: Int, at offset: Int64, path: String) throws {
        var done = 0
        while done < count {
            let n = pread(fd, dst + done, count - done, off_t(offset + Int64(done)))
            if n < 0 { if errno == EINTR { continue }; throw fail(path, "pread") }
            if n == 0 { throw BlockError.corrupt(file: path, reason: "unexpected end of file at offset \(offset + Int64(done))") }
            done += n
        }
    }

    /// CRC32C of `count` bytes at `offset`, read with `pread` in pieces: checking a mapped file
    /// this way keeps its pages out of the process's resident memory (only the page cache
    /// holds them) until a query actually reads them.
    static func checksum(_ fd: Int32, at offset: Int, count: Int, path: String) throws -> UInt32 {
        let pieceSize = 1 << 18
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: pieceSize, alignment: 16)
        defer { buf.deallocate() }
        guard let base = buf.baseAddress else { return 0 }
        var crc: UInt32 = 0, done = 0
        while done < count {
            let n = Swift.min(pieceSize, count - done)
            try preadExactly(fd, into: base, count: n, at: Int64(offset + done), path: path)
            crc = CRC32C.update(crc, UnsafeRawBufferPointer(start: base, count: n))
            done += n
        }
        return crc
    }

    /// Runs `body` with `path` open for reading.
    static func withReadDescriptor<R>(_ path: String, _ body: (Int32) throws -> R) throws -> R {
        let fd = try openRead(path)
        defer { close(fd) }
        return try body(fd)
    }

    /// fsyncs a file descriptor.
    static func sync(_ fd: Int32, path: String) throws {
        if fsync(fd) != 0 { throw fail(path, "fsync") }
    }

    /// fsyncs a directory so renames and creations inside it are durable.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw fail(path, "open dir") }
        defer { close(fd) }
        if fsync(fd) != 0 && errno != EINVAL { throw fail(path, "fsync dir") }
    }

    /// Size of a file in bytes.
    static func size(_ path: String) throws -> Int64 {
        var st = stat()
        if stat(path, &st) != 0 { throw errno == ENOENT ? BlockError.missingFile(path: path) : fail(path, "stat") }
        return Int64(st.st_size)
    }

    /// Size of an open file in bytes.
    static func size(fd: Int32, path: String) throws -> Int64 {
        var st = stat()
        if fstat(fd, &st) != 0 { throw fail(path, "fstat") }
        return Int64(st.st_size)
    }

    /// Whole small file (meta.json).
    static func readAll(_ path: String) throws -> [UInt8] {
        let fd = try openRead(path)
        defer { close(fd) }
        let n = try size(fd: fd, path: path)
        guard n <= 64 << 20 else { throw BlockError.tooLarge(path) }
        var out = [UInt8](repeating: 0, count: Int(n))
        if n > 0 {
            try out.withUnsafeMutableBytes { (b: UnsafeMutableRawBufferPointer) throws in
                guard let base = b.baseAddress else { return }
                try preadExactly(fd, into: base, count: Int(n), at: 0, path: path)
            }
        }
        return out
    }

    /// Names inside a directory (no `.`/`..`).
    static func list(_ path: String) -> [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var out: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { out.append(name) }
        }
        return out
    }

    /// Removes a file or a directory tree, ignoring errors (cleanup paths only).
    static func removeTree(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in list(path) { removeTree(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    /// Bytes of all regular files under `path`, recursively.
    static func treeSize(_ path: String) -> Int64 {
        var st = stat()
        guard lstat(path, &st) == 0 else { return 0 }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            return list(path).reduce(0) { $0 + treeSize(path + "/" + $1) }
        }
        return Int64(st.st_size)
    }
}

/// A read-only memory mapping of a whole file, unmapped when the last reference goes away.
final class BlockMappedFile: @unchecked Sendable {
    // Immutable after init; the mapping is read-only, so sharing across threads is safe.
    let bytes: UnsafeRawBufferPointer
    let path: String

    init(path: String) throws {
        self.path = path
        let fd = try BlockFileIO.openRead(path)
        defer { close(fd) }
        let n = try BlockFileIO.size(fd: fd, path: path)
        if n == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let p = mmap(nil, Int(n), PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw BlockFileIO.fail(path, "mmap")
        }
        bytes = UnsafeRawBufferPointer(start: p, count: Int(n))
    }

    deinit {
        if let b = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: b), bytes.count) }
    }
}
