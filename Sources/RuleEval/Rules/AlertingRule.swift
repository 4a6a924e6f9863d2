import Foundation
import Synchronization
import TSDB

/// An `alert:` rule: every series its expression returns is an alert, pending until `for` has
/// passed, then firing; `ALERTS` and `ALERTS_FOR_STATE` record the states, as Prometheus does.
public final class AlertingRule: Rule {
    public let definition: RuleDefinition
    /// Group labels not overridden by the rule's own.
    let groupLabels: [Label]
    private let box = RuleRecordBox()
    private let state = Mutex(State())

    struct State {
        /// Active (pending, firing, or recently resolved) alerts by label set.
        var active: [Labels: Alert] = [:]
        /// Whether `activeAt` was restored from `ALERTS_FOR_STATE` (or nothing needed restoring):
        /// until then the state series are not written, so a restart does not overwrite them.
        var restored = false
        /// The link to the expression for the external URL it was made for.
        var generatorURL = ("", "")
    }

    /// How long a resolved alert is kept, so the resolution is sent (Prometheus: 15 m).
    static let resolvedRetentionMs: Int64 = 15 * 60_000

    /// `restored: false` holds the state series back until `restoreForState` ran (after a restart).
    public init(_ definition: RuleDefinition, groupLabels: [Label] = [], restored: Bool = true) {
        self.definition = definition
        // Group labels the rule's own labels do not override, worked out once.
        self.groupLabels = groupLabels.filter { g in !definition.labels.contains { $0.name == g.name } }
        state.withLock { $0.restored = restored }
    }

    public var record: RuleEvaluationRecord { box.record }
    public func setRecord(_ r: RuleEvaluationRecord) { box.set(r) }

    /// Active alerts (pending, firing and resolved ones still kept), sorted by labels.
    public var alerts: [Alert] { state.withLock { Array($0.active.values) }.sorted { $0.labels < $1.labels } }

    /// The rule's overall state: the most advanced of its alerts.
    public var ruleState: AlertState {
        state.withLock { s in s.active.values.filter { $0.state != .inactive }.map(\.state).max() ?? .inactive }
    }

    /// Takes the alerts of an identical rule from before a reload.
    func adoptState(from old: AlertingRule) {
        let (active, restored) = old.state.withLock { ($0.active, $0.restored) }
        state.withLock { $0.active = active; $0.restored = restored }
    }

    public func evaluate(at ts: Int64, queryTime: Int64, env: RuleEnvironment, limit: Int) throws(RuleEvaluationError) -> [InstantSample] {
        let result = try env.vector(definition.expr, at: queryTime)
        let query = env.templateQuery(at: ts)
        let external = env.externalLabelMap
        var fresh: [Labels: Alert] = [:]
        fresh.reserveCapacity(result.count)
        for s in result {
            var templateLabels: [String: String] = [:]
            for l in s.labels.pairs { templateLabels[l.name] = l.value }
            func expand(_ f: TemplatedField) -> String {
                guard !f.isPlainText, let template = f.template else { return f.text }
                do {
                    return try AlertTemplate.expand(template, labels: templateLabels, value: s.v, externalLabels: external,
                                                    externalURL: env.externalURL, query: query)
                } catch {
                    return "<error expanding template: \(error)>"
                }
            }
            var set = groupLabels
            set += definition.labels.map { Label(name: $0.name, value: expand($0)) }
            set.append(Label(name: "alertname", value: definition.name))
            let labels = RuleLabels.build(s.labels, dropName: true, set: set)
            let annotations = definition.annotations.map { Label(name: $0.name, value: expand($0)) }.sorted()
            guard fresh[labels] == nil else {
                throw RuleEvaluationError("vector contains metrics with the same labelset after applying alert labels")
            }
            fresh[labels] = Alert(labels: labels, annotations: annotations, state: .pending, value: s.v, activeAt: ts)
        }
        return try state.withLock { (st) throws(RuleEvaluationError) -> [InstantSample] in
            for (key, a) in fresh {
                if var old = st.active[key], old.state != .inactive {
                    old.value = a.value
                    old.annotations = a.annotations
                    old.keepFiringSince = nil
                    st.active[key] = old
                } else {
                    st.active[key] = a
                }
            }
            var out: [InstantSample] = []
            var activeCount = 0
            for key in Array(st.active.keys) {
                guard var a = st.active[key] else { continue }
                if fresh[key] == nil {
                    var keepFiring = false
                    if a.state == .firing, definition.keepFiringForMs > 0 {
                        if a.keepFiringSince == nil { a.keepFiringSince = ts }
                        if let since = a.keepFiringSince, ts - since < definition.keepFiringForMs { keepFiring = true }
                    }
                    if a.state == .pending || (a.resolvedAt.map { ts - $0 > Self.resolvedRetentionMs } ?? false) {
                        st.active[key] = nil
                        continue
                    }
                    if a.state != .inactive && !keepFiring {
                        a.state = .inactive
                        a.resolvedAt = ts
                    }
                    st.active[key] = a
                    if !keepFiring { continue }
                }
                activeCount += 1
                if a.state == .pending, ts - a.activeAt >= definition.forMs {
                    a.state = .firing
                    a.firedAt = ts
                }
                st.active[key] = a
                if st.restored {
                    out.append(InstantSample(labels: Self.seriesLabels(a, name: "ALERTS", state: a.state), t: queryTime, v: 1))
                    out.append(InstantSample(labels: Self.seriesLabels(a, name: "ALERTS_FOR_STATE", state: nil), t: queryTime,
                                             v: Double(a.activeAt / 1000)))
                }
            }
            if limit > 0, activeCount > limit {
                st.active = [:]
                throw RuleEvaluationError("exceeded limit of \(limit) with \(activeCount) alerts")
            }
            return out
        }
    }

