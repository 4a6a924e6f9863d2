import Synchronization
import TSDB

/// A recording or alerting rule that a group evaluates in order.
public protocol Rule: AnyObject, Sendable {
    var definition: RuleDefinition { get }
    /// Evaluates at `ts` (ms): the expression is queried at `queryTime` (`ts` minus the group's
    /// `query_offset`), which also stamps the output; alert timing follows `ts`. Returns the
    /// samples to store.
    func evaluate(at ts: Int64, queryTime: Int64, env: RuleEnvironment, limit: Int) throws(RuleEvaluationError) -> [InstantSample]
    /// Health, last error and timing of the last evaluation.
    var record: RuleEvaluationRecord { get }
    func setRecord(_ r: RuleEvaluationRecord)
}

/// Label-set arithmetic shared by both kinds of rule.
enum RuleLabels {
    /// `base` with `__name__` removed when `dropName`, then `set` applied (an empty value removes
    /// the label). Names were validated when the rule was loaded.
    static func build(_ base: Labels, dropName: Bool, set: [Label]) -> Labels {
        var pairs = base.pairs
        if dropName { pairs.removeAll { $0.name == "__name__" } }
        for l in set {
            if let i = pairs.firstIndex(where: { $0.name == l.name }) {
                if l.value.isEmpty { pairs.remove(at: i) } else { pairs[i].value = l.value }
            } else if !l.value.isEmpty {
                pairs.append(l)
            }
        }
        pairs.sort()
        return Labels(sortedUnchecked: pairs)
    }

    /// Throws when two samples carry the same label set.
    static func checkUnique(_ v: [InstantSample], _ message: String) throws(RuleEvaluationError) {
        guard v.count > 1 else { return }
        var seen = Set<Labels>()
        seen.reserveCapacity(v.count)
        for s in v where !seen.insert(s.labels).inserted { throw RuleEvaluationError(message) }
    }
}

/// Keeps the evaluation record of a rule behind a lock (the API reads it while groups evaluate).
final class RuleRecordBox: Sendable {
    private let value = Mutex(RuleEvaluationRecord())
    var record: RuleEvaluationRecord { value.withLock { $0 } }
    func set(_ r: RuleEvaluationRecord) { value.withLock { $0 = r } }
}
