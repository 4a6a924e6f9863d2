/// A label matcher with Prometheus semantics: regexes are fully anchored and `.` matches newlines;
/// a matcher that matches "" also selects series that lack the label.
public struct Matcher: Sendable, Equatable, CustomStringConvertible {
    /// The four matcher kinds of PromQL.
    public enum Kind: String, Sendable { case equal = "=", notEqual = "!=", regex = "=~", notRegex = "!~" }

    public let kind: Kind
    public let name: String
    public let value: String
    @usableFromInline let regex: ValueRegex?

    /// Builds a matcher; throws `MatcherError.invalidRegex` for a bad pattern.
    public init(_ kind: Kind, _ name: String, _ value: String) throws(MatcherError) {
        self.kind = kind
        self.name = name
        self.value = value
        switch kind {
        case .equal, .notEqual: regex = nil
        case .regex, .notRegex: regex = try ValueRegex.cached(value)
        }
    }

    /// Shorthand for `name="value"`.
    public static func eq(_ name: String, _ value: String) -> Matcher {
        // Equality cannot fail to compile.
        Matcher(uncheckedKind: .equal, name: name, value: value)
    }

    private init(uncheckedKind: Kind, name: String, value: String) {
        self.kind = uncheckedKind; self.name = name; self.value = value; self.regex = nil
    }

    /// Whether the label value `v` ("" for an absent label) satisfies this matcher.
    public func matches(_ v: String) -> Bool {
        switch kind {
        case .equal: return v == value
        case .notEqual: return v != value
        case .regex: return regex?.matches(v) ?? false
        case .notRegex: return !(regex?.matches(v) ?? false)
        }
    }

    /// Same kind, name and value (the compiled regex follows from them).
    public static func == (a: Matcher, b: Matcher) -> Bool { a.kind == b.kind && a.name == b.name && a.value == b.value }

    /// True when an absent label (value "") satisfies the matcher.
    public var matchesEmpty: Bool { matches("") }

    public var description: String { "\(name)\(kind.rawValue)\"\(LabelValidation.escape(value))\"" }
}

/// A matcher could not be built.
public enum MatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidRegex(pattern: String, reason: String)
    public var description: String {
        switch self {
        case .invalidRegex(let p, let r): return "invalid regular expression \"\(p)\": \(r)"
        }
    }
}
