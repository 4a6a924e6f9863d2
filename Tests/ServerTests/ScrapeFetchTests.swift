import AsyncHTTPClient
import CZlib
import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing
import TSDB
@testable import Server

/// A scrape loop against a real HTTP server on loopback: what each kind of response leaves in
/// the target's health and in the database.
@Suite(.serialized) struct ScrapeFetchTests {
    /// A database in a temporary directory and an HTTP client (shut down by the test).
    final class Fixture {
        let dir = NSTemporaryDirectory() + "tm-fetch-\(UUID().uuidString)"
        let db: DB
        let client = ScrapeManager.makeHTTPClient()
        init() throws { db = try DB.open(directory: dir) }
        deinit { try? db.close(); try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Serves `/ok`, `/big` (64 KiB), `/fail` (HTTP 503) and `/slow` (answers after 30 s, calling
    /// `onSlow` when a request arrives) until the returned task is cancelled.
    static func startTarget(onSlow: @escaping @Sendable () -> Void = {}, seen: RequestLog = RequestLog()) async throws -> (port: Int, task: Task<Void, Error>) {
        let router = Router()
        // Answers in the format and encoding the request asks for, as client libraries do, and
        // only to the right bearer token.
        router.get("negotiate") { req, _ in
            let accept = req.headers[.accept] ?? "", encoding = req.headers[.acceptEncoding] ?? ""
            seen.record(authorization: req.headers[.authorization] ?? "", accept: accept, acceptEncoding: encoding)
            guard req.headers[.authorization] == "Bearer \(seen.token)" else { return Response(status: .unauthorized) }
            let om = accept.hasPrefix("application/openmetrics-text")
            let text = om ? "# TYPE neg counter\nneg_total{f=\"om\"} 3\n# EOF\n" : "neg_total{f=\"text\"} 3\n"
            var headers: HTTPFields = [.contentType: om ? "application/openmetrics-text; version=1.0.0; charset=utf-8" : "text/plain; version=0.0.4"]
            var body = Array(text.utf8)
            if encoding.contains("gzip") {
                body = Self.gzip(body)
                headers[.contentEncoding] = "gzip"
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        router.get("slow") { _, _ in
            onSlow()
            try await Task.sleep(for: .seconds(30))
            return Response(status: .ok)
        }
        router.get("ok") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: "m{a=\"1\"} 1\nm{a=\"2\"} 2\n")))
        }
        router.get("big") { _, _ in
            var text = ""
            for i in 0..<2_000 { text += "big_metric{i=\"\(i)\",pad=\"xxxxxxxxxxxxxx\"} \(i)\n" }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("fail") { _, _ in Response(status: .serviceUnavailable) }
        let (stream, cont) = AsyncStream.makeStream(of: Int.self)
        var quiet = Logger(label: "target")
        quiet.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { ch in cont.yield(ch.localAddress?.port ?? 0) },
                              logger: quiet)
        let task = Task { try await app.runService() }
        var it = stream.makeAsyncIterator()
        let port = try #require(await it.next())
        return (port, task)
    }

    /// Scrapes `path` until the first scrape finished; returns the health it left. The interval,
    /// timeout and wait are generous: suites run in parallel on two cores, and a starved loop must
    /// not turn into a timed-out or cancelled scrape.
    static func scrapeOnce(port: Int, path: String, extra: String, db: DB, client: HTTPClient) async throws -> TargetHealth {
        try await scrapeOnce(port: port, config: try config(path: path, extra: extra), db: db, client: client)
    }

    static func config(path: String, extra: String) throws -> ScrapeConfig {
        let (c, _) = try PrometheusConfigLoader.parse("""
            scrape_configs:
              - job_name: t
                scrape_interval: 3s
                scrape_timeout: 3s
                metrics_path: \(path)
            \(extra)
            """, baseDirectory: ".")
        return c.scrapeConfigs[0]
    }

    static func scrapeOnce(port: Int, config: ScrapeConfig, db: DB, client: HTTPClient) async throws -> TargetHealth {
        let target = try ScrapeTarget.make(group: TargetGroup(targets: ["127.0.0.1:\(port)"], labels: [], source: "test"), config: config)[0]
        var quiet = Logger(label: "scrape")
        quiet.logLevel = .critical
        let loop = ScrapeLoop(target: target, config: config, db: db, client: client, metrics: ScrapeMetrics(), logger: quiet)
        let deadline = Date().addingTimeInterval(60)
        while loop.health.withLock({ $0.up }) == nil && Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        await loop.stop(markStale: false)
        return loop.health.withLock { $0 }
    }

    @Test func okLimitAndErrorStatus() async throws {
        let f = try Fixture()
        let db = f.db, client = f.client
        let (port, server) = try await Self.startTarget()
        defer { server.cancel() }

        let ok = try await Self.scrapeOnce(port: port, path: "/ok", extra: "", db: db, client: client)
        #expect(ok.up == true && ok.lastSamples == 2, "\(ok)")
        let big = try await Self.scrapeOnce(port: port, path: "/big", extra: "    body_size_limit: 10KB", db: db, client: client)
        #expect(big.up == false)
        #expect(big.lastError?.contains("body_size_limit") == true || big.lastError?.contains("10240") == true, "\(big.lastError ?? "nil")")
        let bigAllowed = try await Self.scrapeOnce(port: port, path: "/big", extra: "", db: db, client: client)
        #expect(bigAllowed.up == true && bigAllowed.lastSamples == 2_000)
        let fail = try await Self.scrapeOnce(port: port, path: "/fail", extra: "", db: db, client: client)
        #expect(fail.up == false && fail.lastError?.contains("503") == true, "\(fail.lastError ?? "nil")")

        // Nothing of the over-limit body was stored; the allowed one was, whole.
        let q = db.querier(mint: .min, maxt: .max)
        #expect(q.select(try SeriesSelector.parse("m")).count == 2)
        #expect(q.select(try SeriesSelector.parse("big_metric")).count == 2_000)
        try await f.client.shutdown()
    }

