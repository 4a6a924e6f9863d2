import Foundation
import RuleEval

/// Times in Alertmanager's JSON: RFC 3339 in UTC with the fraction trimmed as Go prints it.
enum DispatcherTime {
    /// Unix ms now.
    static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// `2026-11-24T09:30:00.123Z` (Go's RFC 3339 with trimmed nanoseconds); Go's zero time for 0.
    static func format(_ ms: Int64) -> String {
        guard ms != 0 else { return "0001-01-01T00:00:00Z" }
        let secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        return TemplateTime(seconds: secs, nanoseconds: (ms - secs * 1000) * 1_000_000).format("2006-01-02T15:04:05.999999999Z07:00")
    }

    /// Parses RFC 3339 (any fraction, `Z` or an offset) to Unix ms.
    static func parse(_ s: String) -> Int64? { APITimeParser.rfc3339(s) }
}
