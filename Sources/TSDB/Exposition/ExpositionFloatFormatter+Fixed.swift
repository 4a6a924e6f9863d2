extension ExpositionFloatFormatter {
    /// Appends `v` as the Prometheus HTTP API quotes sample values: Go's `'f'` form (see
    /// `appendFixed`), except the `'e'` form (`1e+21`, `1.5e-07`) for magnitudes from 1e21 up and
    /// below 1e-6 (zero excepted), as Prometheus' `jsonutil.MarshalFloat` switches.
    public static func appendAPIValue(_ v: Double, to out: inout [UInt8]) {
        let magnitude = v.magnitude
        guard magnitude.isFinite, magnitude != 0, magnitude < 1e-6 || magnitude >= 1e21 else {
            appendFixed(v, to: &out)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf in
            guard let d = buf.baseAddress else { return }
            let (count, point) = shortestDigits(magnitude, into: d)
            if v < 0 { out.append(UInt8(ascii: "-")) }
            appendExponentForm(d, count: count, exponent: point - 1, to: &out)
        }
    }

    /// Appends `v` as Go's `strconv.FormatFloat(v, 'f', -1, 64)` writes it: the shortest
    /// round-trip digits without an exponent (`1e+20` is `100000000000000000000`, `1e-05` is
    /// `0.00001`), `NaN`, `+Inf`, `-Inf`, `-0`.
    public static func appendFixed(_ v: Double, to out: inout [UInt8]) {
        if v.isNaN { out.append(contentsOf: "NaN".utf8); return }
        if v.isInfinite { out.append(contentsOf: (v < 0 ? "-Inf" : "+Inf").utf8); return }
        if v.sign == .minus { out.append(UInt8(ascii: "-")) }
        let magnitude = v.magnitude
        // Integers below 2^53 (counters, gauges of counts): their digits, no round-trip search.
        if magnitude < 9_007_199_254_740_992, magnitude == magnitude.rounded(.towardZero) {
            appendDecimal(UInt64(magnitude), to: &out)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buf in
            guard let d = buf.baseAddress else { return }
            let (count, point) = shortestDigits(magnitude, into: d)
            if point <= 0 {
                out.append(contentsOf: "0.".utf8)
                for _ in 0 ..< -point { out.append(UInt8(ascii: "0")) }
                for k in 0..<count { out.append(d[k]) }
            } else {
                for k in 0..<point { out.append(k < count ? d[k] : UInt8(ascii: "0")) }
                if count > point {
                    out.append(UInt8(ascii: "."))
                    for k in point..<count { out.append(d[k]) }
                }
            }
        }
    }

    /// Appends the decimal digits of `n`.
    public static func appendDecimal(_ n: UInt64, to out: inout [UInt8]) {
        if n < 10 { out.append(UInt8(n) + 0x30); return }
        var tmp: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 20 digits of UInt64.max
        withUnsafeMutableBytes(of: &tmp) { t in
            var k = 0
            var x = n
            while x > 0 { t[k] = UInt8(x % 10) + 0x30; x /= 10; k += 1 }
            while k > 0 { k -= 1; out.append(t[k]) }
        }
    }
}
