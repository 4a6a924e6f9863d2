#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Process-wide WAL fsync figures (count and total time), for self-metrics.
public enum WALSyncStats {
    static let count = Atomic<Int>(0)
    static let nanoseconds = Atomic<Int>(0)

    /// Number of WAL fsyncs so far.
    public static var syncs: Int { count.load(ordering: .relaxed) }
    /// Total seconds spent in WAL fsyncs.
    public static var seconds: Double { Double(nanoseconds.load(ordering: .relaxed)) / 1e9 }

    /// Runs `fsync(fd)` and records its duration.
    static func timedFsync(_ fd: Int32) -> Int32 {
        let start = ContinuousClock.now
        let rc = fsync(fd)
        let d = ContinuousClock.now - start
        count.wrappingAdd(1, ordering: .relaxed)
        nanoseconds.wrappingAdd(Int(d.components.seconds) * 1_000_000_000 + Int(d.components.attoseconds / 1_000_000_000), ordering: .relaxed)
        return rc
    }
}
