/// A Go `time.Time`: an instant plus the zone it is shown in.
public struct TemplateTime: Sendable, Equatable {
    /// Seconds since the Unix epoch.
    public var seconds: Int64
    /// Nanoseconds within the second, 0..<1e9.
    public var nanoseconds: Int32
    /// The zone abbreviation Go prints for `MST`, e.g. `UTC`.
    public var zoneName: String
    /// The zone's offset east of UTC in seconds.
    public var zoneOffset: Int

    /// Creates a time; `nanoseconds` is normalised into 0..<1e9.
    public init(seconds: Int64, nanoseconds: Int64 = 0, zoneName: String = "UTC", zoneOffset: Int = 0) {
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        var s = seconds &+ q
        var n = r
        if n < 0 { n += 1_000_000_000; s -= 1 }
        self.seconds = s
        self.nanoseconds = Int32(n)
        self.zoneName = zoneName
        self.zoneOffset = zoneOffset
    }

    /// The same instant in UTC.
    public var utc: TemplateTime {
        TemplateTime(seconds: seconds, nanoseconds: Int64(nanoseconds), zoneName: "UTC", zoneOffset: 0)
    }

    /// Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`.
    public var goString: String { format("2006-01-02 15:04:05.999999999 -0700 MST") }

    /// Go's `Time.Format(layout)` with the reference time `Mon Jan 2 15:04:05 MST 2006`.
    public func format(_ layout: String) -> String { GoTimeLayout.format(self, layout: layout) }

    /// Civil fields in the time's zone.
    var civil: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int, yearDay: Int) {
        let local = seconds &+ Int64(zoneOffset)
        let days = Int(local >= 0 ? local / 86400 : (local &- 86399) / 86400)
        let secOfDay = Int(local - Int64(days) * 86400)
        // Howard Hinnant's days-to-civil: proleptic Gregorian, as Go uses.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        var y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        if m <= 2 { y += 1 }
        let weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let cumulative = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let yday = cumulative[m - 1] + d + (leap && m > 2 ? 1 : 0)
        return (y, m, d, secOfDay / 3600, secOfDay / 60 % 60, secOfDay % 60, weekday, yday)
    }
}
