import Foundation
import TSDB

/// Go's text forms that promtool's messages use, so Tidemark's read the same.
public enum GoFormat {
    /// `strconv.FormatFloat(v, 'E', -1, 64)`: shortest digits, `E±dd` exponent (`3.6E+03`).
    public static func floatE(_ v: Double) -> String { GoFloatFormat.format(v, UInt8(ascii: "E"), -1) }

    /// `strconv.Quote`: double-quoted with Go escapes.
    public static func quote(_ s: String) -> String { GoQuote.quote(s) }

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
