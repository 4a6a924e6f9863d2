import Hummingbird
import TSDB

/// `/api/v1/series` (GET or form POST): the label sets of series matching any `match[]` selector
/// with samples in `[start, end]` (default: all time), sorted, at most `limit`.
enum SeriesRoutes {
    static func register(_ api: QueryAPI, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/series", [.get, .post], on: router) { p, _ throws(APIError) in
            guard !p.all("match[]").isEmpty else { throw .badData("no match[] parameter provided") }
            let limit = try p.limit()
            let start = try p.time("start", default: APITimeParser.minTime)
            let end = try p.time("end", default: APITimeParser.maxTime)
            let sets = try p.matcherSets()
            let series = select(api.db, sets, mint: start, maxt: end)
            let cut = limit > 0 && series.count > limit
            let shown = cut ? Array(series.prefix(limit)) : series
            return APIResponse.success(warnings: cut ? ["results truncated due to limit"] : [],
                                       reservingCapacity: 64 + shown.count * 128) { b in
                b.array(shown) { $0.labels($1) }
            }
        }
    }

    /// Label sets of the series matching any of `sets` in `[mint, maxt]`, sorted, each once.
    static func select(_ db: DB, _ sets: [[Matcher]], mint: Int64, maxt: Int64) -> [Labels] {
        let q = db.querier(mint: mint, maxt: maxt)
        if sets.count == 1 { return q.select(sets[0]).map(\.labels) }
        var seen = Set<Labels>()
        var out: [Labels] = []
        for m in sets {
            for s in q.select(m) where seen.insert(s.labels).inserted { out.append(s.labels) }
        }
        return out.sorted()
    }
}
