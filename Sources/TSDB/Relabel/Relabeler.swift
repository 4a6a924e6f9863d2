/// Applies an ordered list of relabel rules to label sets (scrape `relabel_configs` /
/// `metric_relabel_configs`, remote-write `write_relabel_configs`, alert relabeling).
public struct Relabeler: Sendable, Equatable {
    /// The rules, applied in order.
    public let rules: [RelabelRule]

    /// A relabeler applying `rules` in order.
    public init(_ rules: [RelabelRule]) { self.rules = rules }

    /// True when there are no rules (every label set passes unchanged).
    @inlinable public var isEmpty: Bool { rules.isEmpty }

    /// The relabeled set, or nil when a rule dropped it or no label remains. Returns `labels` itself
    /// when no rule changed anything (and at once when there are no rules). The result need not have a
    /// `__name__` (target label sets do not). Throws when a rule produced an invalid label name
    /// (e.g. labelmap to a name starting with a digit) or set `__name__` to an invalid metric name.
    public func apply(_ labels: Labels) throws(LabelError) -> Labels? {
        if rules.isEmpty { return labels }
        var builder = LabelsBuilder(labels)
        guard apply(to: &builder) else { return nil }
        return try builder.takeLabels()
    }

    /// `apply`, with a result that is not a valid label set treated as dropped (as scraping treats it).
    public func process(_ labels: Labels) -> Labels? {
        (try? apply(labels)) ?? nil
    }

    /// Applies the rules to `builder` (so callers can add labels before relabeling without building
    /// an intermediate `Labels`); false when the label set is dropped.
    public func apply(to builder: inout LabelsBuilder) -> Bool {
        // Borrow rules through the buffer: iterating the array would copy (retain/release) each rule.
        rules.withUnsafeBufferPointer { buf in
            for i in buf.indices where !buf[i].apply(to: &builder) { return false }
            return true
        }
    }
}
