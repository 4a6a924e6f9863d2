import Foundation
import Testing
import TSDB

/// Admin endpoints (behind --web.enable-admin-api) and configuration reloads.
@Suite struct AdminLifecycleTests {
    @Test func flushSnapshotAndReloadKeepingTheOldConfigOnError() async throws {
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n", extra: ["--web.enable-admin-api", "--web.enable-lifecycle"])
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir); try? FileManager.default.removeItem(atPath: tm.dir + ".yml") }
        try await tm.waitReady()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let body = "flushed_metric 42 \(now - 1000)\n"
        #expect(await HTTP.request(tm.base + "/api/v1/import/prometheus", method: "POST", body: Array(body.utf8))?.0 == 204)

        // Flush writes a block; the data is still served from it.
        #expect(await HTTP.request(tm.base + "/api/v1/admin/tsdb/flush", method: "POST")?.0 == 200)
        let blocks = try FileManager.default.contentsOfDirectory(atPath: tm.dir).filter { $0.count == 26 }
        #expect(!blocks.isEmpty)
        #expect(await HTTP.federate(tm.base, "flushed_metric").contains("flushed_metric 42 \(now - 1000)"))

        // A snapshot hard-links the blocks under snapshots/<name>.
        let snap = await HTTP.request(tm.base + "/api/v1/admin/tsdb/snapshot", method: "POST")
        #expect(snap?.0 == 200)
        let json = try JSONSerialization.jsonObject(with: Data((snap?.1 ?? "{}").utf8)) as? [String: Any]
        let name = (json?["data"] as? [String: Any])?["name"] as? String ?? ""
        #expect(!name.isEmpty)
        let snapDir = tm.dir + "/snapshots/" + name
        let linked = (try? FileManager.default.subpathsOfDirectory(atPath: snapDir)) ?? []
        #expect(linked.contains { $0.hasSuffix("meta.json") } && linked.contains { $0.hasSuffix("index") })

        // A broken configuration is refused and the running one stays (also in
        // /api/v1/status/config); a valid one is taken.
        let running = try String(contentsOfFile: tm.dir + ".yml", encoding: .utf8)
        #expect(await Self.configInForce(tm.base) == running)
        try "scrape_configs:\n  - job_name: x\n    scrape_interval: never\n".write(toFile: tm.dir + ".yml", atomically: true, encoding: .utf8)
        let bad = await HTTP.request(tm.base + "/-/reload", method: "POST")
        #expect(bad?.0 == 500)
        #expect(bad?.1.contains("scrape_configs[0].scrape_interval") == true)
        #expect(await HTTP.request(tm.base + "/-/ready")?.0 == 200)
        #expect(await Self.configInForce(tm.base) == running)
        let next = "global:\n  external_labels: {cluster: e2e}\nscrape_configs: []\n"
        try next.write(toFile: tm.dir + ".yml", atomically: true, encoding: .utf8)
        #expect(await HTTP.request(tm.base + "/-/reload", method: "POST")?.0 == 200)
        #expect(await Self.configInForce(tm.base) == next)
        // External labels from the new configuration show in federation.
        #expect(await HTTP.federate(tm.base, "flushed_metric").contains(#"flushed_metric{cluster="e2e"} 42"#))
    }

    @Test func fileSDChangesAndSIGHUPReloadsReachTheScrapes() async throws {
        let sdFile = NSTemporaryDirectory() + "tm-sd-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: sdFile) }
        try "[]".write(toFile: sdFile, atomically: true, encoding: .utf8)
        let tm = try PeerProcess.tidemark(config: """
            scrape_configs:
              - job_name: sd
                scrape_interval: 1s
                file_sd_configs: [{files: ['\(sdFile)']}]
            """)
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir); try? FileManager.default.removeItem(atPath: tm.dir + ".yml") }
        try await tm.waitReady()
        // A target added to the file is picked up without a reload (the server scrapes itself).
        try #"[{"targets": ["127.0.0.1:\#(tm.port)"], "labels": {"from": "file"}}]"#.write(toFile: sdFile, atomically: true, encoding: .utf8)
        #expect(await PeerProcess.eventually(30) {
            await HTTP.federate(tm.base, #"up{job="sd"}"#).contains(#"up{from="file",instance="127.0.0.1:\#(tm.port)",job="sd"} 1 "#)
        }, "a target added to a file_sd file is scraped")
        // Removed from the file: its series get stale markers, so they drop out of the latest values.
        try "[]".write(toFile: sdFile, atomically: true, encoding: .utf8)
        #expect(await PeerProcess.eventually(30) { !(await HTTP.federate(tm.base, #"up{job="sd"}"#)).contains("up{") },
                "a target removed from the file goes stale")
        // SIGHUP reloads the configuration file.
        try """
            scrape_configs:
              - job_name: hup
                scrape_interval: 1s
                static_configs: [{targets: ['127.0.0.1:\(tm.port)']}]
            """.write(toFile: tm.dir + ".yml", atomically: true, encoding: .utf8)
        kill(tm.process.processIdentifier, SIGHUP)
        #expect(await PeerProcess.eventually(30) { await HTTP.federate(tm.base, #"up{job="hup"}"#).contains("} 1 ") },
                "the job of the reloaded file is scraped")
    }

    @Test func adminAndLifecycleAreOffByDefault() async throws {
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n")
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()
        #expect(await HTTP.request(tm.base + "/api/v1/admin/tsdb/flush", method: "POST")?.0 == 404)
        #expect(await HTTP.request(tm.base + "/-/reload", method: "POST")?.0 == 403)
    }

    @Test func invalidDispatcherConfigStopsTheStartWithTheKeyNamed() async throws {
        let file = NSTemporaryDirectory() + "tm-bad-am-\(UUID().uuidString).yml"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try "route:\n  receiver: nobody\n  group_wait: soon\nreceivers: [{name: nobody}]\n".write(toFile: file, atomically: true, encoding: .utf8)
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n", extra: ["--dispatcher.config.file", file])
        defer { try? FileManager.default.removeItem(atPath: tm.dir) }
        tm.waitForExit()
        #expect(tm.process.terminationStatus != 0)
        #expect(tm.stderr.contains("route.group_wait"), "\(tm.stderr)")
    }

    @Test func invalidConfigStopsTheStartWithTheKeyNamed() async throws {
        let tm = try PeerProcess.tidemark(config: "global:\n  scrape_timeout: 2m\n")
        defer { try? FileManager.default.removeItem(atPath: tm.dir) }
        tm.waitForExit()
        #expect(tm.process.terminationStatus != 0)
        #expect(tm.stderr.contains("global.scrape_timeout"))
    }

    /// The `yaml` of `/api/v1/status/config`.
    static func configInForce(_ base: String) async -> String? {
        guard let (code, body) = await HTTP.request(base + "/api/v1/status/config"), code == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { return nil }
        return (json["data"] as? [String: Any])?["yaml"] as? String
    }
}
