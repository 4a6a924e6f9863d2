import TSDB

/// Counts of samples stored and rejected (by reason) across scrapes and pushes, for `/metrics`.
final class IngestMetrics: Sendable {
    static let shared = IngestMetrics()

    private let totals = LockedValue(AppendReport())
    private let skipped = LockedValue((invalidSeries: 0, histogramSamples: 0))

    /// Adds one committed batch's report.
    func record(_ r: AppendReport) {
        totals.withLock { $0.merge(r) }
    }

    /// Counts pushed series skipped for invalid labels and native histogram samples dropped.
    func recordSkipped(invalidSeries: Int, histogramSamples: Int) {
        guard invalidSeries > 0 || histogramSamples > 0 else { return }
        skipped.withLock { $0.invalidSeries += invalidSeries; $0.histogramSamples += histogramSamples }
    }

    var snapshot: AppendReport { totals.withLock { $0 } }
    var skippedSnapshot: (invalidSeries: Int, histogramSamples: Int) { skipped.withLock { $0 } }
}
