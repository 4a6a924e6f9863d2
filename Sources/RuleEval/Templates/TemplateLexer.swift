/// Splits template text into tokens following text/template's lexer (delimiters `{{ }}`, trim markers, comments).
struct TemplateLexer {
    private let input: [UInt8]
    private var pos = 0
    private var start = 0
    private var parenDepth = 0
    private(set) var tokens: [TemplateToken] = []

    /// Lexes the whole text; the token list ends with `.eof` or `.error`.
    static func tokenize(_ text: String) -> [TemplateToken] {
        var l = TemplateLexer(input: Array(text.utf8))
        l.run()
        return l.tokens
    }

    private init(input: [UInt8]) { self.input = input }

    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }

    private func hasPrefix(_ s: String, at i: Int) -> Bool {
        var j = i
        for b in s.utf8 {
            guard j < input.count, input[j] == b else { return false }
            j += 1
        }
        return true
    }

    private func hasLeftTrimMarker(at i: Int) -> Bool {
        i + 1 < input.count && input[i] == UInt8(ascii: "-") && Self.isSpace(input[i + 1])
    }

    private func hasRightTrimMarker(at i: Int) -> Bool {
        i + 1 < input.count && Self.isSpace(input[i]) && input[i + 1] == UInt8(ascii: "-")
    }

    /// (at a right delimiter, with trim marker).
    private func atRightDelim(_ i: Int) -> (Bool, Bool) {
        if hasRightTrimMarker(at: i) && hasPrefix("}}", at: i + 2) { return (true, true) }
        if hasPrefix("}}", at: i) { return (true, false) }
        return (false, false)
    }

    private func text(_ a: Int, _ b: Int) -> String { String(decoding: input[a..<b], as: UTF8.self) }

    private mutating func emit(_ kind: TemplateToken.Kind) {
        tokens.append(TemplateToken(kind: kind, value: text(start, pos), pos: start))
        start = pos
    }

    private mutating func fail(_ message: String) {
        tokens.append(TemplateToken(kind: .error, value: message, pos: start))
    }

    private mutating func run() {
        while true {
            // Text up to the next left delimiter.
            guard let x = find("{{", from: pos) else {
                pos = input.count
                if pos > start { emit(.text) }
                tokens.append(TemplateToken(kind: .eof, value: "", pos: pos))
                return
            }
            pos = x
            var trimmed = pos
            if hasLeftTrimMarker(at: pos + 2) {
                while trimmed > start && Self.isSpace(input[trimmed - 1]) { trimmed -= 1 }
            }
            if trimmed > start {
                tokens.append(TemplateToken(kind: .text, value: text(start, trimmed), pos: start))
            }
            start = pos
            // Left delimiter.
            pos += 2
            let trim = hasLeftTrimMarker(at: pos)
            let after = trim ? 2 : 0
            if hasPrefix("/*", at: pos + after) {
                pos += after
                start = pos
                pos += 2
                guard let end = find("*/", from: pos) else { fail("unclosed comment"); return }
                pos = end + 2
                let (delim, trimSpace) = atRightDelim(pos)
                if !delim { fail("comment ends before closing delimiter"); return }
                emit(.comment)
                if trimSpace { pos += 2 }
                pos += 2
                if trimSpace { while pos < input.count && Self.isSpace(input[pos]) { pos += 1 } }
                start = pos
                continue
            }
            emit(.leftDelim)
            pos += after
            start = pos
            parenDepth = 0
            if !lexInsideAction() { return }
        }
    }

    private func find(_ s: String, from: Int) -> Int? {
        let b = Array(s.utf8)
        var i = from
        while i + b.count <= input.count {
            if input[i] == b[0] && input[i + 1] == b[1] { return i }
            i += 1
        }
        return nil
    }

    private func isAlphaNumeric(_ i: Int) -> Bool {
        guard i < input.count else { return false }
        let c = input[i]
        if c == UInt8(ascii: "_") || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { return true }
        if c < 0x80 { return false }
        guard let (scalar, _) = decode(i) else { return false }
        return scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
    }

    private func decode(_ i: Int) -> (Unicode.Scalar, Int)? {
        var it = input[i...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&it) { return (s, UTF8.width(s)) }
        return nil
    }

    private func width(_ i: Int) -> Int { input[i] < 0x80 ? 1 : (decode(i)?.1 ?? 1) }

    private func atTerminator(_ i: Int) -> Bool {
        guard i < input.count else { return true }
        let c = input[i]
        if Self.isSpace(c) { return true }
        switch c {
        case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: ":"), UInt8(ascii: ")"), UInt8(ascii: "("): return true
        default: return hasPrefix("}}", at: i)
        }
    }

    private func runeDescription(_ i: Int) -> String {
        guard i < input.count, let (s, _) = decode(i) else { return "U+FFFD '\u{FFFD}'" }
        let hex = String(s.value, radix: 16, uppercase: true)
        let u = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return GoQuote.isPrint(s) ? "\(u) '\(Character(s))'" : u
    }

    /// Lexes one action up to and including its right delimiter; false after an error.
    private mutating func lexInsideAction() -> Bool {
        while true {
            let (delim, trimSpace) = atRightDelim(pos)
            if delim {
                if parenDepth != 0 { fail("unclosed left paren"); return false }
                if trimSpace { pos += 2; start = pos }
                pos += 2
                emit(.rightDelim)
                if trimSpace { while pos < input.count && Self.isSpace(input[pos]) { pos += 1 } }
                start = pos
                return true
            }
            guard pos < input.count else { fail("unclosed action"); return false }
            let c = input[pos]
            if Self.isSpace(c) {
                var n = 0
                while pos < input.count && Self.isSpace(input[pos]) { pos += 1; n += 1 }
                // A trim-marked right delimiter starts with a space: leave it for the delimiter.
                if hasRightTrimMarker(at: pos - 1) && hasPrefix("}}", at: pos + 1) {
                    pos -= 1
                    if n == 1 { continue }
                }
                emit(.space)
                continue
            }
            pos += 1
            switch c {
            case UInt8(ascii: "="): emit(.assign)
            case UInt8(ascii: ":"):
                guard pos < input.count, input[pos] == UInt8(ascii: "=") else { fail("expected :="); return false }
                pos += 1
                emit(.declare)
            case UInt8(ascii: "|"): emit(.pipe)
            case UInt8(ascii: "\""):
                while true {
                    guard pos < input.count, input[pos] != 0x0A else { fail("unterminated quoted string"); return false }
                    let d = input[pos]
                    pos += 1
                    if d == UInt8(ascii: "\\") {
                        guard pos < input.count, input[pos] != 0x0A else { fail("unterminated quoted string"); return false }
                        pos += 1
                    } else if d == UInt8(ascii: "\"") { break }
                }
                emit(.string)
            case UInt8(ascii: "`"):
                guard let end = input[pos...].firstIndex(of: UInt8(ascii: "`")) else { fail("unterminated raw quoted string"); return false }
                pos = end + 1
                emit(.rawString)
            case UInt8(ascii: "'"):
                while true {
                    guard pos < input.count, input[pos] != 0x0A else { fail("unterminated character constant"); return false }
                    let d = input[pos]
                    pos += 1
                    if d == UInt8(ascii: "\\") {
                        guard pos < input.count, input[pos] != 0x0A else { fail("unterminated character constant"); return false }
                        pos += 1
                    } else if d == UInt8(ascii: "'") { break }
                }
                emit(.char)
            case UInt8(ascii: "$"):
                if !lexFieldOrVariable(.variable) { return false }
            case UInt8(ascii: "."):
                if pos < input.count && !(input[pos] >= 0x30 && input[pos] <= 0x39) {
                    if !lexFieldOrVariable(.field) { return false }
                } else {
                    pos -= 1
                    if !lexNumber() { return false }
                }
            case UInt8(ascii: "+"), UInt8(ascii: "-"), 0x30...0x39:
                pos -= 1
                if !lexNumber() { return false }
            case UInt8(ascii: "("):
                parenDepth += 1
                emit(.leftParen)
            case UInt8(ascii: ")"):
                parenDepth -= 1
                if parenDepth < 0 { fail("unexpected right paren"); return false }
                emit(.rightParen)
            default:
                pos -= 1
                if isAlphaNumeric(pos) {
                    while isAlphaNumeric(pos) { pos += width(pos) }
                    let word = text(start, pos)
                    if !atTerminator(pos) { fail("bad character \(runeDescription(pos))"); return false }
                    if let k = TemplateToken.Keyword(rawValue: word) {
                        emit(.keyword(k))
                    } else if word == "true" || word == "false" {
                        emit(.bool)
                    } else if word == "nil" {
                        emit(.nilValue)
                    } else {
                        emit(.identifier)
                    }
                } else if c < 0x80 && c >= 0x20 && c != 0x7F {
                    pos += 1
                    emit(.otherChar)
                } else {
                    fail("unrecognized character in action: \(runeDescription(pos))")
                    return false
                }
            }
        }
    }

    private mutating func lexFieldOrVariable(_ kind: TemplateToken.Kind) -> Bool {
        if atTerminator(pos) {
            emit(kind == .variable ? .variable : .dot)
            return true
        }
        while isAlphaNumeric(pos) { pos += width(pos) }
        if !atTerminator(pos) { fail("bad character \(runeDescription(pos))"); return false }
        emit(kind)
        return true
    }

    private mutating func lexNumber() -> Bool {
        func accept(_ set: String) -> Bool {
            if pos < input.count && set.utf8.contains(input[pos]) { pos += 1; return true }
            return false
        }
        func acceptRun(_ set: String) { while accept(set) {} }
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") { digits = "0123456789abcdefABCDEF_" } else if accept("oO") { digits = "01234567_" } else if accept("bB") { digits = "01_" }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") { _ = accept("+-"); acceptRun("0123456789_") }
        if digits.count == 23 && accept("pP") { _ = accept("+-"); acceptRun("0123456789_") }
        _ = accept("i")
        if isAlphaNumeric(pos) {
            pos += width(pos)
            fail("bad number syntax: \(GoQuote.quote(text(start, pos)))")
            return false
        }
        emit(.number)
        return true
    }
}
