import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Mutable writer state, only touched under `WAL.state`'s lock.
struct WALWriterState {
    /// The segment being appended to; nil after a failed segment creation (retried on next log).
    var active: WALSegmentFile?
    /// Index of the active segment (or of the one to create).
    var current: Int
    /// Oldest segment index still on disk.
    var first: Int
    let encoder: WALRecordEncoder
    var closed = false
    /// A segment was created since the directory was last fsynced.
    var directoryUnsynced = false
    var fault: WALWriteFault?
    var syncTask: Task<Void, Never>?
}

/// Tidemark's write-ahead log: a directory of numbered segment files of CRC-checked records.
///
/// A `log` call returns only after its record was written with `write(2)` (so it survives a
/// process crash) and, under `.always`, fsynced (so it survives power loss). Thread-safe.
/// Replay (`WALReader.replay`) before opening for writing: opening always starts a new segment
/// after the last one, and replay deletes segments that follow a damaged one.
public final class WAL: Sendable {
    /// The directory holding segments and checkpoints.
    public let directory: String
    /// A new segment is cut when the next record would make the active one larger than this.
    public let segmentSize: Int
    /// When records are fsynced.
    public let syncPolicy: WALSyncPolicy
    let logger: (@Sendable (String) -> Void)?
    let state: Mutex<WALWriterState>
    /// Serializes checkpoints and truncations, which do their I/O outside `state`'s lock.
    let maintenance = Mutex<Void>(())

    /// Larger sample batches are split into records of this many samples (bounds record size).
    public static let maxSamplesPerRecord = 1 << 20
    /// Larger series batches are split into records of this many series.
    public static let maxSeriesPerRecord = 1 << 14

    /// Opens or creates the WAL in `directory` and starts a new segment after the last one.
    ///
    /// Leftovers of an interrupted checkpoint (temp directories, superseded segments and
    /// checkpoints) are removed. `logger` receives warnings.
    public init(
        directory: String,
        segmentSize: Int = WALFormat.defaultSegmentSize,
        syncPolicy: WALSyncPolicy = .default,
        logger: (@Sendable (String) -> Void)? = nil
    ) throws {
        guard segmentSize >= 4096 else { throw WALError.invalidArgument("segmentSize \(segmentSize) < 4096") }
        if case .interval(let d) = syncPolicy, d <= .zero {
            throw WALError.invalidArgument("sync interval must be positive")
        }
        self.directory = directory
        self.segmentSize = segmentSize
        self.syncPolicy = syncPolicy
        self.logger = logger
        try WALFileIO.makeDirectories(directory)
        let layout = try WALDirectoryLayout.scan(directory)
        try Self.removeSuperseded(directory: directory, layout: layout, logger: logger)
        let checkpoint = layout.newestCheckpoint ?? -1
        let remaining = layout.segments.filter { $0 > checkpoint }
        let current = max(remaining.last ?? -1, checkpoint) + 1
        let segment = try WALSegmentFile.create(directory: directory, index: current)
        if syncPolicy != .never {
            do { try WALFileIO.syncDirectory(directory) } catch {
                segment.closeFile()
                throw error
            }
        }
        state = Mutex(WALWriterState(
            active: segment, current: current, first: remaining.first ?? current,
            encoder: WALRecordEncoder()))
        if case .interval(let interval) = syncPolicy { startSyncTask(interval) }
    }

    /// Removes what a finished checkpoint superseded and unfinished checkpoint temp dirs.
    static func removeSuperseded(directory: String, layout: WALDirectoryLayout, logger: ((String) -> Void)?) throws {
        for name in layout.temporaries {
            logger?("WAL: removing unfinished checkpoint \(name)")
            try WALFileIO.removeDirectory(directory + "/" + name)
        }
        guard let newest = layout.newestCheckpoint else { return }
        for c in layout.checkpoints where c < newest {
            try WALFileIO.removeDirectory(directory + "/" + WALFormat.checkpointName(c))
        }
        for s in layout.segments where s <= newest {
            try WALFileIO.removeFile(directory + "/" + WALFormat.segmentName(s))
        }
    }

