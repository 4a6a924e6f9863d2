/// Adapts an RE2 (Go `regexp`) pattern for Swift `Regex`, rejecting what RE2 would reject but Swift accepts.
///
/// Rejects backreferences, lookaround, atomic groups, possessive and nested quantifiers, and escapes RE2
/// lacks (`\Z`, `\G`, `\K`, ...); rewrites `\pL` to `\p{L}`, RE2's `\v` (vertical tab) to `\x0B`, and
/// braces that are not a valid repeat to literal `\{`. Not a full RE2 parser: Swift still validates the
/// rest, and rare differences remain (POSIX classes and `(?i)` folding follow Unicode in Swift).
enum RE2Translation {
    /// The Swift pattern, and whether parentheses are balanced (an unbalanced `a)|(b` escapes the
    /// anchoring group, which the caller must then reproduce with explicit anchors).
    static func translate(_ pattern: String) throws(RelabelError) -> (swiftPattern: String, balanced: Bool) {
        let s = Array(pattern.unicodeScalars)
        var out = String.UnicodeScalarView()
        var depth = 0
        var balanced = true
        var i = 0
        func fail(_ reason: String) -> RelabelError { .invalidRegex(pattern, reason: reason) }
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func append(_ text: String) { out.append(contentsOf: text.unicodeScalars) }

        /// Copies the escape at `i` (a `\`), rewriting or rejecting; returns the index after it.
        func escape(_ i: Int) throws(RelabelError) -> Int {
            guard let e = at(i + 1) else { throw fail("trailing backslash") }
            switch e {
            case "1"..."9": throw fail("backreferences (\\\(e)) are not supported")
            case "k", "g": throw fail("backreferences (\\\(e)) are not supported")
            case "Z", "G", "K", "R", "X", "h", "H", "V", "N", "e", "o":
                throw fail("escape \\\(e) is not supported by RE2")
            case "v":
                append("\\x0B"); return i + 2
            case "p", "P":
                if let n = at(i + 2), n != "{" {
                    append("\\\(e){\(n)}"); return i + 3
                }
                out.append("\\"); out.append(e); return i + 2
            case "Q":
                // Literal text up to \E (or the end), re-emitted char by char with punctuation escaped, so a
                // following quantifier applies to the last char as in RE2 (Swift rejects `\Q…\E+`).
                var j = i + 2
                while j < s.count && !(s[j] == "\\" && at(j + 1) == "E") {
                    let q = s[j]
                    let v = q.value
                    let alnum = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5a) || (v >= 0x61 && v <= 0x7a)
                    if v >= 0x21 && v <= 0x7e && !alnum { out.append("\\") }
                    out.append(q)
                    j += 1
                }
                return min(j + 2, s.count)
            default:
                out.append("\\"); out.append(e); return i + 2
            }
        }

        /// A valid RE2 repeat `{n}`, `{n,}` or `{n,m}` at `i`: its end index; nil when the brace is literal.
        func repeatEnd(_ i: Int) throws(RelabelError) -> Int? {
            var j = i + 1
            func number() -> Int? {
                var n = 0, digits = 0
                while let c = at(j), c.value >= 0x30 && c.value <= 0x39 { n = min(n * 10 + Int(c.value - 0x30), 100_000); digits += 1; j += 1 }
                return digits > 0 ? n : nil
            }
            guard let lo = number() else { return nil }
            var hi: Int? = lo
            if at(j) == "," { j += 1; hi = number() }
            guard at(j) == "}" else { return nil }
            if lo > 1000 || (hi ?? 0) > 1000 { throw fail("repeat count above 1000") }
            if let h = hi, h < lo { throw fail("invalid repeat range {\(lo),\(h)}") }
            return j + 1
        }

        /// Rejects a quantifier following the one that ended just before `k` (possessive or nested).
        func checkNoSecondQuantifier(_ k: Int) throws(RelabelError) {
            if at(k) == "+" || at(k) == "*" { throw fail("possessive or nested repetition operators are not supported") }
            if at(k) == "?", at(k + 1) == "+" || at(k + 1) == "*" || at(k + 1) == "?" {
                throw fail("nested repetition operators are not supported")
            }
        }

        while i < s.count {
            let c = s[i]
            switch c {
            case "\\":
                i = try escape(i)
            case "[":
                // Character class: copied with escapes adapted; a bare `[` inside is literal in RE2 but
                // starts a nested class in Swift, and `&&`/`~~` are set operators there, so escape them.
                out.append("[")
                var j = i + 1
                if at(j) == "^" { out.append("^"); j += 1 }
                if at(j) == "]" { append("\\]"); j += 1 }
                var closed = false
                while j < s.count {
                    let d = s[j]
                    if d == "]" { out.append("]"); j += 1; closed = true; break }
                    if d == "\\" { j = try escape(j); continue }
                    if d == "[" && at(j + 1) == ":" {
                        // POSIX class [:name:] copied whole.
                        var k = j + 2
                        while k < s.count && !(s[k] == ":" && at(k + 1) == "]") { k += 1 }
                        guard k < s.count else { throw fail("missing closing :]") }
                        out.append(contentsOf: s[j...(k + 1)]); j = k + 2; continue
                    }
                    if d == "[" || d == "&" || d == "~" { out.append("\\"); out.append(d); j += 1; continue }
                    out.append(d); j += 1
                }
                guard closed else { throw fail("missing closing ]") }
                i = j
            case "(":
                if at(i + 1) == "?" {
                    switch at(i + 2) {
                    case ":", "P":
                        break
                    case "<":
                        if at(i + 3) == "=" || at(i + 3) == "!" { throw fail("lookbehind is not supported") }
                    case "=", "!":
                        throw fail("lookahead is not supported")
                    case ">":
                        throw fail("atomic groups are not supported")
                    default:
                        // Flag groups: only i, m, s, U (optionally negated), ending in `:` or `)`.
                        var k = i + 2
                        while let f = at(k), f == "i" || f == "m" || f == "s" || f == "U" || f == "-" { k += 1 }
                        guard k > i + 2, at(k) == ":" || at(k) == ")" else {
                            throw fail("unsupported group syntax \"(?\(at(i + 2).map { String($0) } ?? "")\"")
                        }
                    }
                }
                depth += 1
                out.append(c); i += 1
            case ")":
                depth -= 1
                if depth < 0 { balanced = false }
                out.append(c); i += 1
            case "{":
                if let end = try repeatEnd(i) {
                    out.append(contentsOf: s[i..<end]); i = end
                    try checkNoSecondQuantifier(i)
                } else {
                    append("\\{"); i += 1
                }
            case "*", "+", "?":
                out.append(c); i += 1
                try checkNoSecondQuantifier(i)
            default:
                out.append(c); i += 1
            }
        }
        return (String(out), balanced && depth == 0)
    }
}
