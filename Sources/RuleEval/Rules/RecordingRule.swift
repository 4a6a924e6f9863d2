import TSDB

/// A `record:` rule: stores its expression's result under the record name, with its labels.
public final class RecordingRule: Rule {
    public let definition: RuleDefinition
    /// Rule labels over group labels, applied to each output sample.
    let setLabels: [Label]
    private let box = RuleRecordBox()

    public init(_ definition: RuleDefinition, groupLabels: [Label] = []) {
        self.definition = definition
        var set = groupLabels.filter { g in !definition.labels.contains { $0.name == g.name } }
        set += definition.labels.map { Label(name: $0.name, value: $0.text) }
        set.append(Label(name: "__name__", value: definition.name))
        setLabels = set
    }

    public var record: RuleEvaluationRecord { box.record }
    public func setRecord(_ r: RuleEvaluationRecord) { box.set(r) }

    public func evaluate(at ts: Int64, queryTime: Int64, env: RuleEnvironment, limit: Int) throws(RuleEvaluationError) -> [InstantSample] {
        var v = try env.vector(definition.expr, at: queryTime)
        for i in v.indices {
            v[i].labels = RuleLabels.build(v[i].labels, dropName: false, set: setLabels)
            v[i].t = queryTime
        }
        try RuleLabels.checkUnique(v, "vector contains metrics with the same labelset after applying rule labels")
        if limit > 0, v.count > limit { throw RuleEvaluationError("exceeded limit of \(limit) with \(v.count) series") }
        return v
    }
}
