import Foundation
import Testing

/// The real `tidemark` evaluating rule files and delivering alerts to a real Alertmanager (Debian's
/// `prometheus-alertmanager`), both on loopback.
@Suite(.serialized) struct AlertingEndToEndTests {
    static let alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

    /// Starts Alertmanager on `port` with a receiver that discards notifications.
    static func alertmanager(port: Int) throws -> PeerProcess {
        let dir = NSTemporaryDirectory() + "tm-am-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "route:\n  receiver: discard\nreceivers:\n  - name: discard\n".write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
        return try PeerProcess(binary: alertmanagerBinary, arguments: [
            "--config.file=\(dir)/am.yml", "--storage.path=\(dir)", "--web.listen-address=127.0.0.1:\(port)",
            "--cluster.listen-address=",
        ], port: port, dir: dir)
    }

    /// A config evaluating `rules` every second and sending to the Alertmanager on `amPort`.
    static func config(rules: String, amPort: Int) throws -> String {
        let file = NSTemporaryDirectory() + "tm-rules-\(UUID().uuidString).yml"
        try rules.write(toFile: file, atomically: true, encoding: .utf8)
        return """
            global:
              evaluation_interval: 1s
              external_labels: {cluster: e2e}
            rule_files: ['\(file)']
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['127.0.0.1:\(amPort)']
            """
    }

    static let highRule = """
        groups:
          - name: e2e
            rules:
              - alert: ValueHigh
                expr: e2e_value > 5
                for: 2s
                labels: {severity: page}
                annotations:
                  summary: 'value {{ $value }} from {{ $labels.source }}'
        """

    /// Pushes `e2e_value{source="pusher"} v` Pushgateway-style.
    static func push(_ tm: PeerProcess, _ v: Int) async throws {
        let r = await HTTP.request(tm.base + "/metrics/job/e2e/source/pusher", method: "PUT", body: Array("e2e_value \(v)\n".utf8))
        #expect(r?.0 == 200 || r?.0 == 204, "push: \(String(describing: r))")
    }

