import TSDB

/// What rules need from around them: the engine their queries run on, where output goes, and
/// what templates may read (external labels and URL).
public struct RuleEnvironment: Sendable {
    public let engine: PromQLEngine
    public let storage: any RuleStorage
    /// Labels of `global.external_labels`, for `$externalLabels` in templates.
    public var externalLabels: [Label]
    /// `--web.external-url`, for `$externalURL` and generator URLs.
    public var externalURL: String

    public init(engine: PromQLEngine, storage: any RuleStorage, externalLabels: [Label] = [], externalURL: String = "") {
        self.engine = engine
        self.storage = storage
        self.externalLabels = externalLabels
        self.externalURL = externalURL
    }

    /// Runs `expr` at `ts` on the calling thread and returns it as a vector (a scalar becomes one
    /// sample without labels, as Prometheus' rule query function does).
    func vector(_ expr: Expr, at ts: Int64) throws(RuleEvaluationError) -> [InstantSample] {
        let result: QueryResult
        do { result = try engine.instantOnCurrentThread(expr, at: ts) } catch { throw RuleEvaluationError("\(error)") }
        switch result.value {
        case .vector(let v): return v
        case .scalar(let t, let v): return [InstantSample(labels: Labels(sortedUnchecked: []), t: t, v: v)]
        default: throw RuleEvaluationError("rule result is not a vector or scalar")
        }
    }

    /// The `query` template function: an instant query at `ts`.
    func templateQuery(at ts: Int64) -> TemplateQueryFunction {
        let env = self
        return { (text: String) throws -> [TemplateSample] in
            let expr: Expr
            do { expr = try PromQLParser.parse(text) } catch { throw RuleEvaluationError("\(error)") }
            return try env.vector(expr, at: ts).map { s in
                TemplateSample(labels: Dictionary(s.labels.pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }), value: s.v)
            }
        }
    }

    var externalLabelMap: [String: String] {
        Dictionary(externalLabels.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}
