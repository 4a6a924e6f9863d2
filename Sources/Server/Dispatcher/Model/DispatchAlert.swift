import RuleEval
import TSDB

/// An alert held by the dispatcher, as Alertmanager keeps it: identified by its label set,
/// resolved once `endsAt` has passed. Times are Unix milliseconds.
struct DispatchAlert: Sendable, Equatable {
    var labels: Labels
    var annotations: Labels
    var startsAt: Int64
    var endsAt: Int64
    var updatedAt: Int64
    var generatorURL: String
    /// `endsAt` was not given by the sender but set from `resolve_timeout`.
    var timeout: Bool
    let fingerprint: UInt64

    init(labels: Labels, annotations: Labels, startsAt: Int64, endsAt: Int64, updatedAt: Int64, generatorURL: String, timeout: Bool) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.updatedAt = updatedAt
        self.generatorURL = generatorURL
        self.timeout = timeout
        fingerprint = AlertFingerprint.of(labels)
    }

    func isResolved(at now: Int64) -> Bool { endsAt <= now }

    /// Folds a newer post of the same alert into this one, as Alertmanager's `Alert.Merge` does:
    /// an alert that is still firing keeps its original start; an explicit end wins over a timeout.
    func merged(with newer: DispatchAlert, now: Int64) -> DispatchAlert {
        var m = newer
        if !isResolved(at: now) || newer.startsAt <= endsAt {
            // Overlapping intervals are one alert.
            m.startsAt = min(startsAt, newer.startsAt)
        }
        if newer.timeout && !timeout && !isResolved(at: now) {
            // A resolve-timeout end never shortens an explicit one.
            m.endsAt = max(endsAt, newer.endsAt)
            m.timeout = false
        }
        return m
    }
}

extension DispatchAlert {
    /// An alert from Tidemark's own rule evaluator, handed over in-process.
    init(notification n: AlertNotification) {
        self.init(labels: n.labels, annotations: Labels(sortedUnchecked: n.annotations.sorted()), startsAt: n.startsAt, endsAt: n.endsAt,
                  updatedAt: DispatcherTime.nowMs(), generatorURL: n.generatorURL, timeout: false)
    }
}
