import TSDB

/// Counts of samples stored and rejected (by reason) across scrapes and pushes, for `/metrics`.
final class IngestMetrics: Sendable {
    static let shared = IngestMetrics()

    private let totals = LockedValue(AppendReport())
    private let droppedHistograms = LockedValue(0)

    /// Adds one committed batch's report.
    func record(_ r: AppendReport) {
        totals.withLock { $0.merge(r) }
    }

    /// Counts pushed native histogram samples dropped (not supported).
    func recordDroppedHistograms(_ samples: Int) {
        guard samples > 0 else { return }
        droppedHistograms.withLock { $0 += samples }
    }

    var snapshot: AppendReport { totals.withLock { $0 } }
    var droppedHistogramSamples: Int { droppedHistograms.withLock { $0 } }
}
