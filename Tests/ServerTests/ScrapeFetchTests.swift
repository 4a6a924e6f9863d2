import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
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
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        init() throws { db = try DB.open(directory: dir) }
        deinit { try? db.close(); try? FileManager.default.removeItem(atPath: dir) }
    }

    /// Serves `/ok`, `/big` (64 KiB), `/fail` (HTTP 503) and `/slow` (answers after 30 s, calling
    /// `onSlow` when a request arrives) until the returned task is cancelled.
    static func startTarget(onSlow: @escaping @Sendable () -> Void = {}) async throws -> (port: Int, task: Task<Void, Error>) {
        let router = Router()
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
        let (c, _) = try PrometheusConfigLoader.parse("""
            scrape_configs:
              - job_name: t
                scrape_interval: 3s
                scrape_timeout: 3s
                metrics_path: \(path)
            \(extra)
            """, baseDirectory: ".")
        let config = c.scrapeConfigs[0]
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
