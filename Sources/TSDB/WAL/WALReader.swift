/// Counts of a replay.
public struct WALReplayStats: Sendable, Equatable {
    /// Records handed to the body.
    public var records = 0
    /// Series in those records.
    public var series = 0
    /// Samples in those records.
    public var samples = 0
    /// Bytes removed: a damaged segment's tail plus the segments deleted after it.
    public var truncatedBytes = 0
    /// Segments deleted because they followed a damaged one.
    public var deletedSegments = 0
    /// Valid records of a type this version does not decode (skipped with a warning).
    public var skippedRecords = 0
    /// Segment files read (checkpoint segments included).
    public var segments = 0
    /// Index of the checkpoint replayed first, if any.
    public var checkpoint: Int?
    /// Creates empty stats.
    public init() {}
}

/// What scanning one segment file found.
struct WALSegmentScan {
    /// End of the last good record (or of the header): where a damaged file is cut.
    var validEnd = 0
    var fileSize = 0
    /// Why scanning stopped before the end, if it did.
    var damage: WALDecodeError?
    /// Offset of the damage.
    var damageOffset = 0
}

/// Reads WAL directories back: replay at startup, with repair of a torn or corrupt tail.
public enum WALReader {
    /// Replays the newest checkpoint, then the segments after it (and at or after `fromSegment`),
    /// calling `body` with each record in log order.
    ///
    /// A torn or corrupt record (short read, bad CRC, bad length, undecodable payload) ends the
    /// log: its segment is truncated to the last good record, later segments are deleted, a
    /// warning is logged and replay returns normally. Damage inside a checkpoint skips the rest
    /// of that checkpoint (it is never modified). Errors thrown by `body`, I/O errors and
    /// segments of a newer format version are thrown. A missing directory replays nothing.
    @discardableResult
    public static func replay(
        directory: String,
        fromSegment: Int = 0,
        logger: ((String) -> Void)? = nil,
        _ body: (WALRecord) throws -> Void
    ) throws -> WALReplayStats {
        var stats = WALReplayStats()
        guard WALFileIO.isDirectory(directory) else { return stats }
        let layout = try WALDirectoryLayout.scan(directory)
        let decoder = WALRecordDecoder()
        if let c = layout.newestCheckpoint {
            stats.checkpoint = c
            let dir = directory + "/" + WALFormat.checkpointName(c)
            let inner = try WALDirectoryLayout.scan(dir).segments
            for s in inner {
                let path = dir + "/" + WALFormat.segmentName(s)
                let scan = try scanSegment(path: path, decoder: decoder, logger: logger, stats: &stats, body)
                if let damage = scan.damage {
                    logger?("WAL: checkpoint segment \(path) damaged at offset \(scan.damageOffset): \(damage); rest of the checkpoint skipped")
                    break
                }
            }
        }
        let start = max(fromSegment, (layout.newestCheckpoint ?? -1) + 1)
        let segments = layout.segments.filter { $0 >= start }
        var previous: Int?
        for (i, s) in segments.enumerated() {
            if let p = previous, s != p + 1 {
                logger?("WAL: segments \(p + 1)...\(s - 1) are missing; continuing with segment \(s)")
            }
            previous = s
            let path = directory + "/" + WALFormat.segmentName(s)
            let scan = try scanSegment(path: path, decoder: decoder, logger: logger, stats: &stats, body)
            guard let damage = scan.damage else { continue }
            let cut = scan.fileSize - scan.validEnd
            logger?("WAL: segment \(path) damaged at offset \(scan.damageOffset): \(damage); truncating \(cut) bytes to \(scan.validEnd)")
            try WALFileIO.truncate(path, to: scan.validEnd)
            stats.truncatedBytes += cut
            for later in segments[(i + 1)...] {
                let laterPath = directory + "/" + WALFormat.segmentName(later)
                let size = WALFileIO.fileSize(laterPath)
                logger?("WAL: deleting segment \(laterPath) (\(size) bytes) after the damaged segment \(s)")
                try WALFileIO.removeFile(laterPath)
                stats.truncatedBytes += size
                stats.deletedSegments += 1
            }
            try WALFileIO.syncDirectory(directory)
            break
        }
        return stats
    }

    /// Reads one segment file, calling `body` per record until the end or the first damage.
    static func scanSegment(
        path: String,
        decoder: WALRecordDecoder,
        logger: ((String) -> Void)?,
        stats: inout WALReplayStats,
        _ body: (WALRecord) throws -> Void
    ) throws -> WALSegmentScan {
        let bytes = try WALFileIO.readAll(path)
        stats.segments += 1
        var scan = WALSegmentScan(validEnd: 0, fileSize: bytes.count)
        // An empty file is a segment whose creation was interrupted: nothing to read.
        if bytes.isEmpty { return scan }
        try bytes.withUnsafeBytes { buf in
            let h = WALFormat.segmentHeaderSize
            guard buf.count >= h else {
                scan.damage = .truncated(needed: h, available: buf.count)
                return
            }
            guard buf.prefix(4).elementsEqual(WALFormat.magic) else {
                scan.damage = .badMagic
                return
            }
            let version = buf[4]
            guard version == ~buf[5] else {
                scan.damage = .badMagic
                return
            }
            guard version == WALFormat.version else { throw WALError.unsupportedVersion(path: path, version: version) }
            var off = h
            scan.validEnd = h
            while off < buf.count {
                let record: WALRecord
                let size: Int
                do throws(WALDecodeError) {
                    let frame = try WALRecordDecoder.frame(in: UnsafeRawBufferPointer(rebasing: buf[off...]))
                    size = frame.size
                    do throws(WALDecodeError) {
                        record = try decoder.decode(frame)
                    } catch {
                        guard case .unsupported(let t, let f) = error else { throw error }
                        logger?("WAL: skipping record of unsupported type \(t) flags \(f) in \(path) at offset \(off)")
                        stats.skippedRecords += 1
                        off += size
                        scan.validEnd = off
                        continue
                    }
                } catch {
                    scan.damage = error
                    scan.damageOffset = off
                    return
                }
                switch record {
                case .series(let s): stats.series += s.count
                case .samples(let s): stats.samples += s.count
                }
                stats.records += 1
                try body(record)
                off += size
                scan.validEnd = off
            }
        }
        return scan
    }
}
