import Foundation
import Hummingbird
import Logging
import TSDB

/// `POST /api/v1/import/prometheus`: a text exposition body (as VictoriaMetrics' endpoint of
/// that name). Samples without a timestamp get the receive time; `extra_label=name=value`
/// query parameters are added to every series (replacing a parsed label of that name).
/// Answers 204 once everything is in the WAL; 400 for a body that does not parse (nothing stored).
enum ImportRoute {
    static func register(on router: Router<BasicRequestContext>, db: DB, limits: PushLimits, logger: Logger) {
        router.post("/api/v1/import/prometheus") { req, _ -> Response in
            var extra: [Label] = []
            for p in QueryParameters(req).all("extra_label") {
                let parts = p.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, LabelValidation.isValidLabelName(String(parts[0])) else {
                    return APIResponse.text(.badRequest, "extra_label must be name=value with a valid label name, got \"\(p)\"\n")
                }
                extra.append(Label(name: String(parts[0]), value: String(parts[1])))
            }
            do {
                let body = try await PushBody.read(req, limit: limits.maxBodyBytes)
                let parsed = try ParsedPush.parse(body, contentType: req.headers[.contentType], extra: extra,
                                                  maxSeries: limits.maxSeriesPerRequest)
                let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
                var app = db.appender()
                for s in parsed.samples { app.append(s.labels, t: s.t ?? now, v: s.v) }
                let report = try app.commit()
                IngestMetrics.shared.record(report)
                if report.rejected > 0 {
                    return APIResponse.text(.badRequest, "\(report.rejected) of \(parsed.samples.count) samples rejected (\(report))\n")
                }
                return Response(status: .noContent)
            } catch PushBody.Failure.response(let r) {
                return r
            }
        }
    }
}
