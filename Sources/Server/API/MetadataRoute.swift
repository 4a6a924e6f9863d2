import Hummingbird

/// `/api/v1/metadata`: metric type, help and unit per metric name. Tidemark keeps no metadata
/// (neither the scrape loop nor the TSDB stores `# HELP`/`# TYPE`), so the map is always empty;
/// the parameters are still checked so clients see the same errors as with Prometheus.
enum MetadataRoute {
    static func register(_ api: QueryAPI, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/metadata", [.get], on: router) { p, _ throws(APIError) in
            for name in ["limit", "limit_per_metric"] {
                if let s = p.nonEmpty(name), Int(s) == nil { throw .badData("\(name) must be a number") }
            }
            return APIResponse.success { $0.raw("{}") }
        }
    }
}
