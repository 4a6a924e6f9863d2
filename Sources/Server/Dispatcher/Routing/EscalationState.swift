/// Where a firing aggregation group stands in its escalation policy, and whether someone
/// acknowledged it. Persisted, so a restart continues the escalation instead of restarting it.
struct EscalationState: Codable, Sendable, Equatable {
    /// The step most recently notified.
    var step: Int
    /// When that step was notified (Unix ms); the next step is due at this plus the step's delay.
    var stepAt: Int64
    /// Receivers notified so far; they keep getting the group's updates.
    var notified: [String]
    var acked = false
    var ackedBy: String?
    var ackedAt: Int64?
    var ackComment: String?
    /// The firing alerts when it was acknowledged: a new one clears the acknowledgement.
    var firingAtAck: [UInt64] = []
}
