import Foundation
import Hummingbird
import TSDB

/// `/api/v1/labels` (GET or form POST) and `/api/v1/label/<name>/values` (GET): label names and
/// one label's values, sorted, over series matching any `match[]` (all series without one).
enum LabelRoutes {
    static func register(_ api: QueryAPI, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/labels", [.get, .post], on: router) { p, _ throws(APIError) in
            let limit = try p.limit()
            let start = try p.time("start", default: APITimeParser.minTime)
            let end = try p.time("end", default: APITimeParser.maxTime)
            let sets = try p.matcherSets()
            let q = api.db.querier(mint: start, maxt: end)
            let names = union(sets) { q.labelNames($0) }
            return list(names, limit: limit)
        }

        api.route("/api/v1/label/:name/values", [.get], on: router) { p, context throws(APIError) in
            let raw = context.parameters.get("name") ?? ""
            let name = unescapeName(raw.removingPercentEncoding ?? raw)
            guard LabelValidation.isValidLabelName(name) else { throw .badData("invalid label name: \"\(name)\"") }
            let limit = try p.limit()
            let start = try p.time("start", default: APITimeParser.minTime)
            let end = try p.time("end", default: APITimeParser.maxTime)
            let sets = try p.matcherSets()
            let q = api.db.querier(mint: start, maxt: end)
            let values = union(sets) { q.labelValues(name, $0) }
            return list(values, limit: limit)
        }
    }

    /// `lookup` over no matchers when `sets` is empty, else the sorted union over the sets.
    static func union(_ sets: [[Matcher]], _ lookup: ([Matcher]) -> [String]) -> [String] {
        if sets.isEmpty { return lookup([]) }
        if sets.count == 1 { return lookup(sets[0]) }
        var all = Set<String>()
        for m in sets { all.formUnion(lookup(m)) }
        return all.sorted()
    }

    /// A string array envelope, cut to `limit` (0 = all) with Prometheus' warning.
    static func list(_ items: [String], limit: Int) -> Response {
        let cut = limit > 0 && items.count > limit
        let shown = cut ? Array(items.prefix(limit)) : items
        return APIResponse.success(warnings: cut ? ["results truncated due to limit"] : [],
                                   reservingCapacity: 64 + shown.count * 32) { $0.stringArray(shown) }
    }

    /// A `U__`-escaped label name (Prometheus 3's way of putting any name in a URL path:
    /// `__` is `_`, `_<hex>_` is that code point) decoded; other names as given.
    static func unescapeName(_ s: String) -> String {
        guard s.hasPrefix("U__") else { return s }
        var out = ""
        var rest = Substring(s.dropFirst(3))
        while let c = rest.first {
            rest = rest.dropFirst()
            guard c == "_" else { out.append(c); continue }
            if rest.first == "_" { out.append("_"); rest = rest.dropFirst(); continue }
            guard let close = rest.firstIndex(of: "_"), let code = UInt32(rest[..<close], radix: 16),
                  let scalar = Unicode.Scalar(code)
            else { return s }
            out.unicodeScalars.append(scalar)
            rest = rest[rest.index(after: close)...]
        }
        return out
    }
}
