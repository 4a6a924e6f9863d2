/// Number tokens of the exposition formats: float values and timestamps, parsed straight from the body's bytes.
///
/// Floats: a hand-rolled exact fast path (Clinger: at most 19 significant digits whose value fits in 53 bits,
/// scaled by an exactly representable power of ten, one correctly rounded operation), the standard library's
/// correctly rounded `Double(String)` otherwise. Syntax is checked here, not by the fallback, so each format accepts exactly its own spellings.
@usableFromInline
enum ExpositionNumberParser {
    /// Powers of ten that are exact doubles (10^0 ... 10^22).
    @usableFromInline static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Parses the float in `p[start..<end]`; nil when it is not a number of the format.
    ///
    /// Accepted: `[+-]digits[.digits][e[+-]digits]` (either side of the point may be empty, not both),
    /// `[+-]Inf`/`[+-]Infinity` and `NaN` in any letter case; with `allowHex` also Go's hex floats (`0x1p-3`).
    @inlinable
    static func parseFloat(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int, allowHex: Bool) -> Double? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        var c = p[i]
        if c == UInt8(ascii: "-") || c == UInt8(ascii: "+") {
            negative = c == UInt8(ascii: "-")
            i += 1
            guard i < end else { return nil }
            c = p[i]
        }
        if c &- 0x30 > 9 && c != UInt8(ascii: ".") {
            return parseSpecial(p, start, i, end, negative: negative)
        }
        if allowHex, c == UInt8(ascii: "0"), i + 1 < end, p[i + 1] | 0x20 == UInt8(ascii: "x") {
            return parseHex(p, start, i + 2, end)
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent = 0
        var inexact = false
        var sawDigit = false
        while i < end {
            let d = p[i] &- 0x30
            if d > 9 { break }
            sawDigit = true
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(d)
                if mantissa != 0 { digits += 1 }
            } else {
                exponent += 1
                if d != 0 { inexact = true }
            }
            i += 1
        }
        if i < end && p[i] == UInt8(ascii: ".") {
            i += 1
            while i < end {
                let d = p[i] &- 0x30
                if d > 9 { break }
                sawDigit = true
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    if mantissa != 0 { digits += 1 }
                    exponent -= 1
                } else if d != 0 {
                    inexact = true
                }
                i += 1
            }
        }
        guard sawDigit else { return nil }
        if i < end && p[i] | 0x20 == UInt8(ascii: "e") {
            guard let e = parseExponent(p, i + 1, end) else { return nil }
            exponent += e
            i = end
        }
        guard i == end else { return nil }
        if mantissa == 0 { return negative ? -0.0 : 0.0 }
        if !inexact && mantissa <= 1 << 53 && exponent >= -22 && exponent <= 22 {
            var v = Double(mantissa)
            if exponent >= 0 { v *= exactPowersOfTen[exponent] } else { v /= exactPowersOfTen[-exponent] }
            return negative ? -v : v
        }
        return strtodFallback(p, start, end)
    }

    /// The exponent digits after `e`: `[+-]digits`, saturated at ±100000 (beyond any double's range); nil on bad syntax.
    @inlinable
    static func parseExponent(_ p: UnsafePointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        var i = from
        var negative = false
        if i < end && (p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        guard i < end else { return nil }
        var e = 0
        while i < end {
            let d = p[i] &- 0x30
            guard d <= 9 else { return nil }
            if e < 100_000 { e = e * 10 + Int(d) }
            i += 1
        }
        return negative ? -e : e
    }

    /// `Inf`, `Infinity` (optionally signed) and `NaN` (unsigned), any letter case.
    @usableFromInline
    static func parseSpecial(_ p: UnsafePointer<UInt8>, _ start: Int, _ word: Int, _ end: Int, negative: Bool) -> Double? {
        let n = end - word
        func matches(_ s: StaticString) -> Bool {
            guard n == s.utf8CodeUnitCount else { return false }
            for k in 0..<n where p[word + k] | 0x20 != s.utf8Start[k] { return false }
            return true
        }
        if matches("inf") || matches("infinity") { return negative ? -.infinity : .infinity }
        if word == start && matches("nan") { return .nan }
        return nil
    }

    /// Go-style hex float after the `0x`: hex digits with an optional point, then a required `p` exponent.
    @usableFromInline
    static func parseHex(_ p: UnsafePointer<UInt8>, _ start: Int, _ from: Int, _ end: Int) -> Double? {
        var i = from
        var sawDigit = false
        var sawPoint = false
        while i < end {
            let c = p[i]
            let lower = c | 0x20
            if c &- 0x30 <= 9 || (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "f")) {
                sawDigit = true
            } else if c == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            i += 1
        }
        guard sawDigit, i < end, p[i] | 0x20 == UInt8(ascii: "p"), parseExponent(p, i + 1, end) != nil else { return nil }
        return strtodFallback(p, start, end)
    }

    /// Correctly rounded conversion of an already validated token by the standard library (locale-independent).
    @usableFromInline @inline(never)
    static func strtodFallback(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        Double(String(decoding: UnsafeRawBufferPointer(start: p + start, count: end - start), as: UTF8.self))
    }

    /// Parses a Prometheus-text timestamp: `[+-]digits` milliseconds; nil on bad syntax or overflow.
    @inlinable
    static func parseMilliseconds(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int64? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
            guard i < end else { return nil }
        }
        var v: Int64 = 0
        while i < end {
            let d = p[i] &- 0x30
            guard d <= 9 else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int64(d)) : m.addingReportingOverflow(Int64(d))
            if o1 || o2 { return nil }
            v = s
            i += 1
        }
        return v
    }

    /// Parses an OpenMetrics timestamp (a real number of seconds, no Inf/NaN/hex) to milliseconds, truncated
    /// toward zero and computed from the decimal digits, so `1.005` is exactly 1005 ms. Values beyond the Int64
    /// range saturate. Also returns the seconds as a double, for ordering checks. Nil on bad syntax.
    @usableFromInline
    static func parseSecondsTimestamp(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (ms: Int64, seconds: Double)? {
        var i = start
        guard i < end else { return nil }
        var negative = false
        if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") {
            negative = p[i] == UInt8(ascii: "-")
            i += 1
        }
        let intStart = i
        while i < end && p[i] &- 0x30 <= 9 { i += 1 }
        let intEnd = i
        var fracStart = i, fracEnd = i
        if i < end && p[i] == UInt8(ascii: ".") {
            i += 1
            fracStart = i
            while i < end && p[i] &- 0x30 <= 9 { i += 1 }
            fracEnd = i
        }
        guard intEnd > intStart || fracEnd > fracStart else { return nil }
        var exponent = 0
        if i < end && p[i] | 0x20 == UInt8(ascii: "e") {
            guard let e = parseExponent(p, i + 1, end) else { return nil }
            exponent = e
            i = end
        }
        guard i == end, let seconds = parseFloat(p, start, end, allowHex: false) else { return nil }
        // Digits of int ++ frac; the millisecond point sits `exponent + 3` digits right of the decimal point.
        let intCount = intEnd - intStart
        let totalDigits = intCount + (fracEnd - fracStart)
        let keep = intCount + exponent + 3
        var ms: Int64 = 0
        var saturated = false
        func digit(_ k: Int) -> Int64 {
            Int64(k < intCount ? p[intStart + k] &- 0x30 : p[fracStart + k - intCount] &- 0x30)
        }
        if keep > 0 {
            var k = 0
            while k < keep && !saturated {
                let d: Int64 = k < totalDigits ? digit(k) : 0
                if k >= totalDigits && ms == 0 { break }
                let (m, o1) = ms.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(d)
                if o1 || o2 { saturated = true } else { ms = s }
                k += 1
            }
        }
        if saturated { return (negative ? Int64.min : Int64.max, seconds) }
        return (negative ? -ms : ms, seconds)
    }
}

