#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A test hook: the next append writes `bytesBeforeFailure` bytes, then fails with `errno`.
struct WALWriteFault {
    var bytesBeforeFailure: Int
    var errno: Int32
}

/// One segment file open for appending. A value type owned by a writer under its lock.
struct WALSegmentFile {
    let index: Int
    let path: String
    let fd: Int32
    /// End of the last fully written record: where the next record goes.
    private(set) var size: Int
    /// Bytes written since the last fsync.
    var unsynced = false
    /// A failed write left bytes past `size` that ftruncate could not remove yet.
    private(set) var needsTruncate = false

    /// Creates (or resets) segment `index` in `directory` and writes its header.
    static func create(directory: String, index: Int) throws(WALError) -> WALSegmentFile {
        let path = directory + "/" + WALFormat.segmentName(index)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw WALFileIO.fileError(path) }
        let header = WALFormat.segmentHeader
        let (_, e) = header.withUnsafeBytes { WALFileIO.pwriteAll(fd, $0, at: 0) }
        guard e == 0 else {
            close(fd)
            throw .writeFailed(path: path, errno: e, message: WALFileIO.message(e))
        }
        return WALSegmentFile(index: index, path: path, fd: fd, size: header.count, unsynced: true)
    }

    /// Appends one frame. On failure the file is cut back to the last good record and the
    /// error thrown; the segment stays usable.
    mutating func append(_ frame: UnsafeRawBufferPointer, fault: inout WALWriteFault?) throws(WALError) {
        if needsTruncate { try truncateToSize() }
        var result: (written: Int, errno: Int32)
        if let f = fault {
            fault = nil
            let partial = UnsafeRawBufferPointer(rebasing: frame.prefix(max(0, min(f.bytesBeforeFailure, frame.count))))
            result = WALFileIO.pwriteAll(fd, partial, at: size)
            if result.errno == 0 { result.errno = f.errno }
        } else {
            result = WALFileIO.pwriteAll(fd, frame, at: size)
        }
        if result.errno != 0 {
            let e = result.errno
            if result.written > 0 {
                needsTruncate = true
                try? truncateToSize()
            }
            throw .writeFailed(path: path, errno: e, message: WALFileIO.message(e))
        }
        size += frame.count
        unsynced = true
    }

    /// Removes bytes of a failed write so no garbage sits before the next record.
    mutating func truncateToSize() throws(WALError) {
        guard ftruncate(fd, off_t(size)) == 0 else {
            let e = errno
            throw .writeFailed(path: path, errno: e, message: "cannot remove a partial record: " + WALFileIO.message(e))
        }
        needsTruncate = false
    }

    /// fsyncs the file.
    mutating func sync() throws(WALError) {
        guard WALSyncStats.timedFsync(fd) == 0 else {
            let e = errno
            throw .syncFailed(path: path, errno: e, message: WALFileIO.message(e))
        }
        unsynced = false
    }

    /// Closes the descriptor.
    func closeFile() { _ = close(fd) }
}