    /// What the `negotiate` route saw, and the token it accepts.
    final class RequestLog: Sendable {
        private let state = Mutex<(token: String, seen: [(authorization: String, accept: String, acceptEncoding: String)])>(("", []))
        var token: String {
            get { state.withLock { $0.token } }
            set { state.withLock { $0.token = newValue } }
        }
        var last: (authorization: String, accept: String, acceptEncoding: String)? { state.withLock { $0.seen.last } }
        var count: Int { state.withLock { $0.seen.count } }
        func record(authorization: String, accept: String, acceptEncoding: String) {
            state.withLock { $0.seen.append((authorization, accept, acceptEncoding)) }
        }
    }

    static func gzip(_ body: [UInt8]) -> [UInt8] {
        var strm = z_stream()
        guard deflateInit2_(&strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
        defer { deflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&strm, uLong(body.count))))
        var input = body
        input.withUnsafeMutableBytes { i in
            out.withUnsafeMutableBytes { o in
                strm.next_in = i.baseAddress?.assumingMemoryBound(to: Bytef.self)
                strm.avail_in = uInt(i.count)
                strm.next_out = o.baseAddress?.assumingMemoryBound(to: Bytef.self)
                strm.avail_out = uInt(o.count)
                _ = deflate(&strm, Z_FINISH)
            }
        }
        out.removeLast(Int(strm.avail_out))
        return out
    }

    @Test func negotiatesOpenMetricsGzipAndSendsARotatedBearerToken() async throws {
        let f = try Fixture()
        let log = RequestLog()
        let (port, server) = try await Self.startTarget(seen: log)
        defer { server.cancel() }
        let tokenFile = f.dir + "-token"
        defer { try? FileManager.default.removeItem(atPath: tokenFile) }
        try "first\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        log.token = "first"
        // One configuration for both scrapes: the second must read the file again by itself.
        let config = try Self.config(path: "/negotiate", extra: "    bearer_token_file: \(tokenFile)")
        let h = try await Self.scrapeOnce(port: port, config: config, db: f.db, client: f.client)
        #expect(h.up == true, "\(h)")
        let seen = try #require(log.last)
        #expect(seen.authorization == "Bearer first")
        #expect(seen.accept.hasPrefix("application/openmetrics-text"), "OpenMetrics first: \(seen.accept)")
        #expect(seen.accept.contains("text/plain"), "text as the fallback: \(seen.accept)")
        #expect(seen.acceptEncoding.contains("gzip"))
        // The gzip-compressed OpenMetrics body was stored (its own series, not the text variant's).
        let q = f.db.querier(mint: .min, maxt: .max)
        #expect(q.select(try SeriesSelector.parse(#"neg_total{f="om"}"#)).count == 1)
        // A rotated token file is read again for the next scrape, without a reload.
        try "second\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        log.token = "second"
        let h2 = try await Self.scrapeOnce(port: port, config: config, db: f.db, client: f.client)
        #expect(h2.up == true, "\(h2)")
        #expect(log.last?.authorization == "Bearer second")
        // A token file that cannot be read fails the scrape, naming the file (as in Prometheus);
        // no request goes out with stale credentials.
        let sent = log.count
        try FileManager.default.removeItem(atPath: tokenFile)
        let h3 = try await Self.scrapeOnce(port: port, config: config, db: f.db, client: f.client)
        #expect(h3.up == false, "\(h3)")
        #expect(h3.lastError?.contains("unable to read authorization credentials file") == true, "\(h3)")
        #expect(log.count == sent)
        try await f.client.shutdown()
    }

    @Test func stoppingALoopCancelsItsScrapeInFlight() async throws {
        let f = try Fixture()
        let db = f.db, client = f.client
        let (arrived, arrive) = AsyncStream.makeStream(of: Void.self)
        let (port, server) = try await Self.startTarget(onSlow: { arrive.yield() })
        defer { server.cancel() }
        let (c, _) = try PrometheusConfigLoader.parse("""
            scrape_configs:
              - job_name: t
                scrape_interval: 2s
                scrape_timeout: 2s
                metrics_path: /slow
            """, baseDirectory: ".")
        let config = c.scrapeConfigs[0]
        let target = try ScrapeTarget.make(group: TargetGroup(targets: ["127.0.0.1:\(port)"], labels: [], source: "test"), config: config)[0]
        var quiet = Logger(label: "scrape")
        quiet.logLevel = .critical
        let loop = ScrapeLoop(target: target, config: config, db: db, client: client, metrics: ScrapeMetrics(), logger: quiet)
        var it = arrived.makeAsyncIterator()
        _ = await it.next()
        // The request is in flight and would time out only after 2 s.
        let clock = ContinuousClock()
        let took = await clock.measure { await loop.stop(markStale: false) }
        #expect(took < .milliseconds(1_000), "stopping took \(took)")
        try await f.client.shutdown()
    }
}
