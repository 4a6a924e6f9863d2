/// Settings of a `DB`. Times are milliseconds.
public struct DBOptions: Sendable {
    /// Range of a level-1 block; head data older than 1.5× this is persisted (Prometheus: 2 h).
    public var blockRange: Int64 = 2 * 3_600_000
    /// Blocks entirely older than this before the newest data are deleted (nil: keep forever).
    public var retentionTime: Int64? = 15 * 24 * 3_600_000
    /// Oldest blocks are deleted while blocks plus WAL exceed this many bytes (nil: no limit).
    public var retentionSize: Int64? = nil
    /// WAL segment size in bytes.
    public var walSegmentSize: Int = 128 << 20
    /// When WAL writes are fsynced; see `WALSyncPolicy` for what each promises.
    public var walSync: WALSyncPolicy = .default
    /// Samples per head chunk before a new chunk is cut.
    public var samplesPerChunk: Int = 120

    /// Default settings.
    public init() {}

    /// Largest block a compaction may produce: 10% of the retention time, at most 31 days.
    var maxBlockRange: Int64 {
        let cap: Int64 = 31 * 24 * 3_600_000
        guard let r = retentionTime else { return cap }
        return Swift.max(blockRange, Swift.min(cap, r / 10))
    }

    /// Compaction levels: the block range times 3, 9, 27, … up to `maxBlockRange`.
    var compactionRanges: [Int64] {
        var out: [Int64] = []
        var r = blockRange * 3
        while r <= maxBlockRange { out.append(r); r *= 3 }
        return out
    }
}