    /// The alerts Alertmanager holds (its v2 API), as JSON objects.
    static func alertmanagerAlerts(_ am: PeerProcess) async -> [[String: Any]] {
        guard let (code, body) = await HTTP.request(am.base + "/api/v2/alerts"), code == 200,
              let list = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]] else { return [] }
        return list
    }

    static func named(_ alerts: [[String: Any]], _ name: String) -> [String: Any]? {
        alerts.first { ($0["labels"] as? [String: String])?["alertname"] == name }
    }

    @Test func alertFiresAndResolvesInAlertmanager() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.alertmanagerBinary), "install prometheus-alertmanager (make test does)")
        let amPort = ServerStartupTests.freePort()
        let am = try Self.alertmanager(port: amPort)
        defer { am.stop() }
        try await am.waitReady("/-/ready")
        let tm = try PeerProcess.tidemark(config: try Self.config(rules: Self.highRule, amPort: amPort))
        defer { tm.stop() }
        try await tm.waitReady()
        // The configured Alertmanager is listed as Prometheus lists it.
        let ams = await HTTP.request(tm.base + "/api/v1/alertmanagers")
        #expect(ams?.1 == #"{"status":"success","data":{"activeAlertmanagers":[{"url":"http://127.0.0.1:\#(amPort)/api/v2/alerts"}],"droppedAlertmanagers":[]}}"#, "\(String(describing: ams))")
        try await Self.push(tm, 10)

        var alert: [String: Any]?
        let arrived = await PeerProcess.eventually(20) {
            alert = Self.named(await Self.alertmanagerAlerts(am), "ValueHigh")
            return alert != nil
        }
        try #require(arrived, "the alert never reached Alertmanager")
        let labels = alert?["labels"] as? [String: String]
        #expect(labels?["severity"] == "page" && labels?["source"] == "pusher" && labels?["cluster"] == "e2e" && labels?["job"] == "e2e")
        #expect((alert?["annotations"] as? [String: String])?["summary"] == "value 10 from pusher")
        #expect((alert?["generatorURL"] as? String)?.contains("/graph?g0.expr=") == true)
        #expect(((alert?["status"] as? [String: Any])?["state"] as? String) == "active")

        // Both downstreams at once: the built-in dispatcher holds it as well (Alertmanager's API).
        let builtIn = await HTTP.request(tm.base + "/api/v2/alerts")?.1 ?? ""
        #expect(builtIn.contains(#""alertname":"ValueHigh""#) && builtIn.contains(#""cluster":"e2e""#), "\(builtIn)")

        // The API reports it firing too.
        let api = await HTTP.request(tm.base + "/api/v1/alerts")?.1 ?? ""
        #expect(api.contains(#""state":"firing""#) && api.contains(#""alertname":"ValueHigh""#), "\(api)")
        let rules = await HTTP.request(tm.base + "/api/v1/rules?type=alert")?.1 ?? ""
        #expect(rules.contains(#""name":"ValueHigh""#) && rules.contains(#""health":"ok""#), "\(rules)")

        // Resolved: Tidemark sends endsAt = now, so Alertmanager drops it from its active alerts long
        // before the 4-minute endsAt of the firing notifications would.
        try await Self.push(tm, 1)
        let resolved = await PeerProcess.eventually(20) { Self.named(await Self.alertmanagerAlerts(am), "ValueHigh") == nil }
        #expect(resolved, "Alertmanager still shows the alert as active")
    }

    @Test func alertmanagerDownForAWhileLosesNoFiringAlert() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.alertmanagerBinary), "install prometheus-alertmanager (make test does)")
        let amPort = ServerStartupTests.freePort()
        let tm = try PeerProcess.tidemark(config: try Self.config(rules: Self.highRule, amPort: amPort),
                                          extra: ["--rules.alert.resend-delay=2s"])
        defer { tm.stop() }
        try await tm.waitReady()
        try await Self.push(tm, 10)
        // Alertmanager is down: the sends fail and are counted.
        let failing = await PeerProcess.eventually(20) {
            let m = await HTTP.request(tm.base + "/metrics")?.1 ?? ""
            return m.split(separator: "\n").contains { $0.hasPrefix("tidemark_notifications_errors_total{") && !$0.hasSuffix(" 0") }
        }
        #expect(failing, "no failed notification counted while Alertmanager was down")
        let am = try Self.alertmanager(port: amPort)
        defer { am.stop() }
        try await am.waitReady("/-/ready")
        let arrived = await PeerProcess.eventually(30) { Self.named(await Self.alertmanagerAlerts(am), "ValueHigh") != nil }
        #expect(arrived, "the firing alert never reached Alertmanager once it was back")
    }

    /// A broken rule file on reload keeps the running rules, and the error names file, group, rule and line.
    @Test func brokenRuleFileOnReloadKeepsTheOldRules() async throws {
        let file = NSTemporaryDirectory() + "tm-reload-rules-\(UUID().uuidString).yml"
        try "groups:\n  - name: keep\n    rules:\n      - record: kept:one\n        expr: vector(1)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let tm = try PeerProcess.tidemark(config: "global: {evaluation_interval: 1s}\nrule_files: ['\(file)']\n", extra: ["--web.enable-lifecycle"])
        defer { tm.stop() }
        try await tm.waitReady()
        let recorded = await PeerProcess.eventually(10) {
            (await HTTP.request(tm.base + "/api/v1/query?query=kept:one")?.1 ?? "").contains(#""__name__":"kept:one""#)
        }
        #expect(recorded, "the recording rule's series never appeared")

        try "groups:\n  - name: keep\n    rules:\n      - record: kept:one\n        expr: rate(\n".write(toFile: file, atomically: true, encoding: .utf8)
        let failed = await HTTP.request(tm.base + "/-/reload", method: "POST")
        #expect(failed?.0 == 500)
        #expect(failed?.1.contains(file) == true && failed?.1.contains("group \"keep\", rule 1, \"kept:one\"") == true
                && failed?.1.contains("5:15") == true, "\(String(describing: failed?.1))")
        let rules = await HTTP.request(tm.base + "/api/v1/rules")?.1 ?? ""
        #expect(rules.contains(#""name":"kept:one""#), "the old rules were dropped: \(rules)" as Comment)

        try "groups:\n  - name: new\n    rules:\n      - record: new:two\n        expr: vector(2)\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(await HTTP.request(tm.base + "/-/reload", method: "POST")?.0 == 200)
        let after = await HTTP.request(tm.base + "/api/v1/rules")?.1 ?? ""
        #expect(after.contains(#""name":"new:two""#) && !after.contains("kept:one"), "\(after)")
    }

    /// Rules sharing a name (one alert at two severities) give one self-metric series, not two:
    /// a duplicate would be rejected when Tidemark scrapes itself.
    @Test func selfMetricsHaveNoDuplicateSeries() async throws {
        let file = NSTemporaryDirectory() + "tm-dup-rules-\(UUID().uuidString).yml"
        try """
            groups:
              - name: g
                rules:
                  - {alert: Burn, expr: vector(1) > 2, labels: {severity: page}}
                  - {alert: Burn, expr: vector(1) > 3, labels: {severity: ticket}}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let tm = try PeerProcess.tidemark(config: "global: {evaluation_interval: 1s}\nrule_files: ['\(file)']\n")
        defer { tm.stop() }
        try await tm.waitReady()
        let metrics = await HTTP.request(tm.base + "/metrics")?.1 ?? ""
        let series = metrics.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: " ").first }
        #expect(Set(series).count == series.count, "duplicate series in /metrics")
        #expect(series.contains { $0.hasPrefix("tidemark_rule_evaluation_failures_total{") && $0.contains("rule=\"Burn\"") })
    }
}
