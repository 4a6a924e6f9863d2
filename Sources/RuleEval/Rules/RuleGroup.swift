import Foundation
import Synchronization
import TSDB

/// How many groups evaluate at once: one per core. More threads than cores only add context
/// switches, and preempted holders of the head's locks stall the other groups.
public final class RuleEvaluationSlots: Sendable {
    let gate: QueryGate
    public init(limit: Int = ProcessInfo.processInfo.activeProcessorCount) { gate = QueryGate(limit: limit) }
}

/// A rule group: rules evaluated in order at one timestamp per interval, each rule's output
/// committed before the next rule runs (so it sees it), series a rule stops returning marked stale.
public final class RuleGroup: Sendable {
    public let definition: RuleGroupDefinition
    public let rules: [any Rule]
    /// Evaluation interval, ms.
    public let intervalMs: Int64
    /// Queries and outputs are stamped this much before the evaluation time, ms.
    public let queryOffsetMs: Int64
    private let state = Mutex(State())

    struct State {
        /// Per rule, the series it stored in its last successful evaluation.
        var previousSeries: [Set<Labels>] = []
        var lastEvaluation: Int64 = 0
        var evaluationSeconds: Double = 0
        /// The timestamp of the last evaluation (ms), for `ALERTS_FOR_STATE` restoring.
        var lastEvaluationTimestamp: Int64 = 0
        var needsRestore = false
        /// Series of rules a reload removed (or changed beyond recognition): marked stale at the
        /// next evaluation, so they end at once instead of lingering for the lookback.
        var pendingStale: Set<Labels> = []
    }

    /// Counters the group keeps for self-metrics.
    public struct Counters: Sendable {
        public var evaluations = 0
        public var failures: [String: Int] = [:]
        public var missedIterations = 0
        public var samplesRejected = 0
    }
    private let counterBox = Mutex(Counters())

    /// Builds a group; `restore` makes its first evaluation restore alert states from storage (for
    /// rules whose `for` is at least `gracePeriodMs`; shorter ones simply wait again).
    public init(_ definition: RuleGroupDefinition, defaultIntervalMs: Int64, defaultQueryOffsetMs: Int64 = 0, restore: Bool = false,
                gracePeriodMs: Int64 = 600_000) {
        self.definition = definition
        intervalMs = definition.intervalMs ?? defaultIntervalMs
        queryOffsetMs = definition.queryOffsetMs ?? defaultQueryOffsetMs
        rules = definition.rules.map { r -> any Rule in
            switch r.kind {
            case .recording: return RecordingRule(r, groupLabels: definition.labels)
            case .alerting: return AlertingRule(r, groupLabels: definition.labels, restored: !restore || r.forMs == 0 || r.forMs < gracePeriodMs)
            }
        }
        let n = rules.count
        state.withLock { $0.previousSeries = Array(repeating: [], count: n); $0.needsRestore = restore }
    }

    /// `file;name`, the key Prometheus uses for a group in metrics and reloads.
    public var key: String { "\(definition.file);\(definition.name)" }

    public var alertingRules: [AlertingRule] { rules.compactMap { $0 as? AlertingRule } }
    public var lastEvaluation: Int64 { state.withLock { $0.lastEvaluation } }
    public var evaluationSeconds: Double { state.withLock { $0.evaluationSeconds } }
    public var counters: Counters { counterBox.withLock { $0 } }

    func countMissed(_ n: Int) { counterBox.withLock { $0.missedIterations += n } }

    /// The first timestamp ≥ `now` of this group's schedule: multiples of the interval, shifted by
    /// a hash of the group so groups with the same interval do not all evaluate at once.
    public func nextEvaluation(after now: Int64) -> Int64 {
        var h = StableHasher()
        h.combine(key)
        let offset = Int64(h.value % UInt64(max(intervalMs, 1)))
        let adj = now - offset
        var base = adj - ((adj % intervalMs) + intervalMs) % intervalMs + offset
        if base < now { base += intervalMs }
        return base
    }

    /// Takes alert state, stored-series memory and evaluation records from the group it replaces on
    /// reload, rule by rule where kind, name and labels match (the first unused match, as
    /// Prometheus does); series of old rules left unmatched are marked stale at the next evaluation.
    public func adopt(from old: RuleGroup) {
        let (oldPrevious, oldStale, lastEval, seconds, needs) = old.state.withLock {
            ($0.previousSeries, $0.pendingStale, $0.lastEvaluation, $0.evaluationSeconds, $0.needsRestore)
        }
        var previous = state.withLock { $0.previousSeries }
        // Old rules by identity, each list in rule order: a lookup per new rule, not a scan (groups
        // of thousands of rules are reloaded too).
        var candidates: [RuleDefinition.Identity: [Int]] = [:]
        for (j, r) in old.rules.enumerated().reversed() { candidates[r.definition.identity, default: []].append(j) }
        var used = Set<Int>()
        for (i, r) in rules.enumerated() {
            guard let j = candidates[r.definition.identity]?.popLast() else { continue }
            used.insert(j)
            if let a = r as? AlertingRule, let b = old.rules[j] as? AlertingRule { a.adoptState(from: b) }
            r.setRecord(old.rules[j].record)
            previous[i] = oldPrevious[j]
        }
        var stale = oldStale
        for j in old.rules.indices where !used.contains(j) { stale.formUnion(oldPrevious[j]) }
        state.withLock {
            $0.previousSeries = previous
            $0.needsRestore = needs
            $0.pendingStale = stale
            $0.lastEvaluation = lastEval
            $0.evaluationSeconds = seconds
        }
    }

