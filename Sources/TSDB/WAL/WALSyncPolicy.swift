/// When the WAL fsyncs, i.e. what an acknowledged `log` survives.
///
/// Every policy writes each record with `write(2)` before `log` returns, so an acknowledged
/// record always survives a crash or kill of the process. The policies differ on power loss
/// or a kernel crash, which only an fsync protects against.
public enum WALSyncPolicy: Sendable, Equatable {
    /// fsync before `log` returns: an acknowledged record survives power loss. Slowest.
    case always
    /// fsync from a background task every `interval` (when something was written), on segment
    /// cut and on close: power loss may lose up to the last `interval` of acknowledged records.
    case interval(Duration)
    /// Never fsync explicitly (the OS writes back when it wants, typically within ~30 s):
    /// power loss may lose any amount of recent records.
    case never

    /// The default: `.interval(1 s)`.
    public static var `default`: WALSyncPolicy { .interval(.seconds(1)) }
}
