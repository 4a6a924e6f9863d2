import Foundation
import Testing
import TSDB

/// Ingestion against the real binary and real peers (Debian's node_exporter and Prometheus).
@Suite(.serialized) struct IngestionTests {
    static let nodeExporter = "/usr/bin/prometheus-node-exporter"
    static let prometheus = "/usr/bin/prometheus"

    @Test func scrapesNodeExporterAndMarksAVanishedTargetStale() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.nodeExporter), "install prometheus-node-exporter (make test does)")
        let nePort = ServerStartupTests.freePort()
        let ne = try PeerProcess(binary: Self.nodeExporter, arguments: ["--web.listen-address=127.0.0.1:\(nePort)"], port: nePort, dir: "")
        defer { ne.stop() }
        try await ne.waitReady("/metrics")
        let tm = try PeerProcess.tidemark(config: """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: node
                static_configs:
                  - targets: ['127.0.0.1:\(nePort)']
                    labels: {env: e2e}
            """)
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()
        let arrived = await PeerProcess.eventually {
            let out = await HTTP.federate(tm.base, #"{job="node"}"#)
            return out.contains("node_cpu_seconds_total{") && out.contains(#"up{env="e2e",instance="127.0.0.1:\#(nePort)",job="node"} 1 "#)
        }
        #expect(arrived)
        let report = await HTTP.federate(tm.base, #"{__name__=~"scrape_.*",job="node"}"#)
        for name in ["scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling", "scrape_series_added"] {
            #expect(report.contains(name + "{"), "\(name) missing")
        }
        // Scraped series carry the target's labels.
        #expect(await HTTP.federate(tm.base, "node_load1").contains(#"node_load1{env="e2e",instance="127.0.0.1:\#(nePort)",job="node"}"#))
        // The target's # HELP / # TYPE lines reach /api/v1/metadata.
        let (mdCode, md) = await HTTP.request(tm.base + "/api/v1/metadata?metric=node_cpu_seconds_total") ?? (0, "")
        #expect(mdCode == 200)
        #expect(md.contains(#""node_cpu_seconds_total":[{"type":"counter","help":"Seconds the CPUs spent in each mode.","unit":""}]"#), "\(md)")

        // /api/v1/targets lists it as Prometheus does.
        func target() async throws -> [String: Any]? {
            let body = await HTTP.request(tm.base + "/api/v1/targets?scrapePool=node")?.1 ?? "{}"
            let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            return ((json?["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]])?.first
        }
        let up = try #require(try await target())
        #expect(up["health"] as? String == "up" && up["scrapePool"] as? String == "node")
        #expect(up["scrapeUrl"] as? String == "http://127.0.0.1:\(nePort)/metrics" && up["scrapeInterval"] as? String == "1s")
        #expect((up["labels"] as? [String: String]) == ["env": "e2e", "instance": "127.0.0.1:\(nePort)", "job": "node"])
        let discovered = up["discoveredLabels"] as? [String: String]
        #expect(discovered?["__address__"] == "127.0.0.1:\(nePort)")
        #expect(discovered?["__scrape_interval__"] == "1s" && discovered?["__scrape_timeout__"] != nil, "\(discovered ?? [:])")
        #expect((up["lastScrapeDuration"] as? Double ?? 0) > 0 && (up["lastError"] as? String) == "")
        let dropped = await HTTP.request(tm.base + "/api/v1/targets?state=dropped")?.1 ?? ""
        #expect(dropped.contains(#""activeTargets":[]"#) && dropped.contains(#""droppedTargetCounts":{"node":0}"#), "\(dropped)")

        // The target goes away: up turns 0 and its series get stale markers (federate skips them).
        ne.stop()
        let down = await PeerProcess.eventually {
            let up = await HTTP.federate(tm.base, "up")
            let load = await HTTP.federate(tm.base, "node_load1")
            return up.contains(#"job="node"} 0 "#) && !load.contains("node_load1{")
        }
        #expect(down)
        // The target's health is updated right after its `up` sample: wait for it too.
        var gone: [String: Any]?
        let marked = await PeerProcess.eventually {
            gone = try? await target()
            return gone?["health"] as? String == "down"
        }
        #expect(marked && !((gone?["lastError"] as? String) ?? "").isEmpty, "\(gone ?? [:])")
    }

    @Test func scrapesATLSTargetWithItsCAOrInsecurely() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.nodeExporter), "install prometheus-node-exporter (make test does)")
        let dir = NSTemporaryDirectory() + "tm-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let certOK = DispatcherEndToEndTests.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem",
        ])
        try #require(certOK, "openssl needed (make test installs it)")
        try "tls_server_config:\n  cert_file: \(dir)/cert.pem\n  key_file: \(dir)/key.pem\n"
            .write(toFile: dir + "/web.yml", atomically: true, encoding: .utf8)
        let nePort = ServerStartupTests.freePort()
        let ne = try PeerProcess(binary: Self.nodeExporter, arguments: [
            "--web.listen-address=127.0.0.1:\(nePort)", "--web.config.file=\(dir)/web.yml",
        ], port: nePort, dir: "")
        defer { ne.stop() }
        let tm = try PeerProcess.tidemark(config: """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: tls-ca
                scheme: https
                tls_config: {ca_file: \(dir)/cert.pem}
                static_configs: [{targets: ['127.0.0.1:\(nePort)']}]
              - job_name: tls-insecure
                scheme: https
                tls_config: {insecure_skip_verify: true}
                static_configs: [{targets: ['127.0.0.1:\(nePort)']}]
              - job_name: tls-untrusted
                scheme: https
                static_configs: [{targets: ['127.0.0.1:\(nePort)']}]
            """)
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()
        let scraped = await PeerProcess.eventually(30) {
            let up = await HTTP.federate(tm.base, "up")
            return up.contains(#"job="tls-ca"} 1 "#) && up.contains(#"job="tls-insecure"} 1 "#) && up.contains(#"job="tls-untrusted"} 0 "#)
        }
        let upNow = await HTTP.federate(tm.base, "up")
        #expect(scraped, "\(upNow)")
        #expect(await HTTP.federate(tm.base, #"node_load1{job="tls-ca"}"#).contains("node_load1{"))
        // A missing CA file is a configuration error naming the key.
        let bad = try PeerProcess.tidemark(config: """
            scrape_configs:
              - job_name: x
                scheme: https
                tls_config: {ca_file: \(dir)/missing.pem}
            """)
        defer { try? FileManager.default.removeItem(atPath: bad.dir) }
        bad.waitForExit()
        #expect(bad.process.terminationStatus != 0)
        #expect(bad.stderr.contains("tls_config.ca_file"), "\(bad.stderr)")
    }

    @Test func remoteWriteFromARealPrometheusArrivesIntact() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.prometheus), "install prometheus (make test does)")
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n")
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()
        let promPort = ServerStartupTests.freePort()
        let promDir = NSTemporaryDirectory() + "prom-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: promDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: promDir) }
        try """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: prom
            static_configs:
              - targets: ['127.0.0.1:\(promPort)']
        remote_write:
          - url: http://127.0.0.1:\(tm.port)/api/v1/write
            queue_config:
              batch_send_deadline: 1s
        """.write(toFile: promDir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prom = try PeerProcess(binary: Self.prometheus, arguments: [
            "--config.file=\(promDir)/prometheus.yml", "--storage.tsdb.path=\(promDir)/data",
            "--web.listen-address=127.0.0.1:\(promPort)",
        ], port: promPort, dir: promDir)
        defer { prom.stop() }
        try await prom.waitReady()
        // Prometheus' own series arrive with their labels, and its `up` is 1.
        let arrived = await PeerProcess.eventually(30) {
            let out = await HTTP.federate(tm.base, #"{job="prom"}"#)
            return out.contains(#"up{instance="127.0.0.1:\#(promPort)",job="prom"} 1 "#)
                && out.contains("prometheus_build_info{")
        }
        #expect(arrived)
        // The series match what Prometheus itself stored: the same label sets and values of a
        // constant series (build info), and the same set of series of the job once both settle.
        let build = await HTTP.federate(tm.base, "prometheus_build_info")
        let own = await HTTP.federate("http://127.0.0.1:\(promPort)", "prometheus_build_info")
        func series(_ text: String) -> Set<String> {
            Set(text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
                String(line.split(separator: " ").dropLast().joined(separator: " "))  // name{labels} value, without the timestamp
            })
        }
        #expect(!series(own).isEmpty && series(build) == series(own), "\(build) vs \(own)")
        #expect(build.contains("} 1 "))
        #expect(await PeerProcess.eventually(30) {
            let names: (String) -> Set<String> = { t in
                Set(t.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: "{").first.map(String.init) })
            }
            let ours = names(await HTTP.federate(tm.base, #"{job="prom"}"#))
            let theirs = names(await HTTP.federate("http://127.0.0.1:\(promPort)", #"{job="prom"}"#))
            return !theirs.isEmpty && theirs.isSubset(of: ours)
        }, "every metric name Prometheus stored for the job arrived")
        // No rejects were reported by our side.
        let metrics = await HTTP.request(tm.base + "/metrics")?.1 ?? ""
        #expect(metrics.contains("tidemark_tsdb_samples_appended_total "))
        #expect(!metrics.contains(#"tidemark_http_request_duration_seconds_count{handler="/api/v1/write",code="400"}"#))
    }

    @Test func pushEndpointsStoreAndRejectCleanly() async throws {
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n")
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()
        let now = Int64(Date().timeIntervalSince1970 * 1000)

        // Text import with an explicit timestamp, one without, and an extra label.
        let body = "# TYPE jobs_done counter\njobs_done{queue=\"a\"} 5 \(now - 1000)\njobs_done{queue=\"b\"} 7\n"
        let imp = await HTTP.request(tm.base + "/api/v1/import/prometheus?extra_label=source=e2e", method: "POST", body: Array(body.utf8))
        #expect(imp?.0 == 204)
        let fed = await HTTP.federate(tm.base, "jobs_done")
        #expect(fed.contains(#"jobs_done{queue="a",source="e2e"} 5 \#(now - 1000)"#))
        #expect(fed.contains(#"jobs_done{queue="b",source="e2e"} 7 "#))

        // A malformed body: 400 naming the line, and nothing of it stored.
        let bad = "ok_metric 1\nbroken{ 2\n"
        let r = await HTTP.request(tm.base + "/api/v1/import/prometheus", method: "POST", body: Array(bad.utf8))
        #expect(r?.0 == 400)
        #expect(r?.1.contains("line 2") == true)
        #expect(!(await HTTP.federate(tm.base, "ok_metric")).contains("ok_metric"))

        // Remote-write garbage: 400, nothing stored; a body over the limit: 413.
        let garbage = await HTTP.request(tm.base + "/api/v1/write", method: "POST", body: Array("not snappy".utf8),
                                         headers: ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
        #expect(garbage?.0 == 400)
        let huge = await HTTP.request(tm.base + "/api/v1/import/prometheus", method: "POST", body: [UInt8](repeating: 0x41, count: 70 << 20))
        #expect(huge?.0 == 413)

        // A valid remote-write request: 204, and the samples are there.
        let labels = try Labels(["__name__": "rw_test", "job": "e2e"])
        let payload = RemoteWriteEncoder.encodeCompressed([(labels, [Sample(t: now - 2000, v: 1.5), Sample(t: now - 1000, v: 2.5)])])
        let ok = await HTTP.request(tm.base + "/api/v1/write", method: "POST", body: payload,
                                    headers: ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
        #expect(ok?.0 == 204)
        #expect(await HTTP.federate(tm.base, "rw_test").contains(#"rw_test{job="e2e"} 2.5 \#(now - 1000)"#))
        // The newest sample again (a retried request): identical duplicates are not errors. An older one is.
        let same = RemoteWriteEncoder.encodeCompressed([(labels, [Sample(t: now - 1000, v: 2.5)])])
        let again = await HTTP.request(tm.base + "/api/v1/write", method: "POST", body: same,
                                       headers: ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
        #expect(again?.0 == 204)
        let old = RemoteWriteEncoder.encodeCompressed([(labels, [Sample(t: now - 5000, v: 9)])])
        let ooo = await HTTP.request(tm.base + "/api/v1/write", method: "POST", body: old,
                                     headers: ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"])
        #expect(ooo?.0 == 400)
        #expect(ooo?.1.contains("out of order") == true)

        // Pushgateway-style groups: PUT replaces, the dropped series goes stale; DELETE empties.
        let put1 = await HTTP.request(tm.base + "/metrics/job/backup/instance/db1", method: "PUT",
                                      body: Array("last_run 10\nbytes_copied 100\n".utf8))
        #expect(put1?.0 == 200)
        #expect(await HTTP.federate(tm.base, "bytes_copied").contains(#"bytes_copied{instance="db1",job="backup"} 100 "#))
        try await Task.sleep(for: .milliseconds(5))
        let put2 = await HTTP.request(tm.base + "/metrics/job/backup/instance/db1", method: "PUT", body: Array("last_run 20\n".utf8))
        #expect(put2?.0 == 200)
        #expect(!(await HTTP.federate(tm.base, "bytes_copied")).contains("bytes_copied{"))
        #expect(await HTTP.federate(tm.base, "last_run").contains(#"last_run{instance="db1",job="backup"} 20 "#))
        let ts = await HTTP.request(tm.base + "/metrics/job/backup", method: "PUT", body: Array("x 1 123\n".utf8))
        #expect(ts?.0 == 400)
        try await Task.sleep(for: .milliseconds(5))
        let del = await HTTP.request(tm.base + "/metrics/job/backup/instance/db1", method: "DELETE")
        #expect(del?.0 == 202)
        #expect(!(await HTTP.federate(tm.base, "last_run")).contains("last_run{"))
    }

    @Test func malformedAndOversizedPushesOfEachKind() async throws {
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n",
                                          extra: ["--web.max-request-body-bytes=64KB", "--web.max-series-per-request=3"])
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let rw = ["Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"]
        func write(_ body: [UInt8], headers: [String: String] = rw) async -> (Int, String)? {
            await HTTP.request(tm.base + "/api/v1/write", method: "POST", body: body, headers: headers)
        }

        // Valid snappy around a broken protobuf (a length running past the end): 400, nothing stored.
        let broken = SnappyBlock.compress([0x0A, 0x7F, 0x0A, 0x02])
        #expect(await write(broken)?.0 == 400)
        // An encoding remote-write does not use: 415.
        #expect(await write(Array("x".utf8), headers: ["Content-Encoding": "br"])?.0 == 415)
        // Small when compressed, over the limit once decompressed: 413, like an oversized body.
        let pad = String(repeating: "p", count: 300)
        let bomb = RemoteWriteEncoder.encodeCompressed(try (0..<1000).map { i in
            (try Labels(["__name__": "big", "i": "\(i)", "pad": pad]), [Sample(t: now, v: 1)])
        })
        #expect(bomb.count < 64 << 10, "the compressed body itself is under the limit")
        #expect(await write(bomb)?.0 == 413)
        #expect(!(await HTTP.federate(tm.base, "big")).contains("big{"))
        // More series than allowed: 400 naming the limit, nothing stored.
        let four = RemoteWriteEncoder.encodeCompressed(try (0..<4).map { i in
            (try Labels(["__name__": "four", "i": "\(i)"]), [Sample(t: now, v: 1)])
        })
        let tooMany = await write(four)
        #expect(tooMany?.0 == 400)
        #expect(!(await HTTP.federate(tm.base, "four")).contains("four{"))

        // A partial reject: the out-of-order sample is refused, the rest of the request is stored.
        let a = try Labels(["__name__": "part", "s": "a"]), b = try Labels(["__name__": "part", "s": "b"])
        #expect(await write(RemoteWriteEncoder.encodeCompressed([(a, [Sample(t: now, v: 1)])]))?.0 == 204)
        let mixed = await write(RemoteWriteEncoder.encodeCompressed([(a, [Sample(t: now - 10_000, v: 2)]), (b, [Sample(t: now, v: 3)])]))
        #expect(mixed?.0 == 400)
        #expect(mixed?.1.contains("1 of 2 samples rejected") == true, "\(mixed?.1 ?? "")")
        let part = await HTTP.federate(tm.base, "part")
        #expect(part.contains(#"part{s="a"} 1 \#(now)"#) && part.contains(#"part{s="b"} 3 \#(now)"#))

        // Invalid label names, metric names or a name given twice make the request malformed:
        // 400 naming the series and label, and nothing of it stored (not even its valid series).
        let good = try Labels(["__name__": "inv", "ok": "1"])
        for (bad, message) in [
            (Labels(sortedUnchecked: [Label(name: "0bad", value: "x"), Label(name: "__name__", value: "inv")]), "invalid label name"),
            (Labels(sortedUnchecked: [Label(name: "__name__", value: "0inv")]), "invalid metric name"),
            (Labels(sortedUnchecked: [Label(name: "__name__", value: "inv"), Label(name: "a", value: "1"), Label(name: "a", value: "2")]),
             "duplicate label name"),
        ] {
            let r = await write(RemoteWriteEncoder.encodeCompressed([(good, [Sample(t: now, v: 2)]), (bad, [Sample(t: now, v: 1)])]))
            #expect(r?.0 == 400)
            #expect(r?.1.contains("timeseries 1") == true && r?.1.contains(message) == true, "\(r?.1 ?? "")")
        }
        #expect(!(await HTTP.federate(tm.base, "inv")).contains("inv{"))

        // Text import: a gzip header over garbage is 400; too many series 400; both store nothing.
        let badGzip = await HTTP.request(tm.base + "/api/v1/import/prometheus", method: "POST",
                                         body: [0x1F, 0x8B, 0x08, 0x00, 0x01, 0x02, 0x03], headers: ["Content-Encoding": "gzip"])
        #expect(badGzip?.0 == 400)
        let fourText = (0..<4).map { "imp_four{i=\"\($0)\"} 1\n" }.joined()
        let impMany = await HTTP.request(tm.base + "/api/v1/import/prometheus", method: "POST", body: Array(fourText.utf8))
        #expect(impMany?.0 == 400)
        #expect(impMany?.1.contains("too many series") == true)
        #expect(!(await HTTP.federate(tm.base, "imp_four")).contains("imp_four{"))

        // Pushgateway POST replaces only the metric names it pushes; PUT replaces the group.
        let url = tm.base + "/metrics/job/batch"
        #expect(await HTTP.request(url, method: "PUT", body: Array("pg_a 1\npg_b 1\n".utf8))?.0 == 200)
        try await Task.sleep(for: .milliseconds(5))
        #expect(await HTTP.request(url, method: "POST", body: Array("pg_a 2\n".utf8))?.0 == 200)
        let afterPost = await HTTP.federate(tm.base, #"{job="batch"}"#)
        #expect(afterPost.contains(#"pg_a{job="batch"} 2 "#) && afterPost.contains(#"pg_b{job="batch"} 1 "#), "\(afterPost)")
        let pgBad = await HTTP.request(url, method: "POST", body: Array("pg_c{ 1\n".utf8))
        #expect(pgBad?.0 == 400)
        #expect(!(await HTTP.federate(tm.base, "pg_c")).contains("pg_c{"))
    }

    @Test func killNineAfterAcknowledgedPushLosesNothing() async throws {
        let dir = NSTemporaryDirectory() + "tidemark-k9-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var tm = try PeerProcess.tidemark(config: "scrape_configs: []\n", dir: dir)
        try await tm.waitReady()
        var expected: [String] = []
        for i in 0..<20 {
            let labels = try Labels(["__name__": "k9_test", "batch": "\(i)"])
            let payload = RemoteWriteEncoder.encodeCompressed([(labels, [Sample(t: now - 1000 + Int64(i), v: Double(i))])])
            let r = await HTTP.request(tm.base + "/api/v1/write", method: "POST", body: payload,
                                       headers: ["Content-Encoding": "snappy"])
            #expect(r?.0 == 204)
            expected.append(#"k9_test{batch="\#(i)"} \#(i) \#(now - 1000 + Int64(i))"#)
        }
        tm.kill9()
        tm = try PeerProcess.tidemark(config: "scrape_configs: []\n", dir: dir)
        defer { tm.stop() }
        try await tm.waitReady()
        let out = await HTTP.federate(tm.base, "k9_test")
        for e in expected { #expect(out.contains(e), "lost after kill -9: \(e)") }
    }
}
