/// A mutable view of a label set (name → value) for applying many changes before building one `Labels`.
///
/// Starts from a `Labels` without copying; the pairs are copied on the first change. Pairs stay sorted
/// by name (new names are inserted in place), so `labels()` never sorts. Setting an empty value removes
/// the label (Prometheus semantics: empty means absent). `labels()` returns the original when nothing changed.
public struct LabelsBuilder: Sendable {
    /// The label set the builder started from.
    public let base: Labels
    /// Current pairs, sorted by name; removed labels keep an empty value so indices stay stable while
    /// rules iterate and remove.
    @usableFromInline var pairs: [Label]
    @usableFromInline var isModified = false
    /// True once a label was removed (its pair holds an empty value until `labels()`).
    @usableFromInline var hasRemovals = false
    /// True once a name that is not a valid label name was added; `labels()` then reports it if still present.
    @usableFromInline var addedInvalidName = false
    /// True once `__name__` was set, so its value is checked as a metric name.
    @usableFromInline var metricNameSet = false

    /// A builder holding `labels`.
    @inlinable public init(_ labels: Labels) {
        base = labels
        pairs = labels.pairs
    }

    /// Value of `name`, "" when absent.
    @inlinable public subscript(name: String) -> String {
        get {
            for p in pairs where p.name == name { return p.value }
            return ""
        }
        set { set(name, to: newValue) }
    }

    /// Sets `name` to `value`; an empty value removes the label. Added names are validated by `labels()`.
    @inlinable public mutating func set(_ name: String, to value: String) {
        // Label names are ASCII, where String's `<` is the byte order `Labels` sorts by.
        var lo = 0, hi = pairs.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if pairs[mid].name < name { lo = mid + 1 } else { hi = mid }
        }
        if lo < pairs.count && pairs[lo].name == name {
            guard pairs[lo].value != value else { return }
            prepareForFirstChange()
            pairs[lo].value = value
            if value.isEmpty { hasRemovals = true }
        } else {
            guard !value.isEmpty else { return }
            if !LabelValidation.isValidLabelName(name) { addedInvalidName = true }
            prepareForFirstChange()
            pairs.insert(Label(name: name, value: value), at: lo)
        }
        isModified = true
        if name == "__name__" { metricNameSet = true }
    }

    /// Removes `name` if present.
    @inlinable public mutating func remove(_ name: String) { set(name, to: "") }

    /// Removes the pair at `index` of `pairs`; valid while no name is added in between.
    @inlinable mutating func removePair(at index: Int) {
        guard !pairs[index].value.isEmpty else { return }
        prepareForFirstChange()
        pairs[index].value = ""
        hasRemovals = true
        isModified = true
        if pairs[index].name == "__name__" { metricNameSet = true }
    }

    /// The first change copies the shared pairs anyway; reserving room then avoids a second copy on insert.
    @inlinable mutating func prepareForFirstChange() {
        if !isModified { pairs.reserveCapacity(pairs.count + 4) }
    }

    /// Calls `body` for each present label, in name order.
    @inlinable public func forEach(_ body: (Label) throws -> Void) rethrows {
        for p in pairs where !p.value.isEmpty { try body(p) }
    }

    /// The resulting label set: the base itself when unchanged, nil when no label remains.
    /// Throws when an added name is not a valid label name or `__name__` was set to an invalid metric name.
    public func labels() throws(LabelError) -> Labels? {
        var copy = self
        return try copy.takeLabels()
    }

    /// `labels()` that moves the pairs out instead of copying them; the builder is left empty.
    mutating func takeLabels() throws(LabelError) -> Labels? {
        guard isModified else { return base.isEmpty ? nil : base }
        if addedInvalidName {
            for p in pairs where !p.value.isEmpty && !LabelValidation.isValidLabelName(p.name) { throw .invalidLabelName(p.name) }
        }
        if metricNameSet {
            let name = self["__name__"]
            if !name.isEmpty && !LabelValidation.isValidMetricName(name) { throw .invalidMetricName(name) }
        }
        var out: [Label] = []
        swap(&out, &pairs)
        if hasRemovals { out.removeAll { $0.value.isEmpty } }
        guard !out.isEmpty else { return nil }
        return Labels(sortedUnchecked: out)
    }
}
