import Foundation

/// A Go (RE2) regular expression run on `NSRegularExpression`, with Go's unanchored matching and
/// `ReplaceAllString` expansion (`$1`, `${1}`, `$name`, `${name}`, `$$`).
struct GoRegexp {
    let regex: NSRegularExpression
    /// Capture group index by name.
    let names: [String: Int]

    /// Compiles `pattern`; the error reads like Go's `error parsing regexp: …`.
    init(_ pattern: String) throws(TemplateFunctionError) {
        let (translated, names) = Self.translate(pattern)
        do {
            regex = try NSRegularExpression(pattern: translated, options: [])
        } catch {
            throw TemplateFunctionError("error parsing regexp: invalid pattern: `\(pattern)`")
        }
        self.names = names
    }

    /// Converts RE2 spellings ICU reads differently and collects group names.
    /// `(?P<name>` becomes `(?<name>`; `$` outside classes becomes `\z` unless multi-line mode is on
    /// (Go's `$` never matches before a final newline).
    static func translate(_ pattern: String) -> (String, [String: Int]) {
        let c = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var names: [String: Int] = [:]
        var group = 0
        var inClass = false
        var multiline = false
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ch == "\\" {
                out.append(ch)
                if i + 1 < c.count { out.append(c[i + 1]) }
                i += 2
                continue
            }
            if inClass {
                if ch == "]" { inClass = false }
                out.append(ch)
                i += 1
                continue
            }
            switch ch {
            case "[":
                inClass = true
                out.append(ch)
                // A leading ']' or '^]' is literal.
                if i + 1 < c.count && c[i + 1] == "^" { out.append(c[i + 1]); i += 1 }
                if i + 1 < c.count && c[i + 1] == "]" { out.append("\\"); out.append(c[i + 1]); i += 1 }
                i += 1
            case "(":
                if i + 1 < c.count && c[i + 1] == "?" {
                    var j = i + 2
                    if j < c.count && c[j] == "P" { j += 1 }
                    if j < c.count && c[j] == "<" {
                        var name = ""
                        var k = j + 1
                        while k < c.count && c[k] != ">" { name.unicodeScalars.append(c[k]); k += 1 }
                        group += 1
                        names[name] = group
                        out.append(contentsOf: "(?<\(name)>".unicodeScalars)
                        i = k + 1
                        continue
                    }
                    // Flags like (?i) or (?m:...): note multi-line mode.
                    var k = i + 2
                    while k < c.count && c[k] != ")" && c[k] != ":" {
                        if c[k] == "m" { multiline = true }
                        k += 1
                    }
                } else {
                    group += 1
                }
                out.append(ch)
                i += 1
            case "$":
                if multiline { out.append(ch) } else { out.append(contentsOf: "\\z".unicodeScalars) }
                i += 1
            default:
                out.append(ch)
                i += 1
            }
        }
        return (String(out), names)
    }

    /// Go's `MatchString`: any match anywhere.
    func matches(_ s: String) -> Bool {
        regex.firstMatch(in: s, options: [], range: NSRange(location: 0, length: (s as NSString).length)) != nil
    }

    /// Go's `ReplaceAllString`.
    func replaceAll(_ s: String, with template: String) -> String {
        let ns = s as NSString
        var out = ""
        var lastEnd = 0
        for m in regex.matches(in: s, options: [], range: NSRange(location: 0, length: ns.length)) {
            let r = m.range
            out += ns.substring(with: NSRange(location: lastEnd, length: r.location - lastEnd))
            // No replacement for an empty match right after another match.
            if r.location + r.length > lastEnd || r.location == 0 {
                out += expand(template, match: m, in: ns)
            }
            lastEnd = r.location + r.length
        }
        out += ns.substring(from: lastEnd)
        return out
    }

    private func expand(_ template: String, match m: NSTextCheckingResult, in ns: NSString) -> String {
        let t = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func group(_ n: Int) {
            guard n < m.numberOfRanges else { return }
            let r = m.range(at: n)
            if r.location != NSNotFound { out.append(contentsOf: ns.substring(with: r).unicodeScalars) }
        }
        while i < t.count {
            guard t[i] == "$" else { out.append(t[i]); i += 1; continue }
            i += 1
            if i < t.count && t[i] == "$" { out.append("$"); i += 1; continue }
            var j = i
            let brace = j < t.count && t[j] == "{"
            if brace { j += 1 }
            let nameStart = j
            while j < t.count && (t[j].properties.isAlphabetic || t[j].properties.numericType == .decimal || t[j] == "_") { j += 1 }
            var name = String.UnicodeScalarView()
            name.append(contentsOf: t[nameStart..<j])
            if nameStart == j || (brace && (j >= t.count || t[j] != "}")) {
                out.append("$")  // malformed: the '$' is literal text
                continue
            }
            if brace { j += 1 }
            i = j
            let n = String(name)
            if let num = Int(n), n.allSatisfy({ $0.isASCII && $0.isNumber }), !(n.hasPrefix("0") && n.count > 1), num < 100_000_000 {
                group(num)
            } else if let idx = names[n] {
                group(idx)
            }
        }
        return String(out)
    }
}
