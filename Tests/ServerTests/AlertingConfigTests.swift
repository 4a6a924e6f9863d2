import Foundation
import Logging
import RuleEval
import Testing
import TSDB
@testable import Server

/// The `alerting:` section and rule settings of `prometheus.yml`, and the v2 body sent to Alertmanager.
@Suite struct AlertingConfigTests {
    static func parse(_ yaml: String) throws -> PrometheusConfig {
        try PrometheusConfigLoader.parse(yaml, baseDirectory: "/etc/tm").config
    }

    @Test func readsAlertmanagersAndRelabeling() throws {
        let c = try Self.parse("""
            global:
              rule_query_offset: 30s
            rule_files: ['rules/*.rules.yml']
            alerting:
              alert_relabel_configs:
                - action: labeldrop
                  regex: replica
              alertmanagers:
                - scheme: https
                  path_prefix: /am/
                  timeout: 5s
                  api_version: v2
                  basic_auth: {username: u, password: p}
                  static_configs:
                    - targets: ['am-1:9093', 'am-2:9093']
            """)
        #expect(c.global.ruleQueryOffsetMs == 30_000)
        #expect(c.ruleFiles == ["/etc/tm/rules/*.rules.yml"])
        let am = try #require(c.alerting.alertmanagers.first)
        #expect(am.urls == ["https://am-1:9093/am/api/v2/alerts", "https://am-2:9093/am/api/v2/alerts"])
        #expect(am.timeoutMs == 5_000 && am.auth == .basic(username: "u", password: "p"))
        #expect(c.alerting.relabelConfigs.count == 1)
    }

    @Test func invalidAlertingNamesTheKey() {
        func error(_ yaml: String) -> String? {
            do { _ = try Self.parse(yaml); return nil } catch { return "\(error)" }
        }
        #expect(error("alerting:\n  alertmanagers:\n    - api_version: v1\n")?.contains("alerting.alertmanagers[0].api_version") == true)
        #expect(error("alerting:\n  alertmanagers:\n    - timeout: soon\n")?.contains("alerting.alertmanagers[0].timeout") == true)
        #expect(error("alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['http://am:9093/']\n")?
            .contains("not a valid Alertmanager address") == true)
        #expect(error("alerting:\n  alert_relabel_configs:\n    - action: explode\n")?.contains("unknown relabel action") == true)
    }

    /// YAML anchors and merge keys, as users share settings between entries.
    @Test func mergeKeys() throws {
        let c = try Self.parse("""
            x-common: &common
              scrape_interval: 5s
              metrics_path: /m
            scrape_configs:
              - <<: *common
                job_name: a
              - <<: *common
                job_name: b
                metrics_path: /other
            """)
        #expect(c.scrapeConfigs.map(\.scrapeIntervalMs) == [5_000, 5_000])
        #expect(c.scrapeConfigs.map(\.metricsPath) == ["/m", "/other"])
    }

    @Test func alertmanagerBody() throws {
        let a = AlertNotification(labels: try Labels(["alertname": "Down", "job": "x\"y"]), annotations: [Label(name: "summary", value: "s")],
                                  startsAt: 1_700_000_000_000, endsAt: 1_700_000_240_500, generatorURL: "http://h/graph?g0.expr=up")
        let text = String(decoding: AlertmanagerNotifier.encode([a]), as: UTF8.self)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(json.count == 1)
        #expect((json[0]["labels"] as? [String: String]) == ["alertname": "Down", "job": "x\"y"])
        #expect((json[0]["annotations"] as? [String: String]) == ["summary": "s"])
        #expect(json[0]["startsAt"] as? String == "2023-11-14T22:13:20.000Z")
        #expect(json[0]["endsAt"] as? String == "2023-11-14T22:17:20.500Z")
        #expect(json[0]["generatorURL"] as? String == "http://h/graph?g0.expr=up")
    }

    /// The queue is bounded: beyond its capacity the oldest alerts are dropped and counted.
    @Test func queueOverflowDropsTheOldestAndCountsThem() async throws {
        var quiet = Logger(label: "notifier-test")
        quiet.logLevel = .critical
        let n = AlertmanagerNotifier(capacity: 2, logger: quiet)
        var config = AlertingConfig()
        // Nothing listens there; the batch taken meanwhile fails, which is not what is counted here.
        config.alertmanagers = [AlertmanagerConfig(targets: ["127.0.0.1:9"])]
        await n.apply(config, externalLabels: [])
        let alerts = try (0..<5).map { i in
            AlertNotification(labels: try Labels(["alertname": "A\(i)"]), annotations: [], startsAt: 0, endsAt: 1, generatorURL: "")
        }
        await n.send(alerts)
        #expect(n.stats.withLock { $0.dropped } >= 3)
        await n.shutdown()
    }
}
