/// The plain-text summary of notifications a rate limit held back, appended to the next message.
enum HeldBackSummary {
    static func text(_ held: [ReceiverRateLimiter.Held]) -> String? {
        guard !held.isEmpty else { return nil }
        let total = held.reduce(0) { $0 + $1.count }
        var s = "\(total) notification\(total == 1 ? "" : "s") for \(held.count) group\(held.count == 1 ? "" : "s") held back by this receiver's rate limit (they are retried as the limit allows):"
        for h in held {
            let name = h.groupLabels.isEmpty ? "(all alerts)" : h.groupLabels.pairs.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            s += "\n* \(name): \(h.firing) firing, \(h.resolved) resolved"
        }
        return s
    }
}
