import Synchronization

/// Process-wide counts of WAL trouble, for `/metrics` and the meta-monitoring alerts.
public enum WALHealthStats {
    static let corruptionCount = Atomic<Int>(0)
    static let writeFailureCount = Atomic<Int>(0)

    /// WALs found damaged (and repaired) at start-up.
    public static var corruptions: Int { corruptionCount.load(ordering: .relaxed) }
    /// Batches whose WAL write or fsync failed (not acknowledged).
    public static var writeFailures: Int { writeFailureCount.load(ordering: .relaxed) }

    static func recordCorruption() { corruptionCount.add(1, ordering: .relaxed) }
    static func recordWriteFailure() { writeFailureCount.add(1, ordering: .relaxed) }
}
