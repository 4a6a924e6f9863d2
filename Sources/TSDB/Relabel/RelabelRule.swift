/// One validated relabel rule (a Prometheus `relabel_config`), with templates and regex compiled once.
public struct RelabelRule: Sendable, Equatable {
    /// Prometheus' default `separator`.
    public static let defaultSeparator = ";"
    /// Prometheus' default `regex`.
    public static let defaultRegex = "(.*)"
    /// Prometheus' default `replacement`.
    public static let defaultReplacement = "$1"

    /// Labels whose values are joined with `separator` to form the rule's input ("" for absent ones).
    public var sourceLabels: [String] { storage.sourceLabels }
    /// Placed between source values.
    public var separator: String { storage.separator }
    /// The label written by replace, hashmod, lowercase, uppercase, or compared by keepequal/dropequal.
    public var targetLabel: String { storage.targetLabel }
    /// Matched, fully anchored, against the joined values (or label names for labelmap/labeldrop/labelkeep).
    public var regex: RelabelRegex { storage.regex }
    /// hashmod's modulus (0 = unset).
    public var modulus: UInt64 { storage.modulus }
    /// replace's value template / labelmap's name template.
    public var replacement: String { storage.replacement }
    /// What the rule does.
    public var action: RelabelAction { storage.action }

    /// Shared, immutable compiled form: copying a rule (as iterating a rule list does) is one retain
    /// instead of a dozen.
    let storage: Storage

    final class Storage: Sendable {
        let sourceLabels: [String]
        let separator: String
        let targetLabel: String
        let regex: RelabelRegex
        let modulus: UInt64
        let replacement: String
        let action: RelabelAction
        let targetTemplate: ExpansionTemplate
        let replacementTemplate: ExpansionTemplate

        init(sourceLabels: [String], separator: String, targetLabel: String, regex: RelabelRegex, modulus: UInt64,
             replacement: String, action: RelabelAction) {
            self.sourceLabels = sourceLabels
            self.separator = separator
            self.targetLabel = targetLabel
            self.regex = regex
            self.modulus = modulus
            self.replacement = replacement
            self.action = action
            self.targetTemplate = ExpansionTemplate(targetLabel)
            self.replacementTemplate = ExpansionTemplate(replacement)
        }

        /// Applies the rule to `builder`; false when the label set is dropped.
        func apply(to builder: inout LabelsBuilder) -> Bool {
            switch action {
            case .drop:
                return !regex.matches(joinedSourceValues(builder))
            case .keep:
                return regex.matches(joinedSourceValues(builder))
            case .dropEqual:
                return builder[targetLabel] != joinedSourceValues(builder)
            case .keepEqual:
                return builder[targetLabel] == joinedSourceValues(builder)
            case .replace:
                guard let captures = regex.match(joinedSourceValues(builder)) else { return true }
                if let literalTarget = targetTemplate.literalValue {
                    // Validated as a label name at configuration time.
                    builder.set(literalTarget, to: replacementTemplate.expand(captures))
                } else {
                    // An expansion that is not a label name skips the rule, as in Prometheus.
                    let target = targetTemplate.expand(captures)
                    guard LabelValidation.isValidLabelName(target) else { return true }
                    builder.set(target, to: replacementTemplate.expand(captures))
                }
            case .lowercase:
                builder.set(targetLabel, to: GoCaseMapping.lower(joinedSourceValues(builder)))
            case .uppercase:
                builder.set(targetLabel, to: GoCaseMapping.upper(joinedSourceValues(builder)))
            case .hashMod:
                let h = MD5.lowerHalfBigEndian(joinedSourceValues(builder))
                builder.set(targetLabel, to: String(h % modulus))
            case .labelMap:
                // Prometheus maps the labels as they were before this rule: collect first, then write,
                // so names written here are not visited again (and no snapshot of the pairs is needed).
                var writes: [Label] = []
                builder.pairs.withUnsafeBufferPointer { pairs in
                    for p in pairs.indices where !pairs[p].value.isEmpty {
                        if let captures = regex.match(pairs[p].name) {
                            writes.append(Label(name: replacementTemplate.expand(captures), value: pairs[p].value))
                        }
                    }
                }
                for w in writes { builder.set(w.name, to: w.value) }
            case .labelDrop, .labelKeep:
                // Removal keeps indices stable (the pair's value is emptied), so iterate in place.
                let keepMatching = action == .labelKeep
                for i in builder.pairs.indices where !builder.pairs[i].value.isEmpty {
                    if regex.matches(builder.pairs[i].name) != keepMatching { builder.removePair(at: i) }
                }
            }
            return true
        }

