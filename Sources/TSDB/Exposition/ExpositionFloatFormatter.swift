/// Formats sample values as Prometheus writes them (Go's `strconv.FormatFloat(v, 'g', -1, 64)` plus
/// Prometheus' special cases): `NaN`, `+Inf`, `-Inf`, `0` for both zeros, otherwise the shortest decimal that
/// reads back to the same double, in exponent form (`1.5e+06`, `1e-05`) when the decimal exponent is below -4
/// or at least 6.
public enum ExpositionFloatFormatter {
    /// `v` as Prometheus text writes it.
    public static func format(_ v: Double) -> String {
        var out: [UInt8] = []
        append(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `v` as Prometheus text writes it.
    public static func append(_ v: Double, to out: inout [UInt8]) {
        if v.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if v.isInfinite { out.append(contentsOf: (v < 0 ? "-Inf" : "+Inf").utf8); return }
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        // Shortest digits: exact for integers below 2^53, else from the standard library's shortest
        // round-trip `description`, re-laid out the way Go does.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf in
            guard let d = buf.baseAddress else { return }
            var count = 0
            var pointPosition = 0
            let magnitude = v.magnitude
            if magnitude < 9_007_199_254_740_992, magnitude == magnitude.rounded(.towardZero) {
                var n = UInt64(magnitude)
                var tmp: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                    (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                withUnsafeMutableBytes(of: &tmp) { t in
                    var k = 0
                    while n > 0 { t[k] = UInt8(n % 10) + 0x30; n /= 10; k += 1 }
                    for j in 0..<k { d[j] = t[k - 1 - j] }
                    count = k
                }
                pointPosition = count
                while count > 1 && d[count - 1] == UInt8(ascii: "0") { count -= 1 }
            } else {
                (count, pointPosition) = shortestDigits(magnitude, into: d)
            }
            if v < 0 { out.append(UInt8(ascii: "-")) }
            let exponent = pointPosition - 1
            if exponent < -4 || exponent >= 6 {
                appendExponentForm(d, count: count, exponent: exponent, to: &out)
            } else if pointPosition <= 0 {
                out.append(contentsOf: "0.".utf8)
                for _ in 0 ..< -pointPosition { out.append(UInt8(ascii: "0")) }
                for k in 0..<count { out.append(d[k]) }
            } else {
                for k in 0..<pointPosition { out.append(k < count ? d[k] : UInt8(ascii: "0")) }
                if count > pointPosition {
                    out.append(UInt8(ascii: "."))
                    for k in pointPosition..<count { out.append(d[k]) }
                }
            }
        }
    }

    /// Lays out `count` significant digits as Go's `'e'` format does: `d.ddde+XX`, the exponent
    /// signed and at least two digits.
    static func appendExponentForm(_ d: UnsafeMutablePointer<UInt8>, count: Int, exponent: Int, to out: inout [UInt8]) {
        out.append(d[0])
        if count > 1 {
            out.append(UInt8(ascii: "."))
            for k in 1..<count { out.append(d[k]) }
        }
        out.append(UInt8(ascii: "e"))
        out.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        let e = abs(exponent)
        if e < 10 { out.append(UInt8(ascii: "0")) }
        if e >= 100 { out.append(UInt8(e / 100) + 0x30) }
        if e >= 10 { out.append(UInt8(e / 10 % 10) + 0x30) }
        out.append(UInt8(e % 10) + 0x30)
    }

    /// The shortest round-trip significant digits of finite positive `v` (ASCII, no leading or trailing zeros) and the
    /// decimal point position (value = 0.d1d2... x 10^position), taken from `v.description`.
    static func shortestDigits(_ v: Double, into d: UnsafeMutablePointer<UInt8>) -> (count: Int, pointPosition: Int) {
        var text = v.description
        return text.withUTF8 { s -> (Int, Int) in
            var count = 0
            var point = -1
            var exponent = 0
            var leadingZeros = 0
            var i = 0
            while i < s.count {
                let c = s[i]
                if c == UInt8(ascii: ".") {
                    point = count + leadingZeros
                } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                    var j = i + 1
                    var negative = false
                    if j < s.count && (s[j] == UInt8(ascii: "-") || s[j] == UInt8(ascii: "+")) { negative = s[j] == UInt8(ascii: "-"); j += 1 }
                    while j < s.count { exponent = exponent * 10 + Int(s[j] &- 0x30); j += 1 }
                    if negative { exponent = -exponent }
                    break
                } else if c == UInt8(ascii: "0") && count == 0 {
                    leadingZeros += 1
                } else if count < 32 {
                    d[count] = c
                    count += 1
                }
                i += 1
            }
            let integerDigits = point >= 0 ? point : count + leadingZeros
            // `description` writes `100.0`: the zeros after the last significant digit go.
            while count > 1 && d[count - 1] == UInt8(ascii: "0") { count -= 1 }
            return (count, integerDigits - leadingZeros + exponent)
        }
    }
}
