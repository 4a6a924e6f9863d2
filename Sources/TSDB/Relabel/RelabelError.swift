/// A relabel rule configuration field, named as in Prometheus YAML.
public enum RelabelField: String, Sendable, Hashable, CustomStringConvertible {
    /// `source_labels`
    case sourceLabels = "source_labels"
    /// `separator`
    case separator
    /// `target_label`
    case targetLabel = "target_label"
    /// `regex`
    case regex
    /// `modulus`
    case modulus
    /// `replacement`
    case replacement
    /// `action`
    case action

    /// The YAML key.
    public var description: String { rawValue }
}

/// Why a relabel rule was rejected; `field` names the offending YAML key so a config loader can prefix its path.
public enum RelabelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The action name is not one of Prometheus' actions.
    case unknownAction(String)
    /// A source label name is not a valid label name.
    case invalidSourceLabel(String)
    /// The action needs a `target_label` and none was given.
    case missingTargetLabel(RelabelAction)
    /// `target_label` is not a valid label name (or, for `replace`, not a valid name template).
    case invalidTargetLabel(String, RelabelAction)
    /// `hashmod` needs a non-zero `modulus`.
    case missingModulus
    /// The regex does not compile, or uses a construct RE2 (Prometheus' engine) does not support.
    case invalidRegex(String, reason: String)
    /// The action does not take a `replacement`.
    case replacementNotAllowed(RelabelAction)
    /// `labelmap`'s `replacement` is not a valid label name template.
    case invalidReplacement(String, RelabelAction)
    /// The action forbids this field (it must keep its default).
    case fieldNotAllowed(RelabelField, RelabelAction)

    /// The field the error is about.
    public var field: RelabelField {
        switch self {
        case .unknownAction: return .action
        case .invalidSourceLabel: return .sourceLabels
        case .missingTargetLabel, .invalidTargetLabel: return .targetLabel
        case .missingModulus: return .modulus
        case .invalidRegex: return .regex
        case .replacementNotAllowed, .invalidReplacement: return .replacement
        case .fieldNotAllowed(let f, _): return f
        }
    }

    /// `field: message`, e.g. `target_label: "1x" is not a valid label name for action replace`.
    public var description: String {
        let message: String
        switch self {
        case .unknownAction(let a):
            message = "unknown relabel action \"\(a)\"; expected one of \(RelabelAction.allCases.map(\.rawValue).joined(separator: ", "))"
        case .invalidSourceLabel(let n):
            message = "\"\(n)\" is not a valid label name: must match [a-zA-Z_][a-zA-Z0-9_]*"
        case .missingTargetLabel(let a):
            message = "required for action \(a)"
        case .invalidTargetLabel(let t, let a):
            message = a == .replace
                ? "\"\(t)\" is not a valid label name or name template (letters, digits, _ and $1/${1}/$name references, not starting with a digit) for action \(a)"
                : "\"\(t)\" is not a valid label name for action \(a): must match [a-zA-Z_][a-zA-Z0-9_]*"
        case .missingModulus:
            message = "action hashmod requires a non-zero modulus"
        case .invalidRegex(let r, let reason):
            message = "invalid regex \"\(r)\": \(reason)"
        case .replacementNotAllowed(let a):
            message = "can not be set for action \(a)"
        case .invalidReplacement(let r, let a):
            message = "\"\(r)\" is not a valid label name template for action \(a)"
        case .fieldNotAllowed(_, let a):
            let allowed = (a == .keepEqual || a == .dropEqual) ? "source_labels and target_label" : "regex"
            message = "can not be set for action \(a) (it takes only \(allowed))"
        }
        return "\(field): \(message)"
    }
}
