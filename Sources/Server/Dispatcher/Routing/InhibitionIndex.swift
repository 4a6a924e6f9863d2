import TSDB

/// Firing alerts that match each inhibit rule's source matchers, indexed by their `equal` label
/// values, so checking whether an alert is inhibited does not scan every alert.
struct InhibitionIndex {
    /// Per rule: equal-label values (joined with 0xff) → source fingerprints.
    var sources: [[String: [UInt64]]] = []
    var version = -1

    init() {}

    init(rules: [InhibitRule], alerts: [UInt64: DispatchAlert], now: Int64) {
        sources = rules.map { r in
            var m: [String: [UInt64]] = [:]
            for a in alerts.values where !a.isResolved(at: now) && AlertMatchers.matches(r.sourceMatchers, a.labels) {
                m[Self.key(r.equal, a.labels), default: []].append(a.fingerprint)
            }
            return m
        }
    }

    static func key(_ names: [String], _ l: Labels) -> String {
        names.map { l[$0] }.joined(separator: "\u{ff}")
    }

    /// The fingerprints (hex) of alerts inhibiting `a`: a firing source with equal `equal` labels.
    /// An alert matching both sides cannot be inhibited by another that also matches both, as in
    /// Alertmanager (so two such alerts do not mute each other).
    func inhibitors(of a: DispatchAlert, rules: [InhibitRule], alerts: [UInt64: DispatchAlert], now: Int64) -> [String] {
        for (i, r) in rules.enumerated() where i < sources.count && AlertMatchers.matches(r.targetMatchers, a.labels) {
            let twoSided = AlertMatchers.matches(r.sourceMatchers, a.labels)
            for fp in sources[i][Self.key(r.equal, a.labels)] ?? [] where fp != a.fingerprint {
                guard let s = alerts[fp], !s.isResolved(at: now) else { continue }
                if twoSided && AlertMatchers.matches(r.targetMatchers, s.labels) { continue }
                return [AlertFingerprint.hex(fp)]
            }
        }
        return []
    }
}
