import TSDB

/// One rule as written in a rule file: recording or alerting, its parsed expression and templates.
public struct RuleDefinition: Sendable {
    /// Whether the rule records a series or raises alerts.
    public enum Kind: String, Sendable { case recording, alerting }

    public let kind: Kind
    /// The `record` metric name or the `alert` name.
    public let name: String
    /// The expression as written.
    public let exprText: String
    public let expr: Expr
    /// `for`, ms (alerting rules only).
    public let forMs: Int64
    /// `keep_firing_for`, ms (alerting rules only).
    public let keepFiringForMs: Int64
    /// `labels:` in file order; their values are templates.
    public let labels: [TemplatedField]
    /// `annotations:` in file order (alerting rules only).
    public let annotations: [TemplatedField]
    /// 1-based line of the rule in its file.
    public let line: Int?

    /// The raw label values, for display and rule identity.
    public var labelPairs: [Label] { labels.map { Label(name: $0.name, value: $0.text) }.sorted() }
    /// The raw annotation values.
    public var annotationPairs: [Label] { annotations.map { Label(name: $0.name, value: $0.text) }.sorted() }

    /// What identifies a rule across a reload: kind, name and labels (as Prometheus matches rules),
    /// so a rule keeps its state when only its expression or annotations changed.
    struct Identity: Hashable {
        let kind: Kind
        let name: String
        let labels: [Label]
    }

    var identity: Identity { Identity(kind: kind, name: name, labels: labelPairs) }
}

/// A label or annotation whose value is a template, parsed when the file is loaded.
public struct TemplatedField: Sendable {
    public let name: String
    /// The value as written.
    public let text: String
    /// The parsed template (nil for recording rules, whose label values are plain text).
    public let template: Template?
    /// No action in it: expanding gives the text back, so it is not executed.
    public var isPlainText: Bool { !text.contains("{{") }
}

/// A `groups:` entry: rules evaluated in order at a shared interval.
public struct RuleGroupDefinition: Sendable {
    public let name: String
    /// The file the group came from.
    public let file: String
    /// `interval`, ms; nil = the global evaluation interval.
    public let intervalMs: Int64?
    /// `limit`: most alerts or series one rule may produce (0 = none).
    public let limit: Int
    /// `query_offset`, ms; nil = the global `rule_query_offset`.
    public let queryOffsetMs: Int64?
    /// `labels:` added to every rule's output (rule labels win).
    public let labels: [Label]
    public let rules: [RuleDefinition]
    public let line: Int?
}

/// A parsed and validated rule file.
public struct RuleFile: Sendable {
    public let path: String
    public let groups: [RuleGroupDefinition]
    /// Number of rules in all groups.
    public var ruleCount: Int { groups.reduce(0) { $0 + $1.rules.count } }
}