        /// Source values joined by the separator; absent labels contribute "".
        @inline(__always) private func joinedSourceValues(_ builder: LabelsBuilder) -> String {
            switch sourceLabels.count {
            case 0: return ""
            case 1: return builder[sourceLabels[0]]
            default:
                var s = builder[sourceLabels[0]]
                for name in sourceLabels.dropFirst() {
                    s += separator
                    s += builder[name]
                }
                return s
            }
        }
    }

    /// Validates a rule from configuration values, with Prometheus' defaults and rules about which
    /// fields each action requires or forbids; nil (or "" / 0) `targetLabel` and `modulus` mean unset.
    public init(
        sourceLabels: [String] = [],
        separator: String = RelabelRule.defaultSeparator,
        targetLabel: String? = nil,
        regex: String = RelabelRule.defaultRegex,
        modulus: UInt64? = nil,
        replacement: String = RelabelRule.defaultReplacement,
        action: RelabelAction = .replace
    ) throws(RelabelError) {
        let targetLabel = targetLabel ?? "", modulus = modulus ?? 0
        for name in sourceLabels where !LabelValidation.isValidLabelName(name) { throw .invalidSourceLabel(name) }
        let compiled = regex == Self.defaultRegex ? RelabelRegex.matchAll : try RelabelRegex(regex)
        try Self.validate(sourceLabels: sourceLabels, separator: separator, targetLabel: targetLabel, regex: regex,
                          modulus: modulus, replacement: replacement, action: action)
        storage = Storage(sourceLabels: sourceLabels, separator: separator, targetLabel: targetLabel, regex: compiled,
                          modulus: modulus, replacement: replacement, action: action)
    }

    /// Prometheus' `Config.Validate`, in its order, so the first error reported is the same.
    private static func validate(sourceLabels: [String], separator: String, targetLabel: String, regex: String,
                                 modulus: UInt64, replacement: String, action: RelabelAction) throws(RelabelError) {
        let needsTarget: Set<RelabelAction> = [.replace, .hashMod, .lowercase, .uppercase, .keepEqual, .dropEqual]
        let plainTarget: Set<RelabelAction> = [.lowercase, .uppercase, .keepEqual, .dropEqual]
        if action == .hashMod && modulus == 0 { throw .missingModulus }
        if needsTarget.contains(action) && targetLabel.isEmpty { throw .missingTargetLabel(action) }
        if action == .replace {
            // A target with `$` is a template, expanded per match and checked again then.
            let ok = targetLabel.contains("$")
                ? ExpansionTemplate.isValidLabelNameTemplate(targetLabel)
                : LabelValidation.isValidLabelName(targetLabel)
            if !ok { throw .invalidTargetLabel(targetLabel, action) }
        }
        if plainTarget.contains(action) {
            if !LabelValidation.isValidLabelName(targetLabel) { throw .invalidTargetLabel(targetLabel, action) }
            if replacement != defaultReplacement { throw .replacementNotAllowed(action) }
        }
        if action == .labelMap && !ExpansionTemplate.isValidLabelNameTemplate(replacement) {
            throw .invalidReplacement(replacement, action)
        }
        if action == .hashMod && !LabelValidation.isValidLabelName(targetLabel) {
            throw .invalidTargetLabel(targetLabel, action)
        }
        if action == .keepEqual || action == .dropEqual {
            if regex != defaultRegex { throw .fieldNotAllowed(.regex, action) }
            if modulus != 0 { throw .fieldNotAllowed(.modulus, action) }
            if separator != defaultSeparator { throw .fieldNotAllowed(.separator, action) }
        }
        if action == .labelDrop || action == .labelKeep {
            if !sourceLabels.isEmpty { throw .fieldNotAllowed(.sourceLabels, action) }
            if !targetLabel.isEmpty { throw .fieldNotAllowed(.targetLabel, action) }
            if modulus != 0 { throw .fieldNotAllowed(.modulus, action) }
            if separator != defaultSeparator { throw .fieldNotAllowed(.separator, action) }
            if replacement != defaultReplacement { throw .fieldNotAllowed(.replacement, action) }
        }
    }

    /// Applies the rule to `builder`; false when the label set is dropped.
    @inline(__always) func apply(to builder: inout LabelsBuilder) -> Bool { storage.apply(to: &builder) }

    /// Rules are equal when their configured fields are.
    public static func == (a: RelabelRule, b: RelabelRule) -> Bool {
        a.sourceLabels == b.sourceLabels && a.separator == b.separator && a.targetLabel == b.targetLabel
            && a.regex == b.regex && a.modulus == b.modulus && a.replacement == b.replacement && a.action == b.action
    }
}
