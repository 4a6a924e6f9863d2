import Foundation
import Hummingbird
import Logging
import TSDB

/// Pushgateway-compatible `PUT/POST/DELETE /metrics/job/<job>{/<label>/<value>}`.
///
/// A push stores its samples at the receive time with the grouping labels (which win over
/// pushed labels of the same name). `PUT` replaces the group: series it pushed before and not
/// now get stale markers; `POST` replaces only the metric names it pushes; `DELETE` marks the
/// whole group stale. As the Pushgateway, pushed samples must not carry timestamps.
enum PushgatewayRoute {
    /// Series last pushed per group (in memory: after a restart the next PUT starts afresh).
    final class Groups: Sendable {
        let table = LockedValue<[Labels: Set<Labels>]>([:])
    }

    static func register(on router: Router<BasicRequestContext>, db: DB, limits: PushLimits, logger: Logger) {
        let groups = Groups()
        for method in [HTTPRequest.Method.put, .post, .delete] {
            router.on("/metrics/job/**", method: method) { req, _ -> Response in
                let grouping: Labels
                do { grouping = try groupingLabels(path: req.uri.path) } catch {
                    return APIResponse.text(.badRequest, "\(error)\n")
                }
                do {
                    return try await handle(req, method: method, grouping: grouping, db: db, groups: groups, limits: limits)
                } catch PushBody.Failure.response(let r) {
                    return r
                }
            }
        }
    }

    struct PathError: Error, CustomStringConvertible {
        let description: String
    }

    /// The grouping labels of a push path: `job` and each `<label>/<value>` pair after it.
    static func groupingLabels(path: String) throws -> Labels {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // "", "metrics", "job", <job>, then pairs.
        guard parts.count >= 4, parts[1] == "metrics", parts[2] == "job" else { throw PathError(description: "expected /metrics/job/<job>") }
        var pairs: [Label] = []
        var i = 2
        while i < parts.count {
            guard i + 1 < parts.count else { throw PathError(description: "label \"\(parts[i])\" has no value in the path") }
            var name = parts[i]
            var value = parts[i + 1].removingPercentEncoding ?? parts[i + 1]
            if name.hasSuffix("@base64") {
                name.removeLast("@base64".count)
                guard let decoded = base64URLDecode(value) else { throw PathError(description: "invalid base64 value for label \"\(name)\"") }
                value = decoded
            }
            guard LabelValidation.isValidLabelName(name), !name.hasPrefix("__") else {
                throw PathError(description: "\"\(name)\" is not a valid grouping label name")
            }
            if name == "job" && value.isEmpty { throw PathError(description: "job name is required") }
            guard !pairs.contains(where: { $0.name == name }) else { throw PathError(description: "duplicate grouping label \"\(name)\"") }
            pairs.append(Label(name: name, value: value))
            i += 2
        }
        return try Labels(validating: pairs)
    }

    static func base64URLDecode(_ s: String) -> String? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        t = t.replacingOccurrences(of: "=", with: "")
        while t.count % 4 != 0 { t += "=" }
        guard let d = Data(base64Encoded: t) else { return nil }
        return String(data: d, encoding: .utf8)
    }

    static func handle(
        _ req: Request, method: HTTPRequest.Method, grouping: Labels, db: DB, groups: Groups, limits: PushLimits
    ) async throws -> Response {
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        var app = db.appender()
        if method == .delete {
            let old = groups.table.withLock { $0.removeValue(forKey: grouping) } ?? []
            for l in old { app.append(l, t: now, v: StaleNaN.value) }
            IngestMetrics.shared.record(try app.commit())
            return Response(status: .accepted)
        }
        let body = try await PushBody.read(req, limit: limits.maxBodyBytes)
        let parsed = try ParsedPush.parse(body, contentType: req.headers[.contentType], extra: grouping.pairs,
                                          maxSeries: limits.maxSeriesPerRequest)
        if let s = parsed.samples.first(where: { $0.t != nil }) {
            return APIResponse.text(.badRequest, "pushed metrics must not have timestamps (series \(s.labels))\n")
        }
        let pushed = Set(parsed.samples.map(\.labels))
        let names = Set(pushed.compactMap { $0.pairs.first { $0.name == "__name__" }?.value })
        let stale: [Labels] = groups.table.withLock { t in
            let old = t[grouping] ?? []
            let gone = old.filter { l in
                !pushed.contains(l) && (method == .put || names.contains(l.pairs.first { $0.name == "__name__" }?.value ?? ""))
            }
            t[grouping] = method == .put ? pushed : old.subtracting(gone).union(pushed)
            return Array(gone)
        }
        for s in parsed.samples { app.append(s.labels, t: now, v: s.v) }
        for l in stale { app.append(l, t: now, v: StaleNaN.value) }
        let report = try app.commit()
        IngestMetrics.shared.record(report)
        if report.rejected > 0 {
            return APIResponse.text(.badRequest, "\(report.rejected) samples rejected (\(report))\n")
        }
        return Response(status: .ok)
    }
}