    /// An alert's labels with `__name__` (and `alertstate` for `ALERTS`).
    static func seriesLabels(_ a: Alert, name: String, state: AlertState?) -> Labels {
        var set = [Label(name: "__name__", value: name)]
        if let state { set.append(Label(name: "alertstate", value: state.rawValue)) }
        return RuleLabels.build(a.labels, dropName: false, set: set)
    }

    /// Alerts due for (re)sending at `ts`, marked as sent: firing ones every `resendDelay`, resolved
    /// ones once. `endsAt` of a firing alert is far enough ahead to survive a few missed sends.
    func alertsToSend(at ts: Int64, resendDelayMs: Int64, intervalMs: Int64, externalURL: String) -> [AlertNotification] {
        let delta = max(resendDelayMs, intervalMs)
        return state.withLock { st in
            var out: [AlertNotification] = []
            for key in Array(st.active.keys) {
                guard var a = st.active[key], a.needsSending(at: ts, resendDelayMs: resendDelayMs) else { continue }
                if st.generatorURL.0 != externalURL { st.generatorURL = (externalURL, Self.generatorURL(externalURL, definition.exprText)) }
                let url = st.generatorURL.1
                a.lastSentAt = ts
                a.validUntil = ts + 4 * delta
                st.active[key] = a
                out.append(AlertNotification(labels: a.labels, annotations: a.annotations, startsAt: a.firedAt,
                                             endsAt: a.resolvedAt ?? a.validUntil, generatorURL: url))
            }
            return out
        }
    }

    /// Prometheus' link to the expression in its graph page.
    static func generatorURL(_ externalURL: String, _ expr: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let q = expr.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        return "\(externalURL)/graph?g0.expr=\(q)&g0.tab=1"
    }

    /// After a restart: gives pending and firing alerts the `activeAt` their `ALERTS_FOR_STATE`
    /// series recorded before, instead of starting their `for` again. An alert whose series was last
    /// written longer than `outageToleranceMs` ago is not restored; one that still had to wait gets at
    /// least `gracePeriodMs` before it fires.
    func restoreForState(at ts: Int64, storage: any QueryStorage, outageToleranceMs: Int64, gracePeriodMs: Int64) {
        defer { state.withLock { $0.restored = true } }
        // A `for` shorter than the grace period is simply waited again, as Prometheus does.
        guard definition.forMs > 0, definition.forMs >= gracePeriodMs else { return }
        let keys = state.withLock { Array($0.active.keys) }
        guard !keys.isEmpty else { return }
        let querier = storage.querier(mint: ts - outageToleranceMs, maxt: ts)
        for key in keys {
            guard let a = state.withLock({ $0.active[key] }), a.state != .inactive else { continue }
            let series = Self.seriesLabels(a, name: "ALERTS_FOR_STATE", state: nil)
            let matchers = series.pairs.map { Matcher.eq($0.name, $0.value) }
            // The newest sample decides: a stale marker means the alert had ended before the restart.
            guard let found = querier.select(matchers).first(where: { $0.labels == series }),
                  let last = found.samples().last, !StaleNaN.isStale(last.v) else { continue }
            // The value is anyone's series in storage: only a plausible Unix time is used.
            guard last.v.isFinite, last.v > 0, last.v < 1e12 else { continue }
            let downAt = last.t / 1000 * 1000
            var activeAt = Int64(last.v) * 1000
            let (spent, o1) = downAt.subtractingReportingOverflow(activeAt)
            let (remaining, o2) = definition.forMs.subtractingReportingOverflow(spent)
            if o1 || o2 { continue }
            if remaining <= 0 {
                // It was already firing: keep its original start.
            } else if remaining < gracePeriodMs {
                activeAt = ts + gracePeriodMs - definition.forMs
            } else {
                activeAt += ts - downAt
            }
            state.withLock { st in
                if var cur = st.active[key] { cur.activeAt = activeAt; st.active[key] = cur }
            }
        }
    }
}
