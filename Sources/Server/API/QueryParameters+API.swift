import Foundation
import TSDB

/// The typed parameters the query API shares, each failing with Prometheus' message for it.
extension QueryParameters {
    /// `name` as a timestamp (ms); `default` when absent or empty.
    func time(_ name: String, default value: @autoclosure () -> Int64) throws(APIError) -> Int64 {
        guard let s = nonEmpty(name) else { return value() }
        return try requiredTime(name, s)
    }

    /// `name` as a timestamp (ms); an absent value fails as Prometheus' `start`/`end` of a range query do.
    func requiredTime(_ name: String, _ given: String? = nil) throws(APIError) -> Int64 {
        let s = given ?? first(name) ?? ""
        do { return try APITimeParser.timestamp(s) } catch { throw .invalidParameter(name, error.description) }
    }

    /// `name` as a duration (ms), nil when absent or empty.
    func duration(_ name: String) throws(APIError) -> Int64? {
        guard let s = nonEmpty(name) else { return nil }
        do { return try APITimeParser.duration(s) } catch { throw .invalidParameter(name, error.description) }
    }

    /// `limit` (0 = none when absent); negative or non-numeric fails.
    func limit() throws(APIError) -> Int {
        guard let s = nonEmpty("limit") else { return 0 }
        guard let n = Int(s) else { throw .invalidParameter("limit", "cannot parse \"\(s)\" as an integer") }
        guard n >= 0 else { throw .invalidParameter("limit", "limit must be non-negative") }
        return n
    }

    /// The `match[]` selectors as matcher sets; each set must have a matcher that does not match
    /// the empty string (`{job=~".*"}` alone would select every series).
    func matcherSets() throws(APIError) -> [[Matcher]] {
        var sets: [[Matcher]] = []
        for s in all("match[]") {
            let m: [Matcher]
            do { m = try SeriesSelector.parse(s) } catch { throw .badData(error.description) }
            guard m.contains(where: { !$0.matchesEmpty }) else {
                throw .badData("match[] must contain at least one non-empty matcher")
            }
            sets.append(m)
        }
        return sets
    }

    /// Now, in milliseconds.
    static var nowMs: Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
