import TSDB

/// Alertmanager's matcher syntax, as used in `matchers:` lists, silences and `amtool` filters:
/// `name="value"`, `name=~"re"`, `name!=value` (quotes optional), several separated by commas,
/// optionally wrapped in `{…}`. Regexes are anchored, as in Alertmanager.
enum AlertMatchers {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// Parses one or more matchers from `text`.
    static func parse(_ text: String) throws(ParseError) -> [Matcher] {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        if s.hasPrefix("{") {
            guard s.hasSuffix("}") else { throw ParseError(description: "bad matcher format: \(text): missing closing }") }
            s = s.dropFirst().dropLast()
        }
        var out: [Matcher] = []
        var rest = Array(s.unicodeScalars)
        while true {
            skipSpaces(&rest)
            if rest.isEmpty { break }
            out.append(try one(&rest, text))
            skipSpaces(&rest)
            if rest.first == "," { rest.removeFirst() } else if !rest.isEmpty {
                throw ParseError(description: "bad matcher format: \(text): expected a comma after a matcher")
            }
        }
        return out
    }

    /// Parses exactly one matcher.
    static func parseOne(_ text: String) throws(ParseError) -> Matcher {
        let m = try parse(text)
        guard m.count == 1 else { throw ParseError(description: "bad matcher format: \(text): expected one matcher") }
        return m[0]
    }

    private static func skipSpaces(_ s: inout [Unicode.Scalar]) {
        while let c = s.first, c == " " || c == "\t" || c == "\n" { s.removeFirst() }
    }

    private static func one(_ s: inout [Unicode.Scalar], _ text: String) throws(ParseError) -> Matcher {
        var name = ""
        if s.first == "\"" {
            name = try quoted(&s, text)
        } else {
            while let c = s.first, c != "=" && c != "!" && c != "~" { name.unicodeScalars.append(c); s.removeFirst() }
        }
        name = name.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw ParseError(description: "bad matcher format: \(text): missing label name") }
        skipSpaces(&s)
        let kind: Matcher.Kind
        func take(_ n: Int) { s.removeFirst(n) }
        if s.starts(with: ["=", "~"]) { kind = .regex; take(2) }
        else if s.starts(with: ["!", "~"]) { kind = .notRegex; take(2) }
        else if s.starts(with: ["!", "="]) { kind = .notEqual; take(2) }
        else if s.first == "=" { kind = .equal; take(1) }
        else { throw ParseError(description: "bad matcher format: \(text): missing operator (=, !=, =~ or !~) after \(name)") }
        skipSpaces(&s)
        var value = ""
        if s.first == "\"" {
            value = try quoted(&s, text)
        } else {
            while let c = s.first, c != "," { value.unicodeScalars.append(c); s.removeFirst() }
            value = value.trimmingCharacters(in: .whitespaces)
            if value.contains("\"") { throw ParseError(description: "bad matcher format: \(text): unbalanced quotes in \(value)") }
        }
        do { return try Matcher(kind, name, value) } catch {
            throw ParseError(description: "bad matcher \(name)\(kind.rawValue)\(value): \(error)")
        }
    }

    private static func quoted(_ s: inout [Unicode.Scalar], _ text: String) throws(ParseError) -> String {
        s.removeFirst()
        var out = ""
        while let c = s.first {
            s.removeFirst()
            if c == "\"" { return out }
            if c == "\\" {
                guard let e = s.first else { break }
                s.removeFirst()
                switch e {
                case "n": out.unicodeScalars.append("\n")
                case "t": out.unicodeScalars.append("\t")
                default: out.unicodeScalars.append(e)
                }
                continue
            }
            out.unicodeScalars.append(c)
        }
        throw ParseError(description: "bad matcher format: \(text): unterminated quoted string")
    }

    /// Whether every matcher accepts `labels` (an absent label reads as "").
    static func matches(_ matchers: [Matcher], _ labels: Labels) -> Bool {
        for m in matchers where !m.matches(labels[m.name]) { return false }
        return true
    }

    /// The canonical text form, `{a="b", c=~"d"}`.
    static func string(_ matchers: [Matcher]) -> String {
        "{" + matchers.map(\.description).joined(separator: ", ") + "}"
    }
}

extension Matcher.Kind {
    /// The kind from Alertmanager's API flags (`isEqual` false negates).
    init(isRegex: Bool, isEqual: Bool) {
        self = isRegex ? (isEqual ? .regex : .notRegex) : (isEqual ? .equal : .notEqual)
    }

    /// Alertmanager's `isRegex` flag.
    var isRegex: Bool { self == .regex || self == .notRegex }

    /// Alertmanager's `isEqual` flag.
    var isEqual: Bool { self == .equal || self == .regex }
}
