import Foundation
import Testing
import TSDB
@testable import Server

@Suite struct ScrapeProcessorTests {
    final class Fixture {
        let dir = NSTemporaryDirectory() + "tm-scrape-\(UUID().uuidString)"
        let db: DB
        init() throws { db = try DB.open(directory: dir) }
        deinit { try? db.close(); try? FileManager.default.removeItem(atPath: dir) }

        func samples(_ selector: String) throws -> [(Labels, [Sample])] {
            db.querier(mint: .min, maxt: .max).select(try SeriesSelector.parse(selector)).map { ($0.labels, $0.samples()) }
        }
    }

    static func config(_ yaml: String = "") throws -> ScrapeConfig {
        let (c, _) = try PrometheusConfigLoader.parse("scrape_configs:\n  - job_name: app\n" + yaml, baseDirectory: ".")
        return c.scrapeConfigs[0]
    }

    static func target(_ config: ScrapeConfig) throws -> ScrapeTarget {
        try ScrapeTarget.make(group: TargetGroup(targets: ["app:8080"], labels: [Label(name: "env", value: "prod")], source: "t"),
                              config: config)[0]
    }

    @discardableResult
    static func store(_ p: inout ScrapeProcessor, _ db: DB, _ body: String, at t: Int64) throws(ScrapeFailure) -> ScrapeOutcome {
        var app = db.appender()
        let bytes = Array(body.utf8)
        var result: Result<ScrapeOutcome, ScrapeFailure> = .failure(.parse("unreached"))
        bytes.withUnsafeBytes { raw in
            do throws(ScrapeFailure) { result = .success(try p.store(body: raw, format: .prometheusText, scrapeTime: t, into: &app)) }
            catch { result = .failure(error) }
        }
        return try result.get()
    }

    @Test func targetLabelsTimestampsAndStaleness() throws {
        let f = try Fixture()
        let c = try Self.config()
        let target = try Self.target(c)
        #expect(target.url == "http://app:8080/metrics")
        #expect(target.labels.pairs.map(\.name) == ["env", "instance", "job"])
        var p = ScrapeProcessor(target: target, config: c)
        let o1 = try Self.store(&p, f.db, "# TYPE a counter\na_total 1\nb{x=\"1\"} 2\nc 3 500\n", at: 1000)
        #expect(o1.scraped == 3 && o1.postRelabel == 3 && o1.seriesAdded == 3 && o1.report.appended == 3)
        // An explicit timestamp is honored by default.
        #expect(try f.samples("c").first?.1 == [Sample(t: 500, v: 3)])
        #expect(try f.samples("b").first?.0 == Labels(["__name__": "b", "x": "1", "env": "prod", "instance": "app:8080", "job": "app"]))
        // Second scrape: b disappears, so it gets a stale marker at the scrape time.
        let o2 = try Self.store(&p, f.db, "a_total 2\nc 4 600\n", at: 2000)
        #expect(o2.seriesAdded == 0)
        let b = try f.samples("b").first?.1 ?? []
        #expect(b.count == 2 && b[1].t == 2000 && StaleNaN.isStale(b[1].v))
        // A failed scrape marks everything from the last good scrape stale.
        var app = f.db.appender()
        p.storeFailure(scrapeTime: 3000, into: &app)
        #expect(StaleNaN.isStale(try f.samples("a_total").first?.1.last?.v ?? 0))
        // As in Prometheus, a series with its own timestamps gets no stale marker.
        #expect(try f.samples("c").first?.1 == [Sample(t: 500, v: 3), Sample(t: 600, v: 4)])
    }

    @Test func bodyFailingMidwayStoresNothingAndStalesTheLastGoodScrape() throws {
        let f = try Fixture()
        let c = try Self.config()
        var p = ScrapeProcessor(target: try Self.target(c), config: c)
        try Self.store(&p, f.db, "a 1\nb 2\nc 3\n", at: 1000)
        // The error comes after `a` (and a new series `d`) were read: nothing of this body is stored.
        #expect(throws: ScrapeFailure.self) { try Self.store(&p, f.db, "a 5\nd 6\nb{ 7\n", at: 2000) }
        #expect(try f.samples("a").first?.1 == [Sample(t: 1000, v: 1)])
        #expect(try f.samples("d").isEmpty)
        // Every series of the last good scrape goes stale, not only those the failed body reached.
        var app = f.db.appender()
        p.storeFailure(scrapeTime: 3000, into: &app)
        for name in ["a", "b", "c"] {
            let s = try f.samples(name).first?.1 ?? []
            #expect(s.count == 2 && s.last?.t == 3000 && StaleNaN.isStale(s.last?.v ?? 0), "\(name)")
        }
        #expect(try f.samples("d").isEmpty)
    }

