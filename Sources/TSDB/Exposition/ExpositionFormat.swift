/// The text formats a scrape body can be in.
public enum ExpositionFormat: Sendable, Hashable {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`): lenient, integer-millisecond timestamps.
    case prometheusText
    /// OpenMetrics 1.0 text (`application/openmetrics-text`): strict, float-second timestamps, `# EOF` required.
    case openMetrics

    /// The format named by an HTTP `Content-Type` header; anything that is not OpenMetrics is read as Prometheus text,
    /// as Prometheus does.
    public init(contentType: String) {
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingASCIISpaces() } ?? ""
        self = mediaType.lowercased() == "application/openmetrics-text" ? .openMetrics : .prometheusText
    }

    /// The `Content-Type` a server sends for a body in this format.
    public var contentType: String {
        switch self {
        case .prometheusText: return "text/plain; version=0.0.4; charset=utf-8"
        case .openMetrics: return "application/openmetrics-text; version=1.0.0; charset=utf-8"
        }
    }
}

extension Substring {
    /// The substring without leading and trailing ASCII spaces and tabs (Foundation-free).
    fileprivate func trimmingASCIISpaces() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}

/// How strictly OpenMetrics bodies are checked beyond their syntax.
public enum OpenMetricsValidation: Sendable, Hashable {
    /// Every OpenMetrics 1.0 rule, as the OpenMetrics conformance suite demands.
    case strict
    /// As `strict`, except that observations may be negative: summary quantile values and the `_sum` of
    /// histograms and summaries (also next to negative buckets). client_golang writes such bodies and
    /// Prometheus ingests them, so a scraper wants this.
    case compatible
}
