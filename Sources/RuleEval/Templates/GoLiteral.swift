import Foundation

/// Go literal syntax: string escapes, integer and float literals (`strconv.Unquote`, `ParseInt(s, 0, 64)`, `ParseFloat`).
enum GoLiteral {
    /// Resolves Go escapes (`\n`, `\x41`, `\u00e9`, `\101`, …); nil when malformed.
    static func unescape(_ s: String, quote: Character) -> String? {
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        let q = quote.asciiValue ?? 0
        while i < b.count {
            let c = b[i]
            i += 1
            if c == q { return nil }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            do { try GoEscape.decode(b, &i, quote: q, into: &out) } catch { return nil }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `strconv.ParseInt(s, 0, 64)`: sign, `0x`/`0o`/`0b`/leading-`0` octal prefixes, underscores.
    static func parseInt(_ s: String) -> Int64? {
        var t = Substring(s)
        var negative = false
        if t.hasPrefix("+") || t.hasPrefix("-") { negative = t.hasPrefix("-"); t = t.dropFirst() }
        var radix = 10
        let lower = t.lowercased()
        if lower.hasPrefix("0x") { radix = 16; t = t.dropFirst(2) } else if lower.hasPrefix("0o") { radix = 8; t = t.dropFirst(2) } else if lower.hasPrefix("0b") { radix = 2; t = t.dropFirst(2) } else if t.hasPrefix("0") && t.count > 1 { radix = 8; t = t.dropFirst() }
        let digits = t.replacingOccurrences(of: "_", with: "")
        guard !digits.isEmpty, let m = UInt64(digits, radix: radix) else { return nil }
        if negative {
            if m == UInt64(Int64.max) + 1 { return Int64.min }
            guard m <= UInt64(Int64.max) else { return nil }
            return -Int64(m)
        }
        guard m <= UInt64(Int64.max) else { return nil }
        return Int64(m)
    }

    /// `strconv.ParseFloat(s, 64)` for Go literal syntax (decimal or hex), plus `Inf`/`Infinity`/`NaN` in any case.
    static func parseFloat(_ s: String) -> Double? {
        var t = Substring(s)
        var sign = 1.0
        if t.hasPrefix("+") || t.hasPrefix("-") { if t.hasPrefix("-") { sign = -1 }; t = t.dropFirst() }
        let lower = t.lowercased()
        if lower == "inf" || lower == "infinity" { return sign * .infinity }
        if lower == "nan" && s.count == 3 { return .nan }
        guard !t.isEmpty else { return nil }
        let isHex = lower.hasPrefix("0x")
        // Underscores are only allowed between digits with a base prefix; keep it simple: only with a prefix.
        if t.contains("_") && !isHex { return nil }
        let body = t.replacingOccurrences(of: "_", with: "")
        let allowed = isHex ? "0123456789abcdefABCDEFxXpP.+-" : "0123456789.eE+-"
        guard body.allSatisfy({ allowed.contains($0) }) else { return nil }
        if !isHex {
            // Needs at least one digit in the mantissa.
            let mantissa = body.split(whereSeparator: { $0 == "e" || $0 == "E" }).first ?? ""
            guard mantissa.contains(where: { $0.isNumber }) else { return nil }
        } else if !lower.contains("p") {
            return nil
        }
        guard let v = Double(body) else { return nil }
        return sign * v
    }
}
