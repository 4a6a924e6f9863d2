import Hummingbird
import Logging
import NIOCore
import TSDB

/// `POST /api/v1/write`: the Prometheus remote-write 1.0 receiver.
///
/// The body (snappy block, protobuf `WriteRequest`) is validated whole before anything is
/// stored, so a malformed request stores nothing (400). Valid samples are stored even when
/// others are rejected (out of order, duplicate, too old): then the answer is 400 saying how
/// many and why, as Prometheus does; otherwise 204, sent only after the samples are in the WAL.
enum RemoteWriteRoute {
    static func register(on router: Router<BasicRequestContext>, db: DB, limits: PushLimits, logger: Logger) {
        let cache = RemoteWriteSeriesCache(head: db.head)
        router.post("/api/v1/write") { req, _ -> Response in
            if let enc = req.headers[.contentEncoding], enc.lowercased() != "snappy" {
                return APIResponse.text(.unsupportedMediaType, "unsupported Content-Encoding \"\(enc)\": remote-write bodies are snappy-compressed\n")
            }
            let body = try await req.body.collect(upTo: limits.maxBodyBytes)
            return handle(body: body, db: db, cache: cache, limits: limits)
        }
    }

    static func handle(body: ByteBuffer, db: DB, cache: RemoteWriteSeriesCache, limits: PushLimits) -> Response {
        var rwLimits = RemoteWriteLimits.default
        rwLimits.maxSeriesPerRequest = limits.maxSeriesPerRequest
        var visitor = RemoteWriteAppender(cache: cache, app: db.appender())
        let decoded: Result<RemoteWriteSummary, RemoteWriteDecodeError> = body.withUnsafeReadableBytes { raw in
            do throws(RemoteWriteDecodeError) {
                return .success(try RemoteWriteDecoder.decode(
                    snappyCompressed: raw, maxDecompressedBytes: limits.maxBodyBytes, limits: rwLimits,
                    into: &visitor))
            } catch {
                return .failure(error)
            }
        }
        let summary: RemoteWriteSummary
        switch decoded {
        case .success(let s): summary = s
        case .failure(let e):
            visitor.app.rollback()
            if case .snappy(let s) = e { return APIResponse.text(PushBody.status(for: s), "\(e)\n") }
            return APIResponse.text(.badRequest, "\(e)\n")
        }
        let report: AppendReport
        do { report = try visitor.app.commit() } catch {
            return APIResponse.text(.internalServerError, "storing samples: \(error)\n")
        }
        IngestMetrics.shared.record(report)
        IngestMetrics.shared.recordDroppedHistograms(summary.histogramCount)
        var problems: [String] = []
        if report.rejected > 0 { problems.append("\(report.rejected) of \(summary.sampleCount) samples rejected (\(report))") }
        if visitor.invalidSeries > 0 {
            problems.append("\(visitor.invalidSeries) series with invalid labels skipped, first: \(visitor.firstInvalid ?? "")")
        }
        if summary.histogramCount > 0 {
            problems.append("\(summary.histogramCount) native histogram samples dropped: native histograms are not supported")
        }
        if problems.isEmpty { return Response(status: .noContent) }
        return APIResponse.text(.badRequest, problems.joined(separator: "; ") + "\n")
    }
}
