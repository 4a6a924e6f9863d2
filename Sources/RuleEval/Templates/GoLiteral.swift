import Foundation

/// Go literal syntax: string escapes, integer and float literals (`strconv.Unquote`, `ParseInt(s, 0, 64)`, `ParseFloat`).
enum GoLiteral {
    /// Resolves Go escapes (`\n`, `\x41`, `\u00e9`, `\101`, …); nil when malformed.
    static func unescape(_ s: String, quote: Character) -> String? {
        var out = [UInt8]()
        let b = Array(s.utf8)
        var i = 0
        let q = quote.asciiValue ?? 0
        func hex(_ n: Int) -> UInt32? {
            guard i + n <= b.count else { return nil }
            var v: UInt32 = 0
            for k in 0..<n {
                guard let d = Character(UnicodeScalar(b[i + k])).hexDigitValue else { return nil }
                v = v * 16 + UInt32(d)
            }
            i += n
            return v
        }
        while i < b.count {
            let c = b[i]
            i += 1
            if c == q { return nil }
            guard c == UInt8(ascii: "\\") else { out.append(c); continue }
            guard i < b.count else { return nil }
            let e = b[i]
            i += 1
            switch e {
            case UInt8(ascii: "a"): out.append(7)
            case UInt8(ascii: "b"): out.append(8)
            case UInt8(ascii: "f"): out.append(12)
            case UInt8(ascii: "n"): out.append(10)
            case UInt8(ascii: "r"): out.append(13)
            case UInt8(ascii: "t"): out.append(9)
            case UInt8(ascii: "v"): out.append(11)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                guard e == q else { return nil }
                out.append(e)
            case UInt8(ascii: "x"):
                guard let v = hex(2) else { return nil }
                out.append(UInt8(v))
            case UInt8(ascii: "u"), UInt8(ascii: "U"):
                guard let v = hex(e == UInt8(ascii: "u") ? 4 : 8), let u = Unicode.Scalar(v) else { return nil }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard i + 1 < b.count + 0, i + 2 <= b.count else { return nil }
                var v = UInt32(e - 0x30)
                for k in 0..<2 {
                    let d = b[i + k]
                    guard d >= 0x30 && d <= 0x37 else { return nil }
                    v = v * 8 + UInt32(d - 0x30)
                }
                guard v <= 255 else { return nil }
                i += 2
                out.append(UInt8(v))
            default: return nil
            }
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
