import Foundation
import Logging
import Synchronization

/// A Tidemark database: the head (with its WAL) plus the immutable blocks of a data directory.
///
/// Thread-safe. Appends go through `appender()`; reads through `querier(mint:maxt:)`.
/// `compact()` and `flush()` are serialised with each other.
public final class DB: Sendable {
    /// The data directory.
    public let directory: String
    /// The in-memory head.
    public let head: Head
    /// Settings in force.
    public let options: DBOptions
    let wal: WAL
    let logger: Logger
    let lock: DirectoryLock
    let blocksState = Mutex<[BlockReader]>([])
    /// Serialises flush, compaction and retention.
    let maintenance = Mutex<Void>(())
    private let isClosed = Atomic<Bool>(false)
    private let maintenanceTask = Mutex<Task<Void, Never>?>(nil)

    /// Opens (creating if needed) the database in `directory`: takes the lock, loads blocks
    /// (skipping corrupt ones with an error logged) and replays the WAL into the head.
    public static func open(directory: String, options: DBOptions = DBOptions(), logger: Logger = Logger(label: "tidemark.tsdb")) throws -> DB {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DBError.cannotOpen(path: directory, reason: "\(error.localizedDescription)")
        }
        let lock = try DirectoryLock(directory: directory)
        do {
            return try DB(directory: directory, options: options, logger: logger, lock: lock)
        } catch {
            lock.release()
            throw error
        }
    }

    private init(directory: String, options: DBOptions, logger: Logger, lock: DirectoryLock) throws {
        self.directory = directory
        self.options = options
        self.logger = logger
        self.lock = lock
        head = Head(samplesPerChunk: options.samplesPerChunk, blockRange: options.blockRange,
                    chunkDirectory: directory + "/chunks_head")
        let blocks = DB.loadBlocks(directory: directory, logger: logger)
        blocksState.withLock { $0 = blocks }
        if let maxBlock = blocks.map(\.meta.maxTime).max() {
            head.minValidTime.store(maxBlock, ordering: .relaxed)
        }
        let walDir = directory + "/wal"
        let stats = try DB.replay(walDir: walDir, into: head, logger: logger)
        logger.info("WAL replay done", metadata: ["series": "\(head.numSeries)", "samples": "\(stats)"])
        wal = try WAL(directory: walDir, segmentSize: options.walSegmentSize, syncPolicy: options.walSync,
                      logger: { [logger] msg in logger.warning("\(msg)") })
    }

    /// Loads every block directory; corrupt or half-written ones are logged and skipped.
    static func loadBlocks(directory: String, logger: Logger) -> [BlockReader] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return [] }
        var out: [BlockReader] = []
        for name in names.sorted() {
            let path = directory + "/" + name
            if name.hasSuffix(".tmp-for-creation") || name.hasSuffix(".tmp-for-deletion") {
                logger.warning("removing leftover temporary block directory", metadata: ["dir": "\(path)"])
                try? fm.removeItem(atPath: path)
                continue
            }
            guard name.count == 26, fm.fileExists(atPath: path + "/meta.json") || fm.fileExists(atPath: path + "/index") else { continue }
            do {
                out.append(try BlockReader(directory: path))
            } catch {
                logger.error("skipping unreadable block; its data is not served", metadata: ["dir": "\(path)", "error": "\(error)"])
            }
        }
        return out.sorted { $0.meta.minTime < $1.meta.minTime }
    }

    /// Rebuilds the head from the WAL (checkpoint, then segments); returns the samples replayed.
    static func replay(walDir: String, into head: Head, logger: Logger) throws -> Int {
        guard FileManager.default.fileExists(atPath: walDir) else { return 0 }
        var remap: [UInt64: UInt32] = [:]
        var samples = 0
        let stats = try WALReader.replay(directory: walDir, logger: { msg in logger.warning("\(msg)") }) { record in
            switch record {
            case .series(let list):
                for s in list {
                    guard let labels = try? Labels(validating: s.labels.map { Label(name: $0.name, value: $0.value) }) else {
                        logger.warning("WAL series record with invalid labels skipped", metadata: ["ref": "\(s.ref)"])
                        continue
                    }
                    let forced = s.ref <= UInt64(UInt32.max) ? UInt32(s.ref) : nil
                    let (ms, _) = head.getOrCreate(labels, ref: forced, logged: true)
                    if UInt64(ms.ref) != s.ref { remap[s.ref] = ms.ref }
                }
            case .samples(let list):
                let minValid = head.minValidTime.load(ordering: .relaxed)
                for s in list where s.t >= minValid {
                    let ref = remap[s.ref] ?? UInt32(truncatingIfNeeded: s.ref)
                    guard let ms = head.series(ref: ref) else { continue }
                    if case .accept = head.appendReplayed(ms, t: s.t, v: s.v) { samples += 1 }
                }
            }
        }
        if stats.truncatedBytes > 0 || stats.deletedSegments > 0 { WALHealthStats.recordCorruption() }
        return samples
    }

    /// The blocks currently served, oldest first.
    public var blocks: [BlockReader] { blocksState.withLock { $0 } }

    /// An appender whose commits are durable in the WAL before they return.
    public func appender() -> HeadAppender { head.appender(log: WALAppendLog(wal: wal)) }

    /// A querier over head and blocks for `[mint, maxt]` (inclusive, ms).
    public func querier(mint: Int64, maxt: Int64) -> Querier {
        Querier(head: head, blocks: blocks, mint: mint, maxt: maxt)
    }

    /// Starts a background task that compacts and applies retention every `interval`, and
    /// persists the head as soon as it spans more than 1.5 block ranges (checked every
    /// `headCheck`), so a fast backfill or remote-write burst does not hold hours in memory.
    public func startMaintenance(every interval: Duration = .seconds(60), headCheck: Duration = .seconds(1)) {
        let task = Task.detached { [weak self] in
            var sinceFull = Duration.zero
            var lastAppended = 0, trimmedAt = 0
            var sinceTrim = Duration.seconds(3600)
            while !Task.isCancelled {
                try? await Task.sleep(for: headCheck)
                guard let self, !Task.isCancelled else { return }
                sinceFull += headCheck
                sinceTrim += headCheck
                // When a burst of appends has ended, spill the open chunks' finished bytes, pack
                // the chunk buffers and hand the memory freed back to the OS (as a Go runtime's
                // scavenger would; glibc keeps freed pages otherwise): at once after a million
                // samples or more (a pause during the burst must not put off the one at its end),
                // else at most every 30 s, so that steady scraping does not pay for it at each pause.
                let appended = self.head.appendedTotal
                if appended == lastAppended && appended != trimmedAt
                    && (sinceTrim >= .seconds(30) || appended &- trimmedAt >= 1_000_000) {
                    self.head.spillOpenChunks()
                    self.head.compactChunkBuffers(fully: true)
                    ProcessStats.releaseFreeMemory()
                    trimmedAt = appended
                    sinceTrim = .zero
                }
                lastAppended = appended
                guard sinceFull >= interval || self.headIsCompactable else { continue }
                sinceFull = .zero
                do { try self.compact() } catch { self.logger.error("compaction failed", metadata: ["error": "\(error)"]) }
                // Steady scraping never pauses for the trim above: pack the chunk buffers here too,
                // after the compaction, so buffers a persisted block just freed are not moved first.
                self.head.compactChunkBuffers()
            }
        }
        maintenanceTask.withLock { $0?.cancel(); $0 = task }
    }

    /// True when the head spans more than 1.5 block ranges: `compact()` would persist a block.
    public var headIsCompactable: Bool {
        guard let hmin = head.minTime, let hmax = head.maxTime else { return false }
        return hmax - hmin > options.blockRange * 3 / 2
    }

    /// Stops maintenance and closes the WAL. The head is not flushed: the WAL replays it next time.
    public func close() throws {
        guard !isClosed.exchange(true, ordering: .relaxed) else { return }
        maintenanceTask.withLock { $0?.cancel(); $0 = nil }
        maintenance.withLock { _ in }
        defer { lock.release() }
        try wal.close()
    }

    /// Total bytes of all blocks.
    public var blocksSize: Int64 { blocks.reduce(0) { $0 + $1.sizeOnDisk } }
}

/// Writes committed batches to the WAL.
struct WALAppendLog: AppendLog {
    let wal: WAL
    func log(series: [WALSeries], samples: [WALSample]) throws {
        do {
            if !series.isEmpty { try wal.log(series: series) }
            if !samples.isEmpty { try wal.log(samples: samples) }
        } catch {
            WALHealthStats.recordWriteFailure()
            throw error
        }
    }
}
