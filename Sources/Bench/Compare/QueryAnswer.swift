import Foundation
import TSDB

/// A query's answer in comparable form: series keyed by their sorted label set, each a list of
/// (timestamp ms, value); a scalar is one series with no labels.
struct QueryAnswer: Sendable {
    var series: [String: [(t: Int64, v: Double)]]
    /// Value texts that Tidemark would write differently for the same double (the first few): in
    /// a reference system's answer, a formatting difference of Tidemark's API.
    var otherlyFormatted: [String] = []

    /// Parses a Prometheus HTTP API response body (`vector`, `matrix` or `scalar`).
    init(json body: [UInt8]) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            throw BenchError("response is not a JSON object")
        }
        guard root["status"] as? String == "success", let data = root["data"] as? [String: Any] else {
            throw BenchError("query failed: \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        series = [:]
        let type = data["resultType"] as? String
        if type == "scalar" {
            series[""] = [try point(data["result"])]
            return
        }
        if type == "string" {
            // A string is one "series" keyed by its text, with its timestamp.
            guard let pair = data["result"] as? [Any], pair.count == 2, let ts = (pair[0] as? NSNumber)?.doubleValue,
                  let text = pair[1] as? String else { throw BenchError("malformed string result") }
            series["string=" + text] = [(Int64((ts * 1000).rounded()), 0)]
            return
        }
        guard let result = data["result"] as? [[String: Any]] else { throw BenchError("no result array") }
        for item in result {
            let metric = (item["metric"] as? [String: String]) ?? [:]
            let key = metric.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")
            var points: [(Int64, Double)] = []
            if let values = item["values"] as? [Any] {
                points = try values.map { try point($0) }
            } else if let value = item["value"] {
                points = [try point(value)]
            }
            guard series[key] == nil else { throw BenchError("duplicate series {\(key)} in one answer") }
            series[key] = points
        }
    }

    /// Parses a metadata API response (`/api/v1/labels`, `/label/<name>/values`, `/series`): each
    /// string or label set becomes one series without points, so answers compare as sets.
    init(metadataJSON body: [UInt8]) throws {
        guard let root = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any],
              root["status"] as? String == "success", let data = root["data"] as? [Any] else {
            throw BenchError("metadata request failed: \(String(decoding: body.prefix(300), as: UTF8.self))")
        }
        series = [:]
        for item in data {
            if let name = item as? String {
                series[name] = []
            } else if let set = item as? [String: String] {
                series[set.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",")] = []
            } else {
                throw BenchError("unexpected metadata item \(item)")
            }
        }
    }

    private mutating func point(_ any: Any?) throws -> (Int64, Double) {
        let p = try Self.point(any)
        if otherlyFormatted.count < 3, let pair = any as? [Any], let text = pair.last as? String {
            var mine: [UInt8] = []
            ExpositionFloatFormatter.appendAPIValue(p.1, to: &mine)
            if String(decoding: mine, as: UTF8.self) != text && !(p.1.isNaN && text == "NaN") { otherlyFormatted.append(text) }
        }
        return p
    }

    private static func point(_ any: Any?) throws -> (Int64, Double) {
        guard let pair = any as? [Any], pair.count == 2, let ts = (pair[0] as? NSNumber)?.doubleValue,
              let text = pair[1] as? String else { throw BenchError("malformed sample \(String(describing: any))") }
        let v: Double
        switch text {
        case "+Inf", "Inf": v = .infinity
        case "-Inf": v = -.infinity
        case "NaN": v = .nan
        default:
            guard let d = Double(text) else { throw BenchError("malformed value \(text)") }
            v = d
        }
        return (Int64((ts * 1000).rounded()), v)
    }

    /// Differences from `other` beyond `relativeTolerance`, described (at most `limit` of them).
    /// Values within `absoluteTolerance` also agree (sums taken in another order can leave 1e-16
    /// where the other has 0).
    func differences(from other: QueryAnswer, relativeTolerance: Double = 1e-9, absoluteTolerance: Double = 0,
                     limit: Int = 3) -> [String] {
        var out: [String] = []
        let missing = Set(series.keys).subtracting(other.series.keys), extra = Set(other.series.keys).subtracting(series.keys)
        if !missing.isEmpty || !extra.isEmpty {
            out.append("series differ: \(missing.count) only in the first answer (e.g. {\(missing.sorted().first ?? "")}), \(extra.count) only in the second (e.g. {\(extra.sorted().first ?? "")})")
        }
        for (key, points) in series.sorted(by: { $0.key < $1.key }) where out.count < limit {
            guard let theirs = other.series[key] else { continue }
            if points.count != theirs.count {
                out.append("{\(key)}: \(points.count) points vs \(theirs.count)")
                continue
            }
            for (a, b) in zip(points, theirs) {
                if a.t != b.t { out.append("{\(key)}: timestamp \(a.t) vs \(b.t)"); break }
                if !Self.close(a.v, b.v, relativeTolerance) && !(abs(a.v - b.v) <= absoluteTolerance) { out.append("{\(key)} at \(a.t): \(a.v) vs \(b.v)"); break }
            }
        }
        return out
    }

    static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        return abs(a - b) <= tolerance * max(abs(a), abs(b))
    }

    /// The answer with `__name__` removed from every series.
    func droppingMetricNames() -> QueryAnswer {
        var copy = self
        copy.series = [:]
        for (key, points) in series {
            let kept = key.split(separator: ",").filter { !$0.hasPrefix("__name__=") }.joined(separator: ",")
            copy.series[kept] = points
        }
        return copy
    }

    /// Number of series.
    var count: Int { series.count }
}
