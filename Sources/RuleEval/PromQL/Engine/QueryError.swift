/// Why a query failed, with the Prometheus API error type it maps to.
public enum QueryError: Error, Sendable, CustomStringConvertible {
    /// The query does not parse or type-check (`bad_data`, HTTP 400).
    case parse(PromQLParseError)
    /// Invalid query parameters or arguments (`bad_data`, HTTP 400).
    case badData(String)
    /// Evaluation failed (`execution`, HTTP 422), e.g. duplicate label sets or many-to-many matching.
    case execution(String)
    /// The query loaded more samples than `--query.max-samples` allows (`execution`, HTTP 422).
    case tooManySamples(limit: Int)
    /// The query ran longer than `--query.timeout` (`timeout`, HTTP 503).
    case timeout(Duration)
    /// The query was cancelled by its caller (`canceled`, HTTP 499 in Prometheus, 503 here).
    case canceled

    /// The Prometheus API `errorType`.
    public var errorType: String {
        switch self {
        case .parse, .badData: return "bad_data"
        case .execution, .tooManySamples: return "execution"
        case .timeout: return "timeout"
        case .canceled: return "canceled"
        }
    }

    public var description: String {
        switch self {
        case .parse(let e): return e.description
        case .badData(let m), .execution(let m): return m
        case .tooManySamples(let limit):
            return "query processing would load too many samples into memory in query execution (over --query.max-samples=\(limit)): narrow the selector or the time range, or raise the flag"
        case .timeout(let d):
            let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
            return "query timed out in query execution (after \(ms) ms: narrow the query, or raise the timeout parameter or --query.timeout)"
        case .canceled: return "query was canceled in query execution"
        }
    }
}
