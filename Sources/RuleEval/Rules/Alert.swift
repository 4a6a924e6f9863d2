import TSDB

/// Where an alert is in its life: pending until its `for` has passed, then firing; inactive once
/// resolved (kept a while so the resolution reaches Alertmanager).
public enum AlertState: String, Sendable, Comparable {
    case inactive, pending, firing

    var order: Int {
        switch self {
        case .inactive: return 0
        case .pending: return 1
        case .firing: return 2
        }
    }

    public static func < (a: AlertState, b: AlertState) -> Bool { a.order < b.order }
}

/// One alert of an alerting rule: a label set (with `alertname`) and its state. Times are ms.
public struct Alert: Sendable, Equatable {
    public var labels: Labels
    /// Expanded annotations, sorted by name.
    public var annotations: [Label]
    public var state: AlertState
    /// The value of the sample that raised it, at the last evaluation.
    public var value: Double
    /// When the expression first returned the series.
    public var activeAt: Int64
    /// When it started firing (0 while pending).
    public var firedAt: Int64 = 0
    /// When it resolved (nil while active).
    public var resolvedAt: Int64?
    /// When it was last sent to the notifier (0 = never).
    public var lastSentAt: Int64 = 0
    /// Until when the last notification keeps it alive in Alertmanager.
    public var validUntil: Int64 = 0
    /// Since when the expression no longer returns it while `keep_firing_for` holds it firing.
    public var keepFiringSince: Int64?

    /// Whether the notifier should get it at `ts`: firing and not sent for `resendDelay`, or
    /// resolved since it was last sent.
    func needsSending(at ts: Int64, resendDelayMs: Int64) -> Bool {
        if state == .pending { return false }
        if let r = resolvedAt, r > lastSentAt { return true }
        return lastSentAt + resendDelayMs < ts
    }
}

/// An alert as it leaves the evaluator for Alertmanager (times in ms; `endsAt` is the resolution
/// time, or the time the alert should be considered resolved unless re-sent).
public struct AlertNotification: Sendable, Equatable {
    public var labels: Labels
    public var annotations: [Label]
    public var startsAt: Int64
    public var endsAt: Int64
    public var generatorURL: String

    public init(labels: Labels, annotations: [Label], startsAt: Int64, endsAt: Int64, generatorURL: String) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
    }
}