    private func startSyncTask(_ interval: Duration) {
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                guard let self else { return }
                do { try self.sync() } catch WALError.closed { return } catch {
                    self.logger?("WAL: background fsync failed: \(error)")
                }
            }
        }
        state.withLock { $0.syncTask = task }
    }

    deinit {
        state.withLock { st in
            st.syncTask?.cancel()
            st.active?.closeFile()
            st.active = nil
        }
    }

    /// Logs a batch of samples; returns once written (and fsynced under `.always`).
    /// When it throws, the batch is not acknowledged (it may still be replayed if only the fsync failed).
    public func log(samples: UnsafeBufferPointer<WALSample>) throws {
        var start = 0
        while start < samples.count {
            let end = min(samples.count, start + Self.maxSamplesPerRecord)
            // The caller's buffer is only read under the lock before this call returns; passed as
            // an address because region checking cannot see that the lock scope is bounded.
            let address = UInt(bitPattern: samples.baseAddress.map { $0 + start })
            let count = end - start
            try state.withLock { st in
                guard !st.closed else { throw WALError.closed }
                let chunk = UnsafeBufferPointer(start: UnsafePointer<WALSample>(bitPattern: address), count: count)
                let frame = try st.encoder.frameSamples(chunk)
                try append(frame, &st)
            }
            start = end
        }
    }

    /// Logs a batch of samples; returns once written (and fsynced under `.always`).
    public func log(samples: [WALSample]) throws {
        try samples.withUnsafeBufferPointer { try log(samples: $0) }
    }

    /// Logs new series; returns once written (and fsynced under `.always`).
    public func log(series: [WALSeries]) throws {
        var start = 0
        while start < series.count {
            let end = min(series.count, start + Self.maxSeriesPerRecord)
            let chunk = series[start..<end]
            try state.withLock { st in
                guard !st.closed else { throw WALError.closed }
                let frame = try st.encoder.frameSeries(chunk)
                try append(frame, &st)
            }
            start = end
        }
    }

    /// Logs one record.
    public func log(_ record: WALRecord) throws {
        switch record {
        case .series(let s): try log(series: s)
        case .samples(let s): try log(samples: s)
        }
    }

    /// Appends a frame to the active segment, cutting first if it would overflow.
    private func append(_ frame: UnsafeRawBufferPointer, _ st: inout WALWriterState) throws {
        if st.active == nil { try openSegment(&st) }
        if let seg = st.active, seg.size > WALFormat.segmentHeaderSize, seg.size + frame.count > segmentSize {
            try cut(&st)
        }
        guard var seg = st.active else { throw WALError.closed }
        st.active = nil
        defer { st.active = seg }
        try seg.append(frame, fault: &st.fault)
        if syncPolicy == .always {
            if st.directoryUnsynced {
                try WALFileIO.syncDirectory(directory)
                st.directoryUnsynced = false
            }
            try seg.sync()
        }
    }

    /// Creates segment `st.current` as the active one.
    private func openSegment(_ st: inout WALWriterState) throws {
        st.active = try WALSegmentFile.create(directory: directory, index: st.current)
        st.directoryUnsynced = syncPolicy != .never
    }

    /// Closes the active segment (fsynced unless `.never`) and starts the next one.
    @discardableResult
    func cut(_ st: inout WALWriterState) throws -> Int {
        if var seg = st.active {
            if seg.needsTruncate { try seg.truncateToSize() }
            if syncPolicy != .never && seg.unsynced { try seg.sync() }
            seg.closeFile()
            st.active = nil
            st.current += 1
        }
        try openSegment(&st)
        if syncPolicy != .never {
            try WALFileIO.syncDirectory(directory)
            st.directoryUnsynced = false
        }
        return st.current
    }

    /// Closes the active segment and starts a new one; returns the new segment's index.
    @discardableResult
    public func cutSegment() throws -> Int {
        try state.withLock { st in
            guard !st.closed else { throw WALError.closed }
            return try cut(&st)
        }
    }

    /// fsyncs what was written since the last sync (the fsync itself runs outside the lock).
    public func sync() throws {
        let work: (fd: Int32, path: String, directory: Bool)? = try state.withLock { st in
            guard !st.closed else { throw WALError.closed }
            guard let seg = st.active, seg.unsynced || st.directoryUnsynced else { return nil }
            // A duplicate descriptor stays valid even if a cut closes the segment meanwhile.
            let fd = dup(seg.fd)
            guard fd >= 0 else { throw WALFileIO.fileError(seg.path) }
            let dirPending = st.directoryUnsynced
            st.directoryUnsynced = false
            st.active?.unsynced = false
            return (fd, seg.path, dirPending)
        }
        guard let work else { return }
        defer { WALFileIO.closeDescriptor(work.fd) }
        do {
            if work.directory { try WALFileIO.syncDirectory(directory) }
            guard WALSyncStats.timedFsync(work.fd) == 0 else {
                let e = errno
                throw WALError.syncFailed(path: work.path, errno: e, message: WALFileIO.message(e))
            }
        } catch {
            state.withLock { st in
                if st.active?.path == work.path { st.active?.unsynced = true }
                if work.directory { st.directoryUnsynced = true }
            }
            throw error
        }
    }

    /// Flushes (unless `.never`), closes the active segment and stops the background sync.
    /// Later calls throw `WALError.closed`; closing twice is a no-op.
    public func close() throws {
        let (task, failure): (Task<Void, Never>?, WALError?) = state.withLock { st in
            guard !st.closed else { return (nil, nil) }
            st.closed = true
            var failure: WALError?
            if var seg = st.active {
                do {
                    if seg.needsTruncate { try seg.truncateToSize() }
                    if syncPolicy != .never {
                        if st.directoryUnsynced { try WALFileIO.syncDirectory(directory) }
                        if seg.unsynced { try seg.sync() }
                    }
                } catch let e as WALError { failure = e } catch {}
                seg.closeFile()
                st.active = nil
            }
            let task = st.syncTask
            st.syncTask = nil
            return (task, failure)
        }
        task?.cancel()
        if let failure { throw failure }
    }

    /// Oldest segment index on disk and the active segment's index.
    public var segmentRange: (first: Int, last: Int) {
        state.withLock { ($0.first, $0.current) }
    }

    /// Test hook: the next record write stores `bytes` bytes of the frame, then fails with `errno`.
    @_spi(Testing) public func _failNextWrite(afterBytes bytes: Int, errno: Int32) {
        state.withLock { $0.fault = WALWriteFault(bytesBeforeFailure: bytes, errno: errno) }
    }
}
