/// The `meta.json` of a block (Prometheus-like field names). Times in ms; `minTime` inclusive,
/// `maxTime` exclusive.
public struct BlockMeta: Codable, Sendable, Equatable {
    /// Sample counts of the block.
    public struct Stats: Codable, Sendable, Equatable {
        /// Samples stored.
        public var numSamples: UInt64
        /// Series stored.
        public var numSeries: UInt64
        /// Chunks stored (series chunks, not frames).
        public var numChunks: UInt64
        /// Memberwise initializer.
        public init(numSamples: UInt64, numSeries: UInt64, numChunks: UInt64) {
            self.numSamples = numSamples; self.numSeries = numSeries; self.numChunks = numChunks
        }
    }
    /// How the block came to be.
    public struct Compaction: Codable, Sendable, Equatable {
        /// 1 for a block cut from the head, max(input levels)+1 after compaction.
        public var level: Int
        /// ULIDs of the level-1 blocks whose data this block holds.
        public var sources: [String]
        /// Memberwise initializer.
        public init(level: Int, sources: [String]) { self.level = level; self.sources = sources }
    }

    /// The block's ULID (also its directory name).
    public var ulid: String
    /// First millisecond covered (inclusive).
    public var minTime: Int64
    /// End of the covered range (exclusive).
    public var maxTime: Int64
    /// Sample, series and chunk counts.
    public var stats: Stats
    /// Compaction level and sources.
    public var compaction: Compaction
    /// Format version of the block (this format: 1).
    public var version: Int

    /// Memberwise initializer.
    public init(ulid: String, minTime: Int64, maxTime: Int64, stats: Stats, compaction: Compaction, version: Int = 1) {
        self.ulid = ulid; self.minTime = minTime; self.maxTime = maxTime
        self.stats = stats; self.compaction = compaction; self.version = version
    }
}
