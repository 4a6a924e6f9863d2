import TSDB

/// Counts of samples stored and rejected (by reason) across scrapes and pushes, for `/metrics`.
final class IngestMetrics: Sendable {
    static let shared = IngestMetrics()

    private let totals = LockedValue(AppendReport())

    /// Adds one committed batch's report.
    func record(_ r: AppendReport) {
        totals.withLock { $0.merge(r) }
    }

    var snapshot: AppendReport { totals.withLock { $0 } }
}
