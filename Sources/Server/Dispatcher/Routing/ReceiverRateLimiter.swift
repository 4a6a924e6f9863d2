import TSDB

/// A receiver's sliding-window limit, and what it held back since its last notification.
struct ReceiverRateLimiter: Sendable {
    /// A group's notification that the limit held back.
    struct Held: Sendable, Equatable {
        var groupID: String
        var groupLabels: Labels
        var firing: Int
        var resolved: Int
        /// How many notifications of this group were held.
        var count: Int
    }

    let limit: RateLimit
    private var sent: [Int64] = []
    /// Held notifications by group, in the order they were first held.
    private(set) var held: [Held] = []

    init(limit: RateLimit) { self.limit = limit }

    /// Whether a notification may go out at `now`; if so it is counted.
    mutating func admit(now: Int64) -> Bool {
        sent.removeAll { $0 <= now - limit.intervalMs }
        guard sent.count < limit.max else { return false }
        sent.append(now)
        return true
    }

    /// When the window next has room (nil if it has room now).
    func nextSlot(now: Int64) -> Int64? {
        let live = sent.filter { $0 > now - limit.intervalMs }
        guard live.count >= limit.max, let oldest = live.min() else { return nil }
        return oldest + limit.intervalMs
    }

    mutating func hold(_ h: Held) {
        if let i = held.firstIndex(where: { $0.groupID == h.groupID }) {
            held[i].firing = h.firing
            held[i].resolved = h.resolved
            held[i].count += 1
        } else {
            held.append(h)
        }
    }

    /// Forgets what was held for `groupID`; true if there was something.
    mutating func dropHeld(_ groupID: String) -> Bool { dropHeld { $0 == groupID } }

    /// Forgets what was held for groups `gone` says are gone; true if anything was dropped.
    mutating func dropHeld(where gone: (String) -> Bool) -> Bool {
        let before = held.count
        held.removeAll { gone($0.groupID) }
        return held.count != before
    }

    /// The summary for the next notification (excluding `groupID`, which that notification carries), then cleared.
    mutating func takeHeld(except groupID: String) -> [Held] {
        let out = held.filter { $0.groupID != groupID }
        held.removeAll()
        return out
    }
}
