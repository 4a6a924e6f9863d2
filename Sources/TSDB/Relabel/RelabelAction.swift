/// What a relabel rule does; raw values are the Prometheus configuration spellings.
public enum RelabelAction: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Sets `target_label` to the expanded `replacement` when `regex` matches the joined source values.
    case replace
    /// Drops the label set unless `regex` matches the joined source values.
    case keep
    /// Drops the label set when `regex` matches the joined source values.
    case drop
    /// Drops the label set unless the joined source values equal the value of `target_label`.
    case keepEqual = "keepequal"
    /// Drops the label set when the joined source values equal the value of `target_label`.
    case dropEqual = "dropequal"
    /// Sets `target_label` to MD5(joined source values) modulo `modulus`.
    case hashMod = "hashmod"
    /// Copies every label whose name matches `regex` to the name given by expanding `replacement`.
    case labelMap = "labelmap"
    /// Removes every label whose name matches `regex`.
    case labelDrop = "labeldrop"
    /// Removes every label whose name does not match `regex`.
    case labelKeep = "labelkeep"
    /// Sets `target_label` to the lower-cased joined source values.
    case lowercase
    /// Sets `target_label` to the upper-cased joined source values.
    case uppercase

    /// Parses a configured action name case-insensitively, as Prometheus does.
    public init(parsing text: String) throws(RelabelError) {
        guard let a = RelabelAction(rawValue: text.lowercased()) else { throw .unknownAction(text) }
        self = a
    }

    /// The configuration spelling.
    public var description: String { rawValue }
}
