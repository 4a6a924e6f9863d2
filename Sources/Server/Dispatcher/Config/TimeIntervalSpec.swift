import Foundation
import RuleEval

/// One entry of Alertmanager's `time_intervals`: times of day, weekdays, days of month, months and
/// years (each a list of ranges; an empty list accepts everything), in `location`'s time zone.
struct TimeIntervalSpec: Sendable {
    /// Minutes of the day, `[start, end)`.
    var times: [Range<Int>] = []
    /// 0 = Sunday … 6 = Saturday.
    var weekdays: [ClosedRange<Int>] = []
    /// Day ranges as written: 1…31, or negative counting from the month's end (-1 = last day);
    /// `1:-1` is the whole month. Resolved against each month's length when checked.
    var daysOfMonth: [(begin: Int, end: Int)] = []
    var months: [ClosedRange<Int>] = []
    var years: [ClosedRange<Int>] = []
    var location = "UTC"

    func contains(_ ms: Int64) -> Bool {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: location) ?? TimeZone(identifier: "UTC") ?? cal.timeZone
        let date = Date(timeIntervalSince1970: Double(ms) / 1000)
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: date)
        let year = c.year ?? 0, month = c.month ?? 0, day = c.day ?? 0
        if !times.isEmpty {
            let minute = (c.hour ?? 0) * 60 + (c.minute ?? 0)
            guard times.contains(where: { $0.contains(minute) }) else { return false }
        }
        if !weekdays.isEmpty, !weekdays.contains(where: { $0.contains((c.weekday ?? 1) - 1) }) { return false }
        if !daysOfMonth.isEmpty {
            let monthLength = cal.range(of: .day, in: .month, for: date)?.count ?? 31
            func absolute(_ d: Int) -> Int { d < 0 ? monthLength + 1 + d : d }
            guard daysOfMonth.contains(where: { absolute($0.begin) <= day && day <= absolute($0.end) }) else { return false }
        }
        if !months.isEmpty, !months.contains(where: { $0.contains(month) }) { return false }
        if !years.isEmpty, !years.contains(where: { $0.contains(year) }) { return false }
        return true
    }

    static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]
    static let monthNames = ["january", "february", "march", "april", "may", "june", "july", "august",
                             "september", "october", "november", "december"]

    /// Parses one `time_intervals[].time_intervals[]` mapping.
    static func parse(_ m: YAMLMapReader) throws(ConfigError) -> TimeIntervalSpec {
        try DispatcherConfigLoader.rejectUnknown(m, known: ["times", "weekdays", "days_of_month", "months", "years", "location"])
        var spec = TimeIntervalSpec()
        for t in try m.mapList("times") {
            try DispatcherConfigLoader.rejectUnknown(t, known: ["start_time", "end_time"])
            guard let s = try t.string("start_time"), let e = try t.string("end_time") else {
                throw ConfigError(path: t.path, line: nil, message: "both start_time and end_time must be provided")
            }
            guard let a = minutes(s) else { throw t.error("start_time", "invalid time \"\(s)\": expected HH:MM") }
            guard let b = minutes(e) else { throw t.error("end_time", "invalid time \"\(e)\": expected HH:MM") }
            guard a < b else { throw t.error("end_time", "start_time cannot be equal or greater than end_time") }
            spec.times.append(a..<b)
        }
        spec.weekdays = try ranges(m, "weekdays") { weekdayNames.firstIndex(of: $0.lowercased()) }
        for item in try m.stringList("days_of_month") ?? [] {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(parts.count), let b = parts[0], let e = parts.count == 2 ? parts[1] : parts[0],
                  b != 0, e != 0, (-31...31).contains(b), (-31...31).contains(e) else {
                throw m.error("days_of_month", "invalid range \"\(item)\": days are 1 to 31, or -1 to -31 from the month's end")
            }
            // As Alertmanager: a negative start needs a negative end; same signs must be in order.
            guard !(b < 0 && e > 0), (b < 0) != (e < 0) || b <= e else {
                throw m.error("days_of_month", "invalid range \"\(item)\": start after end")
            }
            spec.daysOfMonth.append((b, e))
        }
        spec.months = try ranges(m, "months") { s in
            if let i = monthNames.firstIndex(of: s.lowercased()) { return i + 1 }
            if let d = Int(s), (1...12).contains(d) { return d }
            return nil
        }
        spec.years = try ranges(m, "years") { Int($0) }
        if let loc = try m.string("location") {
            let name = loc == "Local" ? TimeZone.current.identifier : loc
            guard TimeZone(identifier: name) != nil else { throw m.error("location", "unknown time zone \"\(loc)\"") }
            spec.location = name
        }
        return spec
    }

    private static func minutes(_ s: String) -> Int? {
        let p = s.split(separator: ":")
        guard p.count == 2, let h = Int(p[0]), let m = Int(p[1]), (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440 else { return nil }
        return h * 60 + m
    }

    private static func ranges(_ m: YAMLMapReader, _ key: String, _ value: (String) -> Int?) throws(ConfigError) -> [ClosedRange<Int>] {
        var out: [ClosedRange<Int>] = []
        for item in try m.stringList(key) ?? [] {
            // A leading minus is a negative day, not a range separator.
            let parts = item.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count <= 2, let a = value(parts[0]), let b = parts.count == 2 ? value(parts[1]) : a else {
                throw m.error(key, "invalid range \"\(item)\"")
            }
            guard a <= b || (a < 0) != (b < 0) else { throw m.error(key, "start of range \"\(item)\" is after its end") }
            out.append(a < 0 && b > 0 ? a...a : min(a, b)...max(a, b))
        }
        return out
    }
}
