import Hummingbird
import RuleEval
import TSDB

/// The Prometheus HTTP query API (`/api/v1/query`, `query_range`, `series`, `labels`, label
/// values, `metadata`, `targets`, `format_query`, `parse_query` and `status/*`) over one engine and database.
struct QueryAPI: Sendable {
    let engine: PromQLEngine
    let db: DB
    /// `--query.timeout`: the longest a query may run; a request's `timeout` can only shorten it.
    let maxTimeout: Duration
    /// What `/api/v1/status/*` reports beyond the database.
    let status: ServerStatus

    /// Registers every endpoint on `router`.
    func register(on router: Router<BasicRequestContext>) {
        QueryRoutes.register(self, on: router)
        SeriesRoutes.register(self, on: router)
        LabelRoutes.register(self, on: router)
        MetadataRoute.register(self, on: router)
        TargetsRoute.register(self, on: router)
        StatusRoutes.register(self, on: router)
    }

    /// Adds `handler` for `path` and `methods`, with its parameters read (form body merged) and an
    /// `APIError` answered as Prometheus' error envelope.
    func route(_ path: RouterPath, _ methods: [HTTPRequest.Method], on router: Router<BasicRequestContext>,
               _ handler: @escaping @Sendable (QueryParameters, BasicRequestContext) async throws(APIError) -> Response) {
        for method in methods {
            router.on(path, method: method) { req, context -> Response in
                do throws(APIError) {
                    let params = try await QueryParameters.read(req)
                    return try await handler(params, context)
                } catch {
                    return error.response
                }
            }
        }
    }

    /// The deadline of one query: the request's `timeout` when shorter than `--query.timeout`.
    func timeout(_ params: QueryParameters) throws(APIError) -> Duration {
        guard let ms = try params.duration("timeout") else { return maxTimeout }
        return min(.milliseconds(ms), maxTimeout)
    }

    /// Evaluates under the deadline, failures as API errors.
    func evaluate(timeout: Duration,
                  _ body: @escaping @Sendable () async throws(QueryError) -> QueryResult) async throws(APIError) -> QueryResult {
        do { return try await QueryDeadline.run(timeout: timeout, body) } catch { throw APIError(error) }
    }
}
