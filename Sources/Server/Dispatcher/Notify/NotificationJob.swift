import TSDB

/// One notification to one receiver for one aggregation group, as decided at a flush.
struct NotificationJob: Sendable {
    var groupID: String
    /// Alertmanager's group key (`{}/{…}:{…}`), as webhooks receive it.
    var groupKey: String
    var groupLabels: Labels
    /// The receiver the route or escalation step names (a rotation's name, for example).
    var routeReceiver: String
    /// The concrete receiver notified (a rotation resolves to its current member).
    var receiver: ReceiverConfig
    /// The receiver's integrations that need this notification.
    var integrations: [IntegrationRef]
    /// Unsilenced, uninhibited alerts of the group, firing and resolved, in fingerprint order.
    var alerts: [DispatchAlert]
    var firing: [UInt64]
    var resolved: [UInt64]
    var heldBack: [ReceiverRateLimiter.Held] = []
    /// When the flush was due (Unix ms), for the dispatch latency.
    var dueAt: Int64
    /// Time reference for resolved-ness.
    var now: Int64
    /// How long delivery keeps retrying before leaving it to the next flush.
    var retryForMs: Int64
}
