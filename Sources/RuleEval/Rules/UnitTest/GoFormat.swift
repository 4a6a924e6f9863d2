import Foundation
import TSDB

/// Go's text forms that promtool's messages use, so Tidemark's read the same.
public enum GoFormat {
    /// `strconv.FormatFloat(v, 'E', -1, 64)`: shortest digits, `E±dd` exponent (`3.6E+03`).
    public static func floatE(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        let (digits, exp) = shortestDigits(abs(v))
        guard let first = digits.first else { return (v.sign == .minus ? "-" : "") + "0E+00" }
        var s = v.sign == .minus ? "-" : ""
        s.append(first)
        if digits.count > 1 { s += "." + digits.dropFirst() }
        s += exp < 0 ? "E-" : "E+"
        let e = abs(exp)
        s += e < 10 ? "0\(e)" : "\(e)"
        return s
    }

    /// The shortest round-trip decimal digits of `v` ≥ 0 (no leading or trailing zeros) and the
    /// exponent of the first digit; empty digits for zero.
    static func shortestDigits(_ v: Double) -> (String, Int) {
        let text = "\(v)"  // Swift prints the shortest round-trip form too
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let e = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let dot = mantissa.firstIndex(of: ".")
        let intPart = dot.map { mantissa[..<$0] } ?? mantissa
        let fracPart = dot.map { mantissa[mantissa.index(after: $0)...] } ?? ""
        var all = Array(intPart + fracPart)
        var point = intPart.count
        while let f = all.first, f == "0" { all.removeFirst(); point -= 1 }
        while let l = all.last, l == "0" { all.removeLast() }
        return (String(all), point - 1 + e)
    }

    /// `strconv.Quote`: double-quoted with Go escapes.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{0B}": out += "\\v"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += String(format: "\\x%02x", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// `labels.Labels.String()`: `{a="b", c="d"}`.
    public static func labels(_ pairs: [Label]) -> String {
        "{" + pairs.map { "\($0.name)=\(quote($0.value))" }.joined(separator: ", ") + "}"
    }

    /// Prometheus' `model.Duration.String()`: `5m`, `1h30m`, `100d`, `0s`.
    public static func modelDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms
        var out = ""
        let units: [(String, Int64, Bool)] = [("y", 31_536_000_000, true), ("w", 604_800_000, true), ("d", 86_400_000, false),
                                              ("h", 3_600_000, false), ("m", 60_000, false), ("s", 1000, false), ("ms", 1, false)]
        for (name, mult, exact) in units {
            if exact && rest % mult != 0 { continue }
            let v = rest / mult
            if v > 0 { out += "\(v)\(name)"; rest -= v * mult }
        }
        return out
    }

    /// Go's `time.Duration.String()` for ms: `0s`, `1m0s`, `1h0m0s`, `1.5s`, `500ms`.
    public static func timeDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        let negative = ms < 0
        let a = ms.magnitude
        if a < 1000 { return (negative ? "-" : "") + "\(a)ms" }
        let h = a / 3_600_000, m = a / 60_000 % 60, sMs = a % 60_000
        var secs = "\(sMs / 1000)"
        if sMs % 1000 != 0 {
            var frac = String(String(sMs % 1000 + 1000).dropFirst())
            while frac.hasSuffix("0") { frac.removeLast() }
            secs += "." + frac
        }
        var out = negative ? "-" : ""
        if h > 0 { out += "\(h)h" }
        if h > 0 || m > 0 { out += "\(m)m" }
        return out + secs + "s"
    }
}
