import TSDB

/// Scrape figures for Tidemark's own `/metrics`: per job, scrapes, failures and total duration.
final class ScrapeMetrics: Sendable {
    struct Job: Sendable {
        var scrapes = 0
        var failures = 0
        var seconds = 0.0
    }

    private let jobs = LockedValue<[String: Job]>([:])

    func record(job: String, seconds: Double, failed: Bool) {
        jobs.withLock { j in
            j[job, default: Job()].scrapes += 1
            j[job, default: Job()].seconds += seconds
            if failed { j[job, default: Job()].failures += 1 }
        }
    }

    /// A copy of the figures, by job.
    var snapshot: [String: Job] { jobs.withLock { $0 } }
}
