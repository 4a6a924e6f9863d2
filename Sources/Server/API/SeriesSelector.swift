import TSDB

/// Parses a PromQL series selector (`name{label="v", other=~"re"}`), as `match[]` parameters
/// carry them, into matchers. (The PromQL parser will take this over.)
enum SeriesSelector {
    struct ParseError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func parse(_ text: String) throws(ParseError) -> [Matcher] {
        let b = Array(text.utf8)
        var i = 0
        var matchers: [Matcher] = []
        func skipSpace() { while i < b.count, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0a || b[i] == 0x0d { i += 1 } }
        func isNameStart(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c == 0x5f || c == 0x3a }
        func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 0x30 && c <= 0x39) }
        func name() -> String? {
            guard i < b.count, isNameStart(b[i]) else { return nil }
            let s = i
            while i < b.count, isNameChar(b[i]) { i += 1 }
            return String(decoding: b[s..<i], as: UTF8.self)
        }
        func fail(_ m: String) -> ParseError { ParseError(message: "parse error at char \(i + 1) of \"\(text)\": \(m)") }

        skipSpace()
        if let n = name() {
            matchers.append(Matcher.eq("__name__", n))
            skipSpace()
        }
        if i < b.count, b[i] == UInt8(ascii: "{") {
            i += 1
            while true {
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; break }
                guard let ln = name() else { throw fail("expected a label name") }
                skipSpace()
                let kind: Matcher.Kind
                if i + 1 < b.count, b[i] == UInt8(ascii: "="), b[i + 1] == UInt8(ascii: "~") { kind = .regex; i += 2 }
                else if i + 1 < b.count, b[i] == UInt8(ascii: "!"), b[i + 1] == UInt8(ascii: "=") { kind = .notEqual; i += 2 }
                else if i + 1 < b.count, b[i] == UInt8(ascii: "!"), b[i + 1] == UInt8(ascii: "~") { kind = .notRegex; i += 2 }
                else if i < b.count, b[i] == UInt8(ascii: "=") { kind = .equal; i += 1 }
                else { throw fail("expected one of =, !=, =~, !~ after \"\(ln)\"") }
                skipSpace()
                let value = try string(b, &i, text)
                do { matchers.append(try Matcher(kind, ln, value)) } catch { throw ParseError(message: "\(error)") }
                skipSpace()
                if i < b.count, b[i] == UInt8(ascii: ",") { i += 1; continue }
                if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; break }
                throw fail("expected , or } in label matchers")
            }
        }
        skipSpace()
        guard i == b.count else { throw fail("unexpected characters after the selector") }
        guard !matchers.isEmpty else { throw fail("empty selector") }
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw ParseError(message: "vector selector must contain at least one non-empty matcher")
        }
        return matchers
    }

    /// A quoted string: "…" or '…' with Go escapes, or `…` raw.
    private static func string(_ b: [UInt8], _ i: inout Int, _ text: String) throws(ParseError) -> String {
        guard i < b.count, b[i] == 0x22 || b[i] == 0x27 || b[i] == 0x60 else {
            throw ParseError(message: "parse error at char \(i + 1) of \"\(text)\": expected a quoted string")
        }
        let q = b[i]
        i += 1
        var out: [UInt8] = []
        while i < b.count, b[i] != q {
            if q != 0x60, b[i] == 0x5c, i + 1 < b.count {
                i += 1
                switch b[i] {
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "a"): out.append(0x07)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "v"): out.append(0x0b)
                default: out.append(b[i])
                }
                i += 1
                continue
            }
            out.append(b[i])
            i += 1
        }
        guard i < b.count else { throw ParseError(message: "parse error in \"\(text)\": unterminated quoted string") }
        i += 1
        return String(decoding: out, as: UTF8.self)
    }
}
