/// Counts of a checkpoint.
public struct WALCheckpointStats: Sendable, Equatable {
    /// Index of the checkpoint written (nil when there was nothing to do).
    public var checkpoint: Int?
    public var seriesKept = 0
    public var seriesDropped = 0
    public var samplesKept = 0
    public var samplesDropped = 0
    /// Segment files folded into the checkpoint and removed.
    public var segmentsRemoved = 0
    /// Creates empty stats.
    public init() {}
}

/// Writes records into numbered segments of a checkpoint directory.
struct WALCheckpointWriter {
    let directory: String
    let segmentSize: Int
    let encoder = WALRecordEncoder()
    var segment: WALSegmentFile?
    var next = 0
    var noFault: WALWriteFault?

    init(directory: String, segmentSize: Int) {
        self.directory = directory
        self.segmentSize = segmentSize
    }

    mutating func write(series: [WALSeries]) throws {
        var start = 0
        while start < series.count {
            let end = min(series.count, start + WAL.maxSeriesPerRecord)
            try append(try encoder.frameSeries(series[start..<end]))
            start = end
        }
    }

    mutating func write(samples: [WALSample]) throws {
        try samples.withUnsafeBufferPointer { try append(try encoder.frameSamples($0)) }
    }

    private mutating func append(_ frame: UnsafeRawBufferPointer) throws {
        if let s = segment, s.size > WALFormat.segmentHeaderSize, s.size + frame.count > segmentSize {
            try finishSegment()
        }
        if segment == nil {
            segment = try WALSegmentFile.create(directory: directory, index: next)
            next += 1
        }
        try segment?.append(frame, fault: &noFault)
    }

    /// fsyncs and closes the open segment.
    mutating func finishSegment() throws {
        guard var s = segment else { return }
        segment = nil
        defer { s.closeFile() }
        try s.sync()
    }
}

extension WAL {
    /// Folds segments up to `upTo` (and the previous checkpoint) into `checkpoint.NNNNNNNN`,
    /// keeping the series and samples the filters accept, then deletes those segments and older
    /// checkpoints.
    ///
    /// The checkpoint is written to `checkpoint.NNNNNNNN.tmp`, fsynced and renamed atomically, so
    /// a crash leaves either the old state or the new one. If `upTo` includes the active segment
    /// a new segment is cut first. Damage found in an old segment is logged and the rest of that
    /// segment skipped (replay would have cut it off anyway). Appends may continue meanwhile.
    @discardableResult
    public func checkpoint(
        upTo segment: Int,
        keepSeries: (UInt64) -> Bool,
        keepSample: (WALSample) -> Bool
    ) throws -> WALCheckpointStats {
        try maintenance.withLock { _ in
            try checkpointLocked(upTo: segment, keepSeries: keepSeries, keepSample: keepSample)
        }
    }

    private func checkpointLocked(
        upTo requested: Int,
        keepSeries: (UInt64) -> Bool,
        keepSample: (WALSample) -> Bool
    ) throws -> WALCheckpointStats {
        var stats = WALCheckpointStats()
        guard requested >= 0 else { return stats }
        // Only closed segments are folded: cut if the active one is included.
        let upTo: Int = try state.withLock { st in
            guard !st.closed else { throw WALError.closed }
            if requested >= st.current {
                // An empty active segment holds nothing to fold: no need to cut it.
                if let seg = st.active, seg.size <= WALFormat.segmentHeaderSize {} else { _ = try cut(&st) }
            }
            return min(requested, st.current - 1)
        }
        guard upTo >= 0 else { return stats }
        let layout = try WALDirectoryLayout.scan(directory)
        let previous = layout.newestCheckpoint
        if let previous, previous >= upTo { return stats }

        var sources: [String] = []
        if let previous {
            let dir = directory + "/" + WALFormat.checkpointName(previous)
            sources += try WALDirectoryLayout.scan(dir).segments.map { dir + "/" + WALFormat.segmentName($0) }
        }
        let folded = layout.segments.filter { $0 > (previous ?? -1) && $0 <= upTo }
        sources += folded.map { directory + "/" + WALFormat.segmentName($0) }

        let name = WALFormat.checkpointName(upTo)
        let temp = directory + "/" + name + ".tmp"
        try WALFileIO.removeDirectory(temp)
        try WALFileIO.makeDirectories(temp)
        var writer = WALCheckpointWriter(directory: temp, segmentSize: segmentSize)
        let decoder = WALRecordDecoder()
        var replayStats = WALReplayStats()
        var keptSeries: [WALSeries] = []
        var keptSamples: [WALSample] = []
        for path in sources {
            let scan = try WALReader.scanSegment(path: path, decoder: decoder, logger: logger, stats: &replayStats) { record in
                switch record {
                case .series(let series):
                    keptSeries.removeAll(keepingCapacity: true)
                    for s in series where keepSeries(s.ref) { keptSeries.append(s) }
                    stats.seriesKept += keptSeries.count
                    stats.seriesDropped += series.count - keptSeries.count
                    try writer.write(series: keptSeries)
                case .samples(let samples):
                    keptSamples.removeAll(keepingCapacity: true)
                    for s in samples where keepSample(s) { keptSamples.append(s) }
                    stats.samplesKept += keptSamples.count
                    stats.samplesDropped += samples.count - keptSamples.count
                    if !keptSamples.isEmpty { try writer.write(samples: keptSamples) }
                }
            }
            if let damage = scan.damage {
                logger?("WAL checkpoint: \(path) damaged at offset \(scan.damageOffset): \(damage); rest of it skipped")
            }
        }
        try writer.finishSegment()
        try WALFileIO.syncDirectory(temp)
        // The rename is the commit point: before it replay uses the old state, after it the new.
        try WALFileIO.move(temp, directory + "/" + name)
        try WALFileIO.syncDirectory(directory)
        stats.checkpoint = upTo

        for s in folded {
            try WALFileIO.removeFile(directory + "/" + WALFormat.segmentName(s))
            stats.segmentsRemoved += 1
        }
        for c in layout.checkpoints {
            try WALFileIO.removeDirectory(directory + "/" + WALFormat.checkpointName(c))
        }
        try WALFileIO.syncDirectory(directory)
        state.withLock { $0.first = max($0.first, upTo + 1) }
        return stats
    }

    /// Drops every segment and checkpoint: for when the whole head was persisted into blocks
    /// and no series needs to survive. Appending continues in a fresh segment.
    /// (To keep series, use `checkpoint(upTo:keepSeries:keepSample:)` with `keepSample` false.)
    public func truncateAll() throws {
        try maintenance.withLock { _ in
            let current: Int = try state.withLock { st in
                guard !st.closed else { throw WALError.closed }
                let c = try cut(&st)
                st.first = c
                return c
            }
            let layout = try WALDirectoryLayout.scan(directory)
            for s in layout.segments where s < current {
                try WALFileIO.removeFile(directory + "/" + WALFormat.segmentName(s))
            }
            for c in layout.checkpoints {
                try WALFileIO.removeDirectory(directory + "/" + WALFormat.checkpointName(c))
            }
            for t in layout.temporaries { try WALFileIO.removeDirectory(directory + "/" + t) }
            try WALFileIO.syncDirectory(directory)
        }
    }
}
