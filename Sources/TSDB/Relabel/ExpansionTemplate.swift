/// A `replacement` or `target_label` template, expanded like Go's `Regexp.Expand`.
///
/// `$name` and `${name}` take the longest run of letters, digits and `_` as the name (so `$1x` is group
/// `1x`, not group 1 then `x`); an all-digit name without a leading zero is a group number, anything
/// else a group name; unknown or non-participating groups expand to ""; `$$` is `$`; a `$` not followed
/// by a valid reference is kept literally. Parsed once at configuration time.
struct ExpansionTemplate: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal(String)
        case group(Int)
        case named(String)
    }

    /// The template as configured.
    let source: String
    let segments: [Segment]

    init(_ template: String) {
        source = template
        segments = Self.parse(template)
    }

    /// The fixed expansion when the template has no references.
    var literalValue: String? {
        switch segments.count {
        case 0: return ""
        case 1: if case .literal(let s) = segments[0] { return s } else { return nil }
        default: return nil
        }
    }

    /// Expands the template against one match.
    func expand(_ captures: RegexCaptures) -> String {
        if segments.count == 1 {
            switch segments[0] {
            case .literal(let s):
                return s
            case .group(let g):
                return captures.group(g) ?? ""
            case .named(let n):
                return captures.group(named: n) ?? ""
            }
        }
        var out = ""
        for seg in segments {
            switch seg {
            case .literal(let s): out += s
            case .group(let g): if let t = captures.group(g) { out += t }
            case .named(let n): if let t = captures.group(named: n) { out += t }
            }
        }
        return out
    }

    private static func parse(_ template: String) -> [Segment] {
        var segments: [Segment] = []
        var literal = ""
        let scalars = Array(template.unicodeScalars)
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            guard c == "$" else { literal.unicodeScalars.append(c); i += 1; continue }
            i += 1
            if i < scalars.count && scalars[i] == "$" { literal += "$"; i += 1; continue }
            guard let (name, next) = referenceName(scalars, from: i) else {
                // Malformed reference: the `$` stays as text.
                literal += "$"
                continue
            }
            if !literal.isEmpty { segments.append(.literal(literal)); literal = "" }
            if let n = groupNumber(name) { segments.append(.group(n)) } else { segments.append(.named(name)) }
            i = next
        }
        if !literal.isEmpty { segments.append(.literal(literal)) }
        return segments
    }

    /// The reference name starting at `start` (just after `$`) and the index after it, braces included.
    private static func referenceName(_ s: [Unicode.Scalar], from start: Int) -> (String, Int)? {
        var i = start
        let braced = i < s.count && s[i] == "{"
        if braced { i += 1 }
        let nameStart = i
        while i < s.count && isNameScalar(s[i]) { i += 1 }
        guard i > nameStart else { return nil }
        var name = ""
        name.unicodeScalars.append(contentsOf: s[nameStart..<i])
        if braced {
            guard i < s.count && s[i] == "}" else { return nil }
            i += 1
        }
        return (name, i)
    }

    /// Go's `unicode.IsLetter || unicode.IsDigit || '_'`.
    private static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        if c.isASCII {
            let v = c.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5a) || (v >= 0x61 && v <= 0x7a) || v == 0x5f
        }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber: return true
        default: return false
        }
    }

    /// A group number: ASCII digits, no leading zero, below 1e8 (Go's limits); otherwise the name is a group name.
    private static func groupNumber(_ name: String) -> Int? {
        var n = 0
        for b in name.utf8 {
            guard b >= 0x30 && b <= 0x39, n < 100_000_000 else { return nil }
            n = n * 10 + Int(b - 0x30)
        }
        if name.utf8.count > 1 && name.utf8.first == 0x30 { return nil }
        return n
    }

    /// Prometheus' check for `labelmap` replacements and `replace` target labels containing `$`:
    /// letters, digits, `_`, `$name` and `${name}` references (ASCII word characters), not starting with a digit.
    static func isValidLabelNameTemplate(_ s: String) -> Bool {
        let u = Array(s.utf8)
        var i = 0
        var first = true
        func isWord(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b == 0x5f }
        while i < u.count {
            let b = u[i]
            if b == 0x24 {  // $
                i += 1
                if i < u.count && u[i] == 0x7b {  // {
                    i += 1
                    let start = i
                    while i < u.count && isWord(u[i]) { i += 1 }
                    guard i > start, i < u.count, u[i] == 0x7d else { return false }
                    i += 1
                } else {
                    let start = i
                    while i < u.count && isWord(u[i]) { i += 1 }
                    guard i > start else { return false }
                }
            } else if isWord(b) {
                if first && b >= 0x30 && b <= 0x39 { return false }
                i += 1
            } else {
                return false
            }
            first = false
        }
        return !first
    }
}
