import Foundation
import TSDB

/// Timestamps and durations in API parameters, read as Prometheus reads them. Results are
/// milliseconds; errors are the message after `invalid parameter "<name>": `.
enum APITimeParser {
    /// Prometheus' "beginning of time" (`MinTime`), the default `start` of series and label calls.
    static let minTime: Int64 = -9_223_309_901_257_974_000
    /// Prometheus' "end of time" (`MaxTime`), the default `end` of series and label calls.
    static let maxTime: Int64 = 9_223_309_901_257_974_999
    // How Go prints MinTime and MaxTime; clients send them back, and years beyond 9999 are not RFC 3339.
    static let minTimeText = "-292273086-05-16T16:47:06Z"
    static let maxTimeText = "292277025-08-18T07:12:54.999999999Z"

    /// Unix seconds (`1700000000`, `1700000000.123`, rounded to the millisecond) or RFC 3339 with
    /// optional fractional seconds and a `Z` or `±hh:mm` offset (truncated to the millisecond).
    static func timestamp(_ s: String) throws(ParseError) -> Int64 {
        if let f = Double(s), f.isFinite {
            // Whole seconds and the rounded milliseconds apart, so large times keep their precision.
            let whole = f.rounded(.towardZero)
            guard whole.magnitude < 9_223_372_036_854 else { throw ParseError("cannot parse \"\(s)\" to a valid timestamp") }
            return Int64(whole) * 1000 + Int64(((f - whole) * 1000).rounded())
        }
        if let ms = rfc3339(s) { return ms }
        if s == minTimeText { return minTime }
        if s == maxTimeText { return maxTime }
        throw ParseError("cannot parse \"\(s)\" to a valid timestamp")
    }

    /// Float seconds (`15`, `0.5`) or a Prometheus duration (`1m30s`, `2h`), in milliseconds
    /// (sub-millisecond parts truncated).
    static func duration(_ s: String) throws(ParseError) -> Int64 {
        if let f = Double(s), f.isFinite {
            let ms = (f * 1000).rounded(.towardZero)
            guard ms.magnitude < 9.2e18 else { throw ParseError("cannot parse \"\(s)\" to a valid duration. It overflows int64") }
            return Int64(ms)
        }
        if let ms = try? DurationParser.milliseconds(s) { return ms }
        throw ParseError("cannot parse \"\(s)\" to a valid duration")
    }

    /// `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)` in milliseconds, nil when it is not that.
    static func rfc3339(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= u.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard u[k] >= 0x30 && u[k] <= 0x39 else { return nil }
                v = v * 10 + Int(u[k] - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8...) -> Bool {
            guard i < u.count, c.contains(u[i]) else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(UInt8(ascii: "-")), let month = digits(2), expect(UInt8(ascii: "-")),
              let day = digits(2), expect(UInt8(ascii: "T"), UInt8(ascii: "t")),
              let hour = digits(2), expect(UInt8(ascii: ":")), let minute = digits(2), expect(UInt8(ascii: ":")),
              let second = digits(2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        var millis = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            var n = 0
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                if n < 3 { millis = millis * 10 + Int(u[i] - 0x30) }
                n += 1
                i += 1
            }
            guard n > 0 else { return nil }
            for _ in n..<max(n, 3) { millis *= 10 }
        }
        var offsetSeconds = 0
        if expect(UInt8(ascii: "Z"), UInt8(ascii: "z")) {
        } else if i < u.count, u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
            let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = digits(2), expect(UInt8(ascii: ":")), let om = digits(2), oh < 24, om < 60 else { return nil }
            offsetSeconds = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == u.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offsetSeconds)
        return seconds * 1000 + Int64(millis)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
