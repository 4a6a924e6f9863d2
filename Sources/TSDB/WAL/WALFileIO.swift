#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX wrappers for the WAL, turning errno into `WALError` with `strerror` text.
enum WALFileIO {
    static func message(_ e: Int32) -> String { String(cString: strerror(e)) }

    static func fileError(_ path: String, _ e: Int32 = errno) -> WALError {
        .fileFailed(path: path, errno: e, message: message(e))
    }

    /// Writes all of `bytes` at `offset`, retrying EINTR and short writes.
    /// Returns the bytes written and 0, or the bytes written before failing and the errno.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int) -> (written: Int, errno: Int32) {
        guard let base = bytes.baseAddress else { return (0, 0) }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                return (done, errno)
            }
            // A zero-byte write of a non-empty buffer makes no progress: treat as out of space.
            if n == 0 { return (done, ENOSPC) }
            done += n
        }
        return (done, 0)
    }

    /// Closes a descriptor (for callers whose own `close` method shadows the libc one).
    static func closeDescriptor(_ fd: Int32) { _ = close(fd) }

    /// Reads a whole file.
    static func readAll(_ path: String) throws(WALError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError(path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fileError(path) }
        let size = Int(st.st_size)
        var result = [UInt8](repeating: 0, count: size)
        var done = 0
        var readErrno: Int32 = 0
        result.withUnsafeMutableBytes { buf in
            guard let base = buf.baseAddress else { return }
            while done < size {
                let n = pread(fd, base + done, size - done, off_t(done))
                if n < 0 {
                    if errno == EINTR { continue }
                    readErrno = errno
                    return
                }
                if n == 0 { break }
                done += n
            }
        }
        guard readErrno == 0 else {
            throw .readFailed(path: path, errno: readErrno, message: message(readErrno))
        }
        // The file shrank under us: what was read is what there is.
        if done < size { result.removeSubrange(done...) }
        return result
    }

    /// Size of a file, 0 when it cannot be stat-ed.
    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Names in a directory (without "." and "..").
    static func list(_ path: String) throws(WALError) -> [String] {
        guard let d = opendir(path) else { throw fileError(path) }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates `path` and missing parents (mode 0755).
    static func makeDirectories(_ path: String) throws(WALError) {
        if isDirectory(path) { return }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part
            if !isDirectory(prefix) && mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw fileError(prefix)
            }
            prefix += "/"
        }
    }

    /// fsyncs a directory so created, renamed or removed entries are durable.
    static func syncDirectory(_ path: String) throws(WALError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError(path) }
        defer { close(fd) }
        guard fsync(fd) == 0 else {
            let e = errno
            throw .syncFailed(path: path, errno: e, message: message(e))
        }
    }

    /// Truncates a file to `size` bytes and fsyncs it.
    static func truncate(_ path: String, to size: Int) throws(WALError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fileError(path) }
        defer { close(fd) }
        guard ftruncate(fd, off_t(size)) == 0 else {
            let e = errno
            throw .writeFailed(path: path, errno: e, message: message(e))
        }
        guard fsync(fd) == 0 else {
            let e = errno
            throw .syncFailed(path: path, errno: e, message: message(e))
        }
    }

    /// Removes a file (missing is fine).
    static func removeFile(_ path: String) throws(WALError) {
        if unlink(path) != 0 && errno != ENOENT { throw fileError(path) }
    }

    /// Removes a flat directory (a checkpoint) and its files (missing is fine).
    static func removeDirectory(_ path: String) throws(WALError) {
        guard exists(path) else { return }
        for name in try list(path) { try removeFile(path + "/" + name) }
        if rmdir(path) != 0 && errno != ENOENT { throw fileError(path) }
    }

    /// Atomically renames `from` to `to`.
    static func move(_ from: String, _ to: String) throws(WALError) {
        guard rename(from, to) == 0 else { throw fileError(from) }
    }
}
