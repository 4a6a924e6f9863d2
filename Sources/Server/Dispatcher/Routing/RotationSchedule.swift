import Foundation

/// Counts the shifts of an on-call rotation that have started by a given time.
enum RotationSchedule {
    static let dayMs: Int64 = 86_400_000

    /// The index of the shift running at `now` (negative before the start).
    static func shiftIndex(startMs: Int64, everyMs: Int64, timeZone: String, at now: Int64) -> Int64 {
        guard everyMs > 0 else { return 0 }
        if everyMs % dayMs == 0 {
            // Whole days: count calendar days, so 09:00 stays 09:00 when the clocks change.
            var cal = Calendar(identifier: .gregorian)
            if let tz = TimeZone(identifier: timeZone) { cal.timeZone = tz }
            let start = Date(timeIntervalSince1970: Double(startMs) / 1000)
            let date = Date(timeIntervalSince1970: Double(now) / 1000)
            let days = Int64(cal.dateComponents([.day], from: start, to: date).day ?? 0)
            // dateComponents truncates toward zero; before the start, round down instead.
            let adjusted = (now < startMs && (cal.date(byAdding: .day, value: Int(days), to: start).map { $0 > date } ?? false)) ? days - 1 : days
            return floorDiv(adjusted, everyMs / dayMs)
        }
        return floorDiv(now - startMs, everyMs)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
