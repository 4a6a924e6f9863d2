/// What was last sent to each receiver for each aggregation group, so that repeats follow
/// `repeat_interval` and a restart neither re-sends nor forgets (Alertmanager's nflog).
struct NotificationLog: Sendable {
    struct Entry: Codable, Sendable, Equatable {
        /// Fingerprints of the firing alerts in the last notification, sorted.
        var firing: [UInt64]
        /// Fingerprints of the resolved alerts in the last notification, sorted.
        var resolved: [UInt64]
        /// When it was sent (Unix ms).
        var at: Int64
    }

    /// Entries by `groupID|receiver`.
    private(set) var entries: [String: Entry] = [:]

    static func key(group: String, receiver: String) -> String { group + "|" + receiver }

    subscript(group: String, receiver: String) -> Entry? { entries[Self.key(group: group, receiver: receiver)] }

    mutating func set(_ key: String, _ entry: Entry?) { entries[key] = entry }

    /// Drops entries older than `cutoff`; returns their keys.
    mutating func expire(before cutoff: Int64) -> [String] {
        let old = entries.filter { $0.value.at < cutoff }.map(\.key)
        for k in old { entries[k] = nil }
        return old
    }

    /// Alertmanager's dedup rule: notify on a new firing alert, on newly resolved alerts when the
    /// receiver wants them, on everything resolving after a firing notification, and otherwise only
    /// once `repeat_interval` has passed.
    static func needsUpdate(_ entry: Entry?, firing: [UInt64], resolved: [UInt64], sendResolved: Bool, repeatIntervalMs: Int64, now: Int64) -> Bool {
        guard let entry else { return !firing.isEmpty }
        if !isSubset(firing, of: entry.firing) { return true }
        if firing.isEmpty {
            // Everything resolved: tell a receiver that was told about firing alerts, nobody else.
            return !entry.firing.isEmpty
        }
        if sendResolved && !isSubset(resolved, of: entry.resolved) { return true }
        return entry.at + repeatIntervalMs <= now
    }

    /// Both arrays sorted.
    static func isSubset(_ a: [UInt64], of b: [UInt64]) -> Bool {
        var j = 0
        for x in a {
            while j < b.count && b[j] < x { j += 1 }
            if j == b.count || b[j] != x { return false }
            j += 1
        }
        return true
    }
}
