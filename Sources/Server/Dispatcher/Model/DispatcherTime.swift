import Foundation

/// Times in Alertmanager's JSON: RFC 3339 in UTC with the fraction trimmed as Go prints it.
enum DispatcherTime {
    /// Unix ms now.
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// `2026-11-24T09:30:00.123Z`; Go's zero time for 0.
    static func format(_ ms: Int64) -> String {
        guard ms != 0 else { return "0001-01-01T00:00:00Z" }
        let secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let frac = Int(ms - secs * 1000)
        var days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = Int(secs - days * 86_400)
        // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var s = "\(y)-\(two(Int(m)))-\(two(Int(d)))T\(two(rem / 3600)):\(two(rem / 60 % 60)):\(two(rem % 60))"
        if frac != 0 {
            var f = String(frac)
            f = String(repeating: "0", count: 3 - f.count) + f
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s + "Z"
    }

    /// Parses RFC 3339 (any fraction, `Z` or an offset) to Unix ms.
    static func parse(_ s: String) -> Int64? { APITimeParser.rfc3339(s) }
}