    /// Evaluates every rule at `ts` (ms) on the calling thread, stores the outputs and returns the
    /// alerts to send. A failing rule is recorded and skipped; the rest of the group goes on.
    public func evaluate(at ts: Int64, env: RuleEnvironment, resendDelayMs: Int64 = 60_000,
                         outageToleranceMs: Int64 = 3_600_000, gracePeriodMs: Int64 = 600_000) -> [AlertNotification] {
        let start = ContinuousClock.now
        let evalTime = ts - queryOffsetMs
        var notifications: [AlertNotification] = []
        var (previous, pendingStale) = state.withLock { s in
            defer { s.pendingStale = [] }
            return (s.previousSeries, s.pendingStale)
        }
        var rejected = 0
        for (i, rule) in rules.enumerated() {
            let ruleStart = ContinuousClock.now
            var record = RuleEvaluationRecord()
            record.lastEvaluation = Int64(Date().timeIntervalSince1970 * 1000)
            let output: [InstantSample]
            do {
                output = try rule.evaluate(at: ts, queryTime: evalTime, env: env, limit: definition.limit)
                record.health = .ok
            } catch {
                record.health = .err
                record.lastError = error.message
                record.evaluationSeconds = Self.seconds(ContinuousClock.now - ruleStart)
                rule.setRecord(record)
                counterBox.withLock { $0.failures[rule.definition.name, default: 0] += 1 }
                continue
            }
            if let a = rule as? AlertingRule {
                notifications += a.alertsToSend(at: ts, resendDelayMs: resendDelayMs, intervalMs: intervalMs,
                                                externalURL: env.externalURL)
            }
            var batch = output
            var returned = Set<Labels>()
            returned.reserveCapacity(output.count)
            for s in output { returned.insert(s.labels) }
            for l in previous[i] where !returned.contains(l) {
                batch.append(InstantSample(labels: l, t: evalTime, v: StaleNaN.value))
            }
            if !pendingStale.isEmpty { pendingStale.subtract(returned) }
            do {
                let report = try env.storage.appendRuleOutput(batch)
                rejected += report.rejected
                previous[i] = returned
                if report.rejected > 0 {
                    record.health = .err
                    record.lastError = "storing the output: \(report)"
                }
            } catch {
                // Not stored: the series of the previous evaluation are still the ones to end later.
                record.health = .err
                record.lastError = "storing the output: \(error)"
            }
            record.evaluationSeconds = Self.seconds(ContinuousClock.now - ruleStart)
            rule.setRecord(record)
        }
        if !pendingStale.isEmpty {
            _ = try? env.storage.appendRuleOutput(pendingStale.map { InstantSample(labels: $0, t: evalTime, v: StaleNaN.value) })
        }
        let restore = state.withLock { s -> Bool in
            s.previousSeries = previous
            s.lastEvaluation = Int64(Date().timeIntervalSince1970 * 1000)
            s.lastEvaluationTimestamp = ts
            s.evaluationSeconds = Self.seconds(ContinuousClock.now - start)
            defer { s.needsRestore = false }
            return s.needsRestore
        }
        if restore {
            for a in alertingRules {
                a.restoreForState(at: ts, storage: env.storage, outageToleranceMs: outageToleranceMs, gracePeriodMs: gracePeriodMs)
            }
        }
        counterBox.withLock { $0.evaluations += 1; $0.samplesRejected += rejected }
        return notifications
    }

    /// Evaluates on a dedicated thread once one of `slots` is free (see `RuleEvaluationSlots`).
    public func evaluateOffPool(at ts: Int64, env: RuleEnvironment, slots: RuleEvaluationSlots, resendDelayMs: Int64 = 60_000,
                                outageToleranceMs: Int64 = 3_600_000, gracePeriodMs: Int64 = 600_000) async -> [AlertNotification] {
        guard await slots.gate.enter() else { return [] }
        defer { slots.gate.leave() }
        return await PromQLEngine.onDedicatedThread {
            self.evaluate(at: ts, env: env, resendDelayMs: resendDelayMs, outageToleranceMs: outageToleranceMs, gracePeriodMs: gracePeriodMs)
        }
    }

    /// Stale markers for every series the group stored last (when the group is removed).
    public func markAllStale(at ts: Int64, storage: any RuleStorage) {
        let previous = state.withLock { $0.previousSeries }
        let batch = previous.flatMap { $0.map { InstantSample(labels: $0, t: ts, v: StaleNaN.value) } }
        if !batch.isEmpty { _ = try? storage.appendRuleOutput(batch) }
    }

    /// A duration in seconds.
    public static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
