import Foundation
import Hummingbird
import TSDB

/// `GET /federate?match[]=…`: the newest sample (within 5 minutes) of every matching series, in
/// the text format, with timestamps and external labels, so a Prometheus can scrape it.
enum FederateRoute {
    static let lookbackMs: Int64 = 5 * 60_000

    static func register(on router: Router<BasicRequestContext>, db: DB, externalLabels: @escaping @Sendable () async -> [Label]) {
        router.get("/federate") { req, _ -> Response in
            let selectors = QueryParameters(req).all("match[]")
            var sets: [[Matcher]] = []
            for s in selectors {
                do { sets.append(try SeriesSelector.parse(String(s))) } catch {
                    return APIResponse.text(.badRequest, "\(error)\n")
                }
            }
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
            let body = render(db: db, selectors: sets, at: now, external: await externalLabels())
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: body)))
        }
    }

    static func render(db: DB, selectors: [[Matcher]], at now: Int64, external: [Label]) -> String {
        let q = db.querier(mint: now - lookbackMs, maxt: now)
        var seen = Set<Labels>()
        var rows: [(name: String, labels: Labels, t: Int64, v: Double)] = []
        for m in selectors {
            for s in q.select(m) where seen.insert(s.labels).inserted {
                var it = s.makeIterator()
                var last: (Int64, Double)?
                while it.next() {
                    if it.timestamp > now { break }
                    last = (it.timestamp, it.value)
                }
                guard let (t, v) = last, !StaleNaN.isStale(v) else { continue }
                var pairs = s.labels.pairs
                for e in external where !pairs.contains(where: { $0.name == e.name }) { pairs.append(e) }
                pairs.sort()
                let name = pairs.first { $0.name == "__name__" }?.value ?? ""
                rows.append((name, Labels(sortedUnchecked: pairs), t, v))
            }
        }
        rows.sort { $0.name != $1.name ? $0.name < $1.name : $0.labels < $1.labels }
        var w = ExpositionWriter(reservingCapacity: rows.count * 96)
        var lastName: String?
        for r in rows {
            if r.name != lastName { w.writeType(r.name, .untyped); lastName = r.name }
            w.writeSample(r.labels, value: r.v, timestamp: r.t)
        }
        return w.text
    }
}
