import Foundation

/// Go's `strconv.FormatFloat` for the 'e', 'E', 'f', 'g' and 'G' formats (64-bit).
///
/// Shortest digits come from Swift's shortest round-trip description (the same digits Go's
/// shortest algorithm picks); fixed-precision digits from the C library's correctly rounded
/// conversion, which rounds the exact binary value half-to-even as Go's decimal rounding does.
enum GoFloatFormat {
    /// A decimal `0.d1d2…dn × 10^dp`, without leading or trailing zeros (zero has no digits).
    struct Decimal {
        var digits: [UInt8]
        var dp: Int
    }

    /// Formats `v` like `strconv.FormatFloat(v, fmt, prec, 64)`; `prec < 0` means shortest.
    static func format(_ v: Double, _ fmt: UInt8, _ prec: Int) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        let neg = v.sign == .minus
        let mag = Swift.abs(v)
        switch fmt {
        case UInt8(ascii: "e"), UInt8(ascii: "E"):
            if prec < 0 {
                let d = shortest(mag)
                return fmtE(neg, d, max(d.digits.count - 1, 0), fmt)
            }
            return fmtE(neg, rounded(mag, significant: prec + 1), prec, fmt)
        case UInt8(ascii: "f"):
            if prec < 0 {
                let d = shortest(mag)
                return fmtF(neg, d, max(d.digits.count - d.dp, 0))
            }
            return (neg ? "-" : "") + cFormat(mag, "f", prec)
        default:  // 'g', 'G'
            var p = prec
            let d: Decimal
            let isShortest = prec < 0
            if isShortest {
                d = shortest(mag)
                p = d.digits.count
            } else {
                if p == 0 { p = 1 }
                d = rounded(mag, significant: p)
            }
            var eprec = p
            let nd = d.digits.count
            if eprec > nd && nd >= d.dp { eprec = nd }
            // %e is used if the exponent is < -4 or >= precision; shortest decides with 6.
            if isShortest { eprec = 6 }
            let exp = d.dp - 1
            if exp < -4 || exp >= eprec {
                if p > nd { p = nd }
                return fmtE(neg, d, p - 1, fmt == UInt8(ascii: "g") ? UInt8(ascii: "e") : UInt8(ascii: "E"))
            }
            if p > d.dp { p = nd }
            return fmtF(neg, d, max(p - d.dp, 0))
        }
    }

    /// Shortest round-trip digits of a non-negative finite value.
    static func shortest(_ v: Double) -> Decimal {
        if v == 0 { return Decimal(digits: [], dp: 0) }
        return parseDigits(v.description)
    }

    /// `n` significant digits (n >= 1), correctly rounded, trailing zeros removed.
    static func rounded(_ v: Double, significant n: Int) -> Decimal {
        if v == 0 { return Decimal(digits: [], dp: 0) }
        return parseDigits(cFormat(v, "e", min(n - 1, 800)))
    }

    /// C `printf("%.*<conv>", prec, v)`, which is exact for doubles in glibc.
    static func cFormat(_ v: Double, _ conv: String, _ prec: Int) -> String {
        let p = min(max(prec, 0), 1000)
        var buf = [CChar](repeating: 0, count: 1400)
        let n = buf.withUnsafeMutableBufferPointer { b in
            withVaList([Int32(p), v]) { vsnprintf(b.baseAddress, b.count, "%.*" + conv, $0) }
        }
        if n >= buf.count {  // 1e308 with %f and a large precision: retry with room
            var big = [CChar](repeating: 0, count: Int(n) + 1)
            _ = big.withUnsafeMutableBufferPointer { b in
                withVaList([Int32(p), v]) { vsnprintf(b.baseAddress, b.count, "%.*" + conv, $0) }
            }
            return String(decoding: big.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return String(decoding: buf.prefix(Int(max(n, 0))).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Parses `123.45`, `1.2e-05`, `5e+20` into digits and decimal point position.
    static func parseDigits(_ s: String) -> Decimal {
        var mantissa = Substring(s)
        var exp = 0
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = s[s.startIndex..<e]
            exp = Int(s[s.index(after: e)...]) ?? 0
        }
        var digits = [UInt8]()
        var intCount = 0
        var seenDot = false
        for c in mantissa.utf8 {
            if c == UInt8(ascii: ".") { seenDot = true; continue }
            guard c >= 0x30 && c <= 0x39 else { continue }
            digits.append(c)
            if !seenDot { intCount += 1 }
        }
        var dp = intCount + exp
        var start = 0
        while start < digits.count && digits[start] == UInt8(ascii: "0") { start += 1; dp -= 1 }
        var end = digits.count
        while end > start && digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
        if start == end { return Decimal(digits: [], dp: 0) }
        return Decimal(digits: Array(digits[start..<end]), dp: dp)
    }

    /// `-d.ddde±dd`.
    static func fmtE(_ neg: Bool, _ d: Decimal, _ prec: Int, _ fmt: UInt8) -> String {
        var out = [UInt8]()
        if neg { out.append(UInt8(ascii: "-")) }
        out.append(d.digits.first ?? UInt8(ascii: "0"))
        if prec > 0 {
            out.append(UInt8(ascii: "."))
            var i = 1
            let m = min(d.digits.count, prec + 1)
            while i < m { out.append(d.digits[i]); i += 1 }
            while i <= prec { out.append(UInt8(ascii: "0")); i += 1 }
        }
        out.append(fmt)
        var exp = d.digits.isEmpty ? 0 : d.dp - 1
        if exp < 0 { out.append(UInt8(ascii: "-")); exp = -exp } else { out.append(UInt8(ascii: "+")) }
        if exp < 10 { out.append(UInt8(ascii: "0")) }
        out.append(contentsOf: String(exp).utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// `-ddd.ddd`.
    static func fmtF(_ neg: Bool, _ d: Decimal, _ prec: Int) -> String {
        var out = [UInt8]()
        if neg { out.append(UInt8(ascii: "-")) }
        if d.dp > 0 {
            let m = min(d.digits.count, d.dp)
            out.append(contentsOf: d.digits[0..<m])
            for _ in m..<d.dp { out.append(UInt8(ascii: "0")) }
        } else {
            out.append(UInt8(ascii: "0"))
        }
        if prec > 0 {
            out.append(UInt8(ascii: "."))
            for i in 1...prec {
                let j = d.dp + i - 1
                out.append(j >= 0 && j < d.digits.count ? d.digits[j] : UInt8(ascii: "0"))
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