    @Test func aFailedBodyDoesNotChangeWhichSeriesGoStale() throws {
        let f = try Fixture()
        let c = try Self.config()
        var p = ScrapeProcessor(target: try Self.target(c), config: c)
        try Self.store(&p, f.db, "a 1\n", at: 1000)
        // The failing body gives `a` a timestamp before it breaks: nothing of it counts.
        #expect(throws: ScrapeFailure.self) { try Self.store(&p, f.db, "a 2 1500\nb{ 3\n", at: 2000) }
        var app = f.db.appender()
        p.storeFailure(scrapeTime: 3000, into: &app)
        let a = try f.samples("a").first?.1 ?? []
        #expect(a.count == 2 && a.last?.t == 3000 && StaleNaN.isStale(a.last?.v ?? 0), "\(a)")
    }

    @Test func reorderedAndRenamedSeriesAreFoundAcrossScrapes() throws {
        let f = try Fixture()
        let c = try Self.config()
        var p = ScrapeProcessor(target: try Self.target(c), config: c)
        let lines = (0..<200).map { "m{i=\"\($0)\"} \($0)" }
        try Self.store(&p, f.db, lines.joined(separator: "\n") + "\n", at: 1000)
        // Reversed order (no series where the cache expects it) plus one new series.
        let o = try Self.store(&p, f.db, (lines.reversed() + ["m{i=\"new\"} 1"]).joined(separator: "\n") + "\n", at: 2000)
        #expect(o.seriesAdded == 1 && o.report.appended == 201)
        #expect(try f.samples("m").count == 201)
        #expect(try f.samples("m").allSatisfy { $0.1.count == ($0.0["i"] == "new" ? 1 : 2) })
    }

    @Test func honorLabelsAndClashes() throws {
        let f = try Fixture()
        var c = try Self.config()
        var p = ScrapeProcessor(target: try Self.target(c), config: c)
        try Self.store(&p, f.db, "m{job=\"other\",env=\"dev\"} 1\n", at: 1000)
        #expect(try f.samples("m").first?.0 == Labels([
            "__name__": "m", "job": "app", "exported_job": "other", "env": "prod", "exported_env": "dev", "instance": "app:8080"]))
        c = try Self.config("    honor_labels: true\n")
        var q = ScrapeProcessor(target: try Self.target(c), config: c)
        try Self.store(&q, f.db, "n{job=\"other\"} 1\n", at: 1000)
        #expect(try f.samples("n").first?.0 == Labels(["__name__": "n", "job": "other", "env": "prod", "instance": "app:8080"]))
    }

    @Test func metricRelabelingAndLimits() throws {
        let f = try Fixture()
        let c = try Self.config("""
                metric_relabel_configs:
                  - source_labels: [__name__]
                    regex: 'go_.*'
                    action: drop
                sample_limit: 2
            """ + "\n")
        var p = ScrapeProcessor(target: try Self.target(c), config: c)
        let o = try Self.store(&p, f.db, "go_goroutines 5\nkept 1\n", at: 1000)
        #expect(o.scraped == 2 && o.postRelabel == 1)
        #expect(try f.samples("go_goroutines").isEmpty)
        // Over the sample limit: the scrape fails and nothing of it is stored.
        #expect(throws: ScrapeFailure.self) { try Self.store(&p, f.db, "kept 2\nx 1\ny 1\n", at: 2000) }
        #expect(try f.samples("kept").first?.1 == [Sample(t: 1000, v: 1)])
        #expect(try f.samples("x").isEmpty)
        // A parse error fails the scrape with the line.
        do {
            try Self.store(&p, f.db, "ok 1\nbad{ 1\n", at: 3000)
            Issue.record("expected a parse failure")
        } catch {
            #expect("\(error)".contains("line 2"))
        }
    }

    @Test func repeatedSeriesInOneBodyIsStoredOnce() throws {
        let f = try Fixture()
        let c = try Self.config()
        var p = ScrapeProcessor(target: try Self.target(c), config: c)
        let o = try Self.store(&p, f.db, "dup 1\ndup 2\n", at: 1000)
        #expect(o.report.appended == 1 && o.report.duplicates == 1)
        #expect(try f.samples("dup").first?.1 == [Sample(t: 1000, v: 1)])
    }

    @Test func targetRelabelingBuildsURLAndDrops() throws {
        let (cfg, _) = try PrometheusConfigLoader.parse("""
            scrape_configs:
              - job_name: blackbox
                metrics_path: /probe
                params:
                  module: [http_2xx]
                relabel_configs:
                  - source_labels: [__address__]
                    target_label: __param_target
                  - source_labels: [__param_target]
                    target_label: instance
                  - target_label: __address__
                    replacement: 127.0.0.1:9115
                  - source_labels: [instance]
                    regex: skip.*
                    action: drop
            """, baseDirectory: ".")
        let ts = try ScrapeTarget.make(group: TargetGroup(targets: ["https://example.org", "skipme"], labels: [], source: "s"),
                                       config: cfg.scrapeConfigs[0])
        #expect(ts.count == 1)
        #expect(ts[0].url == "http://127.0.0.1:9115/probe?module=http_2xx&target=https%3A%2F%2Fexample.org")
        #expect(try ts[0].labels == Labels(["instance": "https://example.org", "job": "blackbox"]))
    }
}
