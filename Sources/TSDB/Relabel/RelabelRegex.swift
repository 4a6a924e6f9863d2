/// A relabel regex: RE2 syntax, fully anchored (`^(?s:pattern)$`, so `.` also matches newlines), as Prometheus.
///
/// Common shapes (match-all, literals, literal alternations, and sequences of literal text, `.`/`\d`/ASCII
/// class atoms with `*`/`+`/`?`, and simple groups; see `SimpleRegexPattern`) run on a built-in matcher;
/// everything else on Swift `Regex` with Unicode-scalar semantics and ASCII-only `\d`, `\w`, `\s` (RE2's meaning).
public struct RelabelRegex: Sendable, Equatable, CustomStringConvertible {
    /// The pattern as configured, without the implicit anchors.
    public let pattern: String
    let matcher: Matcher

    enum Matcher: Sendable {
        /// `.*` or `(.*)`: everything matches.
        case all(captured: Bool)
        /// No metacharacters: string equality.
        case literal(String)
        /// `a|b|c` or `(a|b|c)`: set membership; group 1 is the whole input when captured.
        case literalSet(Set<String>, captured: Bool)
        /// Other shapes the built-in matcher supports.
        case simple(SimpleRegexPattern)
        /// Swift `Regex`; `anchored` means the pattern carries explicit `^…$` and needs `firstMatch`.
        case engine(SwiftRegexBox, anchored: Bool)
    }

    /// Prometheus' default regex, `(.*)`.
    public static let matchAll = RelabelRegex(uncheckedSimple: "(.*)")

    /// Compiles `pattern`; throws `.invalidRegex` when it does not compile or uses constructs RE2 lacks.
    public init(_ pattern: String) throws(RelabelError) {
        self.pattern = pattern
        let bytes = Array(pattern.utf8)
        if let alts = SimpleRegexPattern.literalAlternatives(bytes, 0..<bytes.count) {
            let strings = alts.map { String(decoding: $0, as: UTF8.self) }
            matcher = strings.count == 1 ? .literal(strings[0]) : .literalSet(Set(strings), captured: false)
            return
        }
        if let simple = SimpleRegexPattern(parsing: pattern) {
            matcher = Self.classify(simple)
            return
        }
        let (translated, balanced) = try RE2Translation.translate(pattern)
        let wrapped = balanced ? "(?s:" + translated + ")" : "^(?s:" + translated + ")$"
        do {
            let re = try Regex(wrapped).matchingSemantics(.unicodeScalar).asciiOnlyCharacterClasses()
            // Regex compiles its program lazily on first use; do it now, at configuration time.
            _ = try? re.wholeMatch(in: "")
            matcher = .engine(SwiftRegexBox(re), anchored: !balanced)
        } catch {
            throw .invalidRegex(pattern, reason: "\(error)")
        }
    }

    /// For patterns known to take the built-in path.
    private init(uncheckedSimple pattern: String) {
        self.pattern = pattern
        if let simple = SimpleRegexPattern(parsing: pattern) {
            matcher = Self.classify(simple)
        } else {
            matcher = .literal(pattern)
        }
    }

    private static func classify(_ simple: SimpleRegexPattern) -> Matcher {
        if simple.branches.count == 1 && simple.branches[0].count == 1 {
            switch simple.branches[0][0] {
            case .run(let cls, 0, .max, let group) where cls == .any:
                return .all(captured: group > 0)
            case .alternatives(let alts, let group):
                return .literalSet(Set(alts.map { String(decoding: $0, as: UTF8.self) }), captured: group > 0)
            default:
                break
            }
        }
        return .simple(simple)
    }

    /// True when this is Prometheus' default `(.*)`.
    public var isDefault: Bool { pattern == "(.*)" }

    /// Whether the whole of `s` matches.
    public func matches(_ s: String) -> Bool {
        switch matcher {
        case .all:
            return true
        case .literal(let l):
            return s == l
        case .literalSet(let set, _):
            return set.contains(s)
        case .simple(let simple):
            var spans = CaptureSpans(count: simple.groupCount)
            return simple.match(s, spans: &spans)
        case .engine(let re, let anchored):
            return engineMatch(re.regex, anchored, s) != nil
        }
    }

    /// The match of the whole of `s` with its groups, nil when it does not match.
    func match(_ s: String) -> RegexCaptures? {
        switch matcher {
        case .all(let captured):
            guard captured else { return RegexCaptures(input: s, storage: .wholeOnly) }
            var spans = CaptureSpans(count: 1)
            spans[1] = 0..<s.utf8.count
            return RegexCaptures(input: s, storage: .spans(spans))
        case .literal(let l):
            return s == l ? RegexCaptures(input: s, storage: .wholeOnly) : nil
        case .literalSet(let set, let captured):
            guard set.contains(s) else { return nil }
            guard captured else { return RegexCaptures(input: s, storage: .wholeOnly) }
            var spans = CaptureSpans(count: 1)
            spans[1] = 0..<s.utf8.count
            return RegexCaptures(input: s, storage: .spans(spans))
        case .simple(let simple):
            var spans = CaptureSpans(count: simple.groupCount)
            guard simple.match(s, spans: &spans) else { return nil }
            return RegexCaptures(input: s, storage: .spans(spans))
        case .engine(let re, let anchored):
            return engineMatch(re.regex, anchored, s).map { RegexCaptures(input: s, storage: .engine(SwiftRegexMatchBox($0))) }
        }
    }

    private func engineMatch(_ re: Regex<AnyRegexOutput>, _ anchored: Bool, _ s: String) -> Regex<AnyRegexOutput>.Match? {
        // Neither call can throw: the pattern has no custom (throwing) components.
        anchored ? (try? re.firstMatch(in: s)) ?? nil : (try? re.wholeMatch(in: s)) ?? nil
    }

    /// Two regexes are equal when their configured patterns are.
    public static func == (a: RelabelRegex, b: RelabelRegex) -> Bool { a.pattern == b.pattern }

    /// The configured pattern.
    public var description: String { pattern }
}

/// Holds a Swift `Regex` behind a reference. `Regex` is a resilient type from another module, so storing
/// it inline would make every enclosing value (matcher, rule) runtime-sized and copied through value
/// witnesses on the hot path; a class reference keeps them fixed-size.
final class SwiftRegexBox: @unchecked Sendable {
    // @unchecked: `Regex<AnyRegexOutput>` is not Sendable only because its output type is not; the value is
    // immutable after init, its lazily lowered program is initialized atomically (and warmed in init), and
    // each match allocates its own executor state, so concurrent matching is safe.
    let regex: Regex<AnyRegexOutput>
    init(_ regex: Regex<AnyRegexOutput>) { self.regex = regex }
}

/// Holds a Swift `Regex` match behind a reference, for the same reason as `SwiftRegexBox`.
final class SwiftRegexMatchBox {
    let match: Regex<AnyRegexOutput>.Match
    init(_ match: Regex<AnyRegexOutput>.Match) { self.match = match }
}

/// A compiled replacement template for `RelabelRegex` matches (Go's `Regexp.Expand` rules).
public struct RegexReplacement: Sendable {
    let template: ExpansionTemplate
    /// Parses `template` (`$1`, `${1}`, `$name`, `$$`).
    public init(_ template: String) { self.template = ExpansionTemplate(template) }
}

extension RelabelRegex {
    /// `replacement` expanded with the groups of matching the whole of `s`; nil when `s` does not
    /// match (PromQL's `label_replace`).
    public func replace(_ s: String, with replacement: RegexReplacement) -> String? {
        match(s).map { replacement.template.expand($0) }
    }
}
