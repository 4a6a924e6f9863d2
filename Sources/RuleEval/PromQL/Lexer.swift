import Foundation

/// Splits a PromQL query into tokens. Works on the UTF-8 bytes; positions are byte offsets.
struct Lexer {
    /// The query's UTF-8 bytes (identifier tokens point into them).
    let b: [UInt8]
    private var i = 0
    /// String literals' decoded values, by `Token.Kind.string` index.
    var strings: [String] = []

    init(_ query: String) { b = Array(query.utf8) }

    /// All tokens, ending with `.eof`.
    static func tokens(_ query: String) throws(PromQLParseError) -> (tokens: [Token], bytes: [UInt8], strings: [String]) {
        var l = Lexer(query)
        var out: [Token] = []
        out.reserveCapacity(l.b.count / 3 + 2)
        while true {
            let t = try l.next(query)
            out.append(t)
            if t.kind == .eof { return (out, l.b, l.strings) }
        }
    }

    private func peek(_ k: Int = 0) -> UInt8? { i + k < b.count ? b[i + k] : nil }

    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a || c == 0x5f }
    static func isNameChar(_ c: UInt8) -> Bool { isAlpha(c) || isDigit(c) || c == 0x3a }

    private mutating func next(_ query: String) throws(PromQLParseError) -> Token {
        // Blanks and comments.
        while let c = peek() {
            if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d { i += 1; continue }
            if c == UInt8(ascii: "#") {
                while let d = peek(), d != 0x0a { i += 1 }
                continue
            }
            break
        }
        let start = i
        guard let c = peek() else { return Token(kind: .eof, offset: i) }
        switch c {
        case UInt8(ascii: "("): return token(.leftParen, 1, start)
        case UInt8(ascii: ")"): return token(.rightParen, 1, start)
        case UInt8(ascii: "{"): return token(.leftBrace, 1, start)
        case UInt8(ascii: "}"): return token(.rightBrace, 1, start)
        case UInt8(ascii: "["): return token(.leftBracket, 1, start)
        case UInt8(ascii: "]"): return token(.rightBracket, 1, start)
        case UInt8(ascii: ","): return token(.comma, 1, start)
        case UInt8(ascii: ":"):
            // A name may start with a colon (`:foo`); a lone colon separates a subquery's range and step.
            if let d = peek(1), Self.isNameChar(d), !Self.isDigit(d) { return lexIdentifier(start) }
            return token(.colon, 1, start)
        case UInt8(ascii: "@"): return token(.at, 1, start)
        case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"), UInt8(ascii: "^"):
            let op: Token.Operator
            switch c {
            case UInt8(ascii: "+"): op = .add
            case UInt8(ascii: "-"): op = .sub
            case UInt8(ascii: "*"): op = .mul
            case UInt8(ascii: "/"): op = .div
            case UInt8(ascii: "%"): op = .mod
            default: op = .pow
            }
            return token(.op(op), 1, start)
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: "=") { return token(.op(.eql), 2, start) }
            if peek(1) == UInt8(ascii: "~") { return token(.op(.regexMatch), 2, start) }
            return token(.op(.assign), 1, start)
        case UInt8(ascii: "!"):
            if peek(1) == UInt8(ascii: "=") { return token(.op(.neq), 2, start) }
            if peek(1) == UInt8(ascii: "~") { return token(.op(.regexNoMatch), 2, start) }
            throw PromQLParseError(query, start, "unexpected character after '!': expected '!=' or '!~'")
        case UInt8(ascii: ">"):
            return peek(1) == UInt8(ascii: "=") ? token(.op(.gte), 2, start) : token(.op(.gtr), 1, start)
        case UInt8(ascii: "<"):
            return peek(1) == UInt8(ascii: "=") ? token(.op(.lte), 2, start) : token(.op(.lss), 1, start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"):
            return try lexString(query, start)
        default:
            if Self.isDigit(c) || (c == UInt8(ascii: ".") && peek(1).map(Self.isDigit) == true) {
                return try lexNumberOrDuration(query, start)
            }
            if Self.isAlpha(c) { return lexIdentifier(start) }
            let scalar = String(decoding: b[start..<min(b.count, start + 4)], as: UTF8.self).first.map(String.init) ?? "?"
            throw PromQLParseError(query, start, "unexpected character \"\(scalar)\"")
        }
    }

    /// A token of `n` bytes at `start`; moves past it.
    @inline(__always)
    private mutating func token(_ k: Token.Kind, _ n: Int, _ start: Int) -> Token {
        i += n
        return Token(kind: k, offset: start)
    }

    private mutating func lexIdentifier(_ start: Int) -> Token {
        var colon = false
        while let c = peek(), Self.isNameChar(c) {
            if c == 0x3a { colon = true }
            i += 1
        }
        return Token(kind: .identifier, offset: start, end: i, keyword: Self.keyword(b[start..<i]), hasColon: colon)
    }

    /// Keywords by length (index), for a case-insensitive match without building a string or hashing.
    private static let keywordsByLength: [[(bytes: [UInt8], keyword: Token.Keyword)]] = {
        var out = [[(bytes: [UInt8], keyword: Token.Keyword)]](repeating: [], count: 12)
        for k in Token.Keyword.allCases { out[k.rawValue.utf8.count].append((Array(k.rawValue.utf8), k)) }
        return out
    }()

    private static func keyword(_ word: ArraySlice<UInt8>) -> Token.Keyword? {
        guard word.count < keywordsByLength.count else { return nil }
        outer: for (bytes, k) in keywordsByLength[word.count] {
            var j = 0
            for c in word {
                let lower = c >= 0x41 && c <= 0x5a ? c | 0x20 : c
                if lower != bytes[j] { continue outer }
                j += 1
            }
            return k
        }
        return nil
    }

    private mutating func lexNumberOrDuration(_ query: String, _ start: Int) throws(PromQLParseError) -> Token {
        // Hex integer.
        if peek() == UInt8(ascii: "0"), let x = peek(1), x | 0x20 == UInt8(ascii: "x") {
            i += 2
            let digitsStart = i
            while let c = peek(), c.isHexDigit { i += 1 }
            guard i > digitsStart, let v = UInt64(String(decoding: b[digitsStart..<i], as: UTF8.self), radix: 16) else {
                throw PromQLParseError(query, start, "bad number \"\(String(decoding: b[start..<i], as: UTF8.self))\"")
            }
            if let c = peek(), Self.isAlpha(c) || Self.isDigit(c) { throw badNumber(query, start) }
            return Token(kind: .number(Double(v)), offset: start)
        }
        while let c = peek(), Self.isDigit(c) { i += 1 }
        // A duration: integer and unit, repeated (`1h30m`).
        // Digits then a letter other than an exponent's `e`: a duration.
        if let c = peek(), Self.isAlpha(c), c | 0x20 != UInt8(ascii: "e") {
            i = start
            return try lexDuration(query, start)
        }
        if peek() == UInt8(ascii: ".") {
            i += 1
            while let c = peek(), Self.isDigit(c) { i += 1 }
        }
        if let c = peek(), c | 0x20 == UInt8(ascii: "e") {
            var j = i + 1
            if j < b.count, b[j] == UInt8(ascii: "+") || b[j] == UInt8(ascii: "-") { j += 1 }
            if j < b.count, Self.isDigit(b[j]) {
                i = j
                while let d = peek(), Self.isDigit(d) { i += 1 }
            }
        }
        if let c = peek(), Self.isAlpha(c) || Self.isDigit(c) { throw badNumber(query, start) }
        // Plain integers (most literals) without going through a string.
        if i - start <= 15, !b[start..<i].contains(where: { !Self.isDigit($0) }) {
            var v: Int64 = 0
            for d in b[start..<i] { v = v * 10 + Int64(d - 0x30) }
            return Token(kind: .number(Double(v)), offset: start)
        }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        guard let v = Double(text) else { throw badNumber(query, start) }
        return Token(kind: .number(v), offset: start)
    }

    private mutating func badNumber(_ query: String, _ start: Int) -> PromQLParseError {
        while let c = peek(), Self.isAlpha(c) || Self.isDigit(c) || c == UInt8(ascii: ".") { i += 1 }
        return PromQLParseError(query, start, "bad number or duration syntax: \"\(String(decoding: b[start..<i], as: UTF8.self))\"")
    }

    /// Duration units from the longest to the shortest: letter(s) and milliseconds.
    private static let durationUnits: [(first: UInt8, second: UInt8?, ms: Int64)] = [
        (UInt8(ascii: "y"), nil, 365 * 86_400_000), (UInt8(ascii: "w"), nil, 7 * 86_400_000), (UInt8(ascii: "d"), nil, 86_400_000),
        (UInt8(ascii: "h"), nil, 3_600_000), (UInt8(ascii: "m"), nil, 60_000), (UInt8(ascii: "s"), nil, 1000),
        (UInt8(ascii: "m"), UInt8(ascii: "s"), 1),
    ]

    /// `<int><unit>` parts in the order y w d h m s ms, each unit at most once.
    private mutating func lexDuration(_ query: String, _ start: Int) throws(PromQLParseError) -> Token {
        var total: Int64 = 0
        var lastUnit = -1
        while let c = peek(), Self.isDigit(c) {
            var n: Int64 = 0
            while let d = peek(), Self.isDigit(d) {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(d - 0x30))
                if o1 || o2 { throw PromQLParseError(query, start, "duration out of range") }
                n = a
                i += 1
            }
            // "ms" before "m": the longer spelling wins when it is there.
            var unit = -1
            if peek() == UInt8(ascii: "m"), peek(1) == UInt8(ascii: "s") {
                unit = 6
                i += 2
            } else if let u = peek(), let k = Self.durationUnits.firstIndex(where: { $0.first == u && $0.second == nil }) {
                unit = k
                i += 1
            }
            guard unit > lastUnit else { throw badNumber(query, start) }
            lastUnit = unit
            let (m, o1) = n.multipliedReportingOverflow(by: Self.durationUnits[unit].ms)
            let (t, o2) = total.addingReportingOverflow(m)
            if o1 || o2 { throw PromQLParseError(query, start, "duration out of range") }
            total = t
        }
        if let c = peek(), Self.isAlpha(c) || Self.isDigit(c) || c == UInt8(ascii: ".") { throw badNumber(query, start) }
        return Token(kind: .duration(total), offset: start)
    }

    private mutating func lexString(_ query: String, _ start: Int) throws(PromQLParseError) -> Token {
        let quote = b[i]
        i += 1
        // Most strings have no escapes: one scan, one copy.
        var j = i
        while j < b.count, b[j] != quote, b[j] != UInt8(ascii: "\\"), b[j] != 0x0a { j += 1 }
        if j < b.count, b[j] == quote {
            let text = String(decoding: b[i..<j], as: UTF8.self)
            i = j + 1
            strings.append(text)
            return Token(kind: .string(strings.count - 1), offset: start)
        }
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw PromQLParseError(query, start, "unterminated quoted string") }
            i += 1
            if c == quote { break }
            if quote == UInt8(ascii: "`") { out.append(c); continue }
            if c == 0x0a { throw PromQLParseError(query, start, "unterminated quoted string") }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < b.count else { throw PromQLParseError(query, start, "unterminated quoted string") }
            let escape = b[i]
            do throws(GoEscape.Failure) {
                try GoEscape.decode(b, &i, quote: quote, into: &out)
            } catch {
                switch error {
                case .unknown(let at): throw PromQLParseError(query, at, "unknown escape sequence \"\\\(Character(UnicodeScalar(escape)))\"")
                case .hex(let at): throw PromQLParseError(query, at, "invalid hexadecimal escape sequence")
                case .unicode(let at): throw PromQLParseError(query, at, "invalid Unicode code point in escape sequence")
                case .octal(let at): throw PromQLParseError(query, at, "invalid octal escape sequence")
                case .octalRange(let at): throw PromQLParseError(query, at, "octal escape value > 255")
                case .truncated: throw PromQLParseError(query, start, "unterminated quoted string")
                }
            }
        }
        strings.append(String(decoding: out, as: UTF8.self))
        return Token(kind: .string(strings.count - 1), offset: start)
    }

}

private extension UInt8 {
    var isHexDigit: Bool { (self >= 0x30 && self <= 0x39) || (self | 0x20 >= 0x61 && self | 0x20 <= 0x66) }
}
