/// What happened to a committed batch: how many samples were stored and why others were not.
///
/// A batch's valid samples are stored even when some are rejected.
public struct AppendReport: Sendable, Equatable, CustomStringConvertible {
    /// Samples stored (and in the WAL).
    public var appended = 0
    /// Same timestamp and same value as the stored sample: silently ignored, not an error.
    public var duplicatesIgnored = 0
    /// Same timestamp as the stored sample but a different value: rejected.
    public var duplicates = 0
    /// Older than the series' newest sample: rejected.
    public var outOfOrder = 0
    /// Older than the head's minimum valid time (already persisted into blocks): rejected.
    public var outOfBounds = 0
    /// Series created by this batch.
    public var seriesCreated = 0

    public init() {}

    /// Number of rejected samples.
    public var rejected: Int { duplicates + outOfOrder + outOfBounds }

    /// Adds another report's counts.
    public mutating func merge(_ o: AppendReport) {
        appended += o.appended; duplicatesIgnored += o.duplicatesIgnored; duplicates += o.duplicates
        outOfOrder += o.outOfOrder; outOfBounds += o.outOfBounds; seriesCreated += o.seriesCreated
    }

    public var description: String {
        var parts = ["\(appended) appended"]
        if duplicatesIgnored > 0 { parts.append("\(duplicatesIgnored) identical duplicates ignored") }
        if duplicates > 0 { parts.append("\(duplicates) rejected as duplicate timestamp with a different value") }
        if outOfOrder > 0 { parts.append("\(outOfOrder) rejected as out of order") }
        if outOfBounds > 0 { parts.append("\(outOfBounds) rejected as too old (before the head's minimum valid time)") }
        return parts.joined(separator: ", ")
    }
}

/// Why `append` refused a single sample before it reached the batch.
public enum AppendError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidLabels(LabelError)
    case invalidTimestamp(String)
    case unknownSeriesRef(UInt32)
    case walFailed(String)
    case closed

    public var description: String {
        switch self {
        case .invalidLabels(let e): return e.description
        case .invalidTimestamp(let s): return "invalid timestamp \(s): must be a finite number of milliseconds"
        case .unknownSeriesRef(let r): return "unknown series ref \(r)"
        case .walFailed(let m): return "write-ahead log write failed, nothing of this batch was stored: \(m)"
        case .closed: return "the database is closed"
        }
    }
}

/// Converts a floating-point timestamp in milliseconds to Int64, rejecting NaN, ±Inf and overflow.
public func timestampMilliseconds(_ t: Double) throws(AppendError) -> Int64 {
    guard t.isFinite, t >= -9.2e18, t <= 9.2e18 else { throw .invalidTimestamp("\(t)") }
    return Int64(t.rounded(.towardZero))
}
