/// What a WAL directory holds: segment files, finished checkpoints and leftover temp checkpoints.
struct WALDirectoryLayout {
    /// Segment indices, ascending.
    var segments: [Int] = []
    /// Finished checkpoint indices, ascending.
    var checkpoints: [Int] = []
    /// Names of unfinished `checkpoint.NNNNNNNN.tmp` directories.
    var temporaries: [String] = []

    /// The newest finished checkpoint, whose contents supersede segments up to its index.
    var newestCheckpoint: Int? { checkpoints.last }

    /// Lists `directory` (which must exist).
    static func scan(_ directory: String) throws(WALError) -> WALDirectoryLayout {
        var layout = WALDirectoryLayout()
        for name in try WALFileIO.list(directory) {
            if let i = WALFormat.segmentIndex(name) {
                layout.segments.append(i)
            } else if name.hasPrefix("checkpoint.") && name.hasSuffix(".tmp") {
                layout.temporaries.append(name)
            } else if let i = WALFormat.checkpointIndex(name) {
                layout.checkpoints.append(i)
            }
        }
        layout.segments.sort()
        layout.checkpoints.sort()
        return layout
    }
}
