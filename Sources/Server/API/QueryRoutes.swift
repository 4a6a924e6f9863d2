import Hummingbird
import RuleEval
import TSDB

/// `/api/v1/query`, `/api/v1/query_range`, `/api/v1/query_exemplars`, `/api/v1/format_query` and `/api/v1/parse_query`
/// (GET or form POST), checking parameters in Prometheus' order with its messages.
enum QueryRoutes {
    /// Most points one series of a range query may have (Prometheus' fixed limit).
    static let maxPointsPerSeries: Int64 = 11_000

    static func register(_ api: QueryAPI, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/query", [.get, .post], on: router) { p, _ throws(APIError) in
            let limit = try p.limit()
            let time = try p.time("time", default: QueryParameters.nowMs)
            let timeout = try api.timeout(p)
            let expr = try parse(api, p)
            let engine = api.engine
            let result = try await api.evaluate(timeout: timeout) { () throws(QueryError) in
                try await engine.instant(expr, at: time)
            }
            return respond(result, limit: limit)
        }

        api.route("/api/v1/query_range", [.get, .post], on: router) { p, _ throws(APIError) in
            let limit = try p.limit()
            let start = try p.requiredTime("start")
            let end = try p.requiredTime("end")
            guard end >= start else { throw .invalidParameter("end", "end timestamp must not be before start time") }
            let step: Int64
            do throws(ParseError) { step = try APITimeParser.duration(p.first("step") ?? "") } catch {
                throw .invalidParameter("step", error.description)
            }
            guard step > 0 else {
                throw .invalidParameter("step", "zero or negative query resolution step widths are not accepted. Try a positive integer")
            }
            // For safety, as Prometheus: 60 s resolution covers a week, 1 h a year.
            guard (end - start) / step <= maxPointsPerSeries else {
                throw .badData("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)")
            }
            let timeout = try api.timeout(p)
            let expr = try parse(api, p)
            switch expr.type {
            case .scalar, .instantVector: break
            default:
                throw .invalidParameter("query", "invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
            }
            let engine = api.engine
            let result = try await api.evaluate(timeout: timeout) { () throws(QueryError) in
                try await engine.range(expr, start: start, end: end, step: step)
            }
            return respond(result, limit: limit)
        }

        // Tidemark stores no exemplars: the request is checked as Prometheus checks it and the
        // answer is an empty list, so clients that ask (Grafana's exemplar toggle) get no error.
        api.route("/api/v1/query_exemplars", [.get, .post], on: router) { p, _ throws(APIError) in
            let start = try p.time("start", default: APITimeParser.minTime)
            let end = try p.time("end", default: APITimeParser.maxTime)
            guard end >= start else { throw .invalidParameter("end", "end timestamp must not be before start timestamp") }
            _ = try parse(api, p)
            return APIResponse.success("[]")
        }

        api.route("/api/v1/format_query", [.get, .post], on: router) { p, _ throws(APIError) in
            let expr = try parse(api, p)
            return APIResponse.success { $0.string(expr.description) }
        }

        api.route("/api/v1/parse_query", [.get, .post], on: router) { p, _ throws(APIError) in
            let expr = try parse(api, p)
            return APIResponse.success(reservingCapacity: 1024) { ParseQueryJSON.write(expr, into: &$0) }
        }
    }

    /// The `query` parameter parsed (an absent one is an empty query, which does not parse).
    static func parse(_ api: QueryAPI, _ p: QueryParameters) throws(APIError) -> Expr {
        do { return try api.engine.parse(p.first("query") ?? "") } catch { throw .invalidParameter("query", error.description) }
    }

    /// The success envelope of a query result, cut to `limit` series with a warning saying so.
    static func respond(_ result: QueryResult, limit: Int) -> Response {
        let (value, cut) = QueryResultJSON.truncated(result.value, limit: limit)
        let warnings = cut ? result.warnings + ["results truncated due to limit"] : result.warnings
        return APIResponse.success(warnings: warnings, infos: result.infos,
                                   reservingCapacity: QueryResultJSON.estimatedBytes(value)) {
            QueryResultJSON.write(value, into: &$0)
        }
    }
}
