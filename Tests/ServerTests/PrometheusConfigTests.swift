import Foundation
import Testing
import TSDB
@testable import Server

@Suite struct PrometheusConfigTests {
    static let full = """
    global:
      scrape_interval: 30s
      evaluation_interval: 1m
      external_labels:
        cluster: eu-1
    rule_files:
      - rules/*.yml
    remote_write:
      - url: http://example/api/v1/write
    scrape_configs:
      - job_name: node
        scrape_interval: 15s
        scrape_timeout: 5s
        metrics_path: /probe
        params:
          module: [http_2xx]
        honor_labels: true
        honor_timestamps: false
        sample_limit: 1000
        label_limit: 30
        body_size_limit: 10MB
        basic_auth:
          username: u
          password: p
        static_configs:
          - targets: ['localhost:9100', 'db:9100']
            labels:
              env: prod
        relabel_configs:
          - source_labels: [__address__]
            regex: '([^:]+):\\d+'
            target_label: host
        metric_relabel_configs:
          - source_labels: [__name__]
            regex: 'go_.*'
            action: drop
        kubernetes_sd_configs:
          - role: pod
        no_such_key: 1
      - job_name: files
        file_sd_configs:
          - files: ['targets/*.json']
            refresh_interval: 1m
    """

    @Test func readsEverySupportedKey() throws {
        let (c, warnings) = try PrometheusConfigLoader.parse(Self.full, baseDirectory: "/etc/tm")
        #expect(c.global.scrapeIntervalMs == 30_000)
        #expect(c.global.scrapeTimeoutMs == 10_000)
        #expect(c.global.externalLabels == [Label(name: "cluster", value: "eu-1")])
        #expect(c.ruleFiles == ["/etc/tm/rules/*.yml"])
        #expect(c.scrapeConfigs.count == 2)
        let n = c.scrapeConfigs[0]
        #expect(n.jobName == "node" && n.scrapeIntervalMs == 15_000 && n.scrapeTimeoutMs == 5_000)
        #expect(n.metricsPath == "/probe" && n.honorLabels && !n.honorTimestamps)
        #expect(n.params.count == 1 && n.params[0].0 == "module" && n.params[0].1 == ["http_2xx"])
        #expect(n.sampleLimit == 1000 && n.labelLimit == 30 && n.bodySizeLimit == 10 << 20)
        #expect(n.auth == .basic(username: "u", password: "p"))
        #expect(n.staticConfigs.first?.targets == ["localhost:9100", "db:9100"])
        #expect(n.relabelConfigs.count == 1 && n.metricRelabelConfigs.count == 1)
        let f = c.scrapeConfigs[1]
        // Inherits the global interval; the default timeout stays below it.
        #expect(f.scrapeIntervalMs == 30_000 && f.scrapeTimeoutMs == 10_000)
        #expect(f.fileSDConfigs.first?.files == ["/etc/tm/targets/*.json"])
        #expect(f.fileSDConfigs.first?.refreshIntervalMs == 60_000)
        // Known-but-unsupported and unknown keys are warnings that name them, not failures.
        #expect(warnings.contains { $0.contains("remote_write") && $0.contains("not supported") })
        #expect(warnings.contains { $0.contains("scrape_configs[0].kubernetes_sd_configs") })
        #expect(warnings.contains { $0.contains("scrape_configs[0].no_such_key") && $0.contains("unknown key") })
    }

    private func error(_ yaml: String) -> String? {
        do { _ = try PrometheusConfigLoader.parse(yaml, baseDirectory: "."); return nil } catch { return "\(error)" }
    }

    @Test func invalidValuesNameTheKey() {
        #expect(error("global:\n  scrape_interval: soon\n")?.contains("global.scrape_interval") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n    scrape_interval: 5s\n    scrape_timeout: 10s\n")?
            .contains("scrape timeout greater than scrape interval") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n  - job_name: a\n")?.contains("multiple scrape configs") == true)
        #expect(error("scrape_configs:\n  - scrape_interval: 5s\n")?.contains("scrape_configs[0].job_name: is required") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n    scheme: ftp\n")?.contains("scheme") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['http://x:1/metrics']\n")?
            .contains("not a valid target address") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n    honor_labels: maybe\n")?.contains("honor_labels") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n    sample_limit: -3\n")?.contains("sample_limit") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n    relabel_configs:\n      - action: explode\n")?
            .contains("unknown relabel action") == true)
        #expect(error("scrape_configs:\n  - job_name: a\n    basic_auth: {username: u, password: p}\n    bearer_token: t\n")?
            .contains("at most one of") == true)
        #expect(error("global: [1, 2]\n")?.contains("global: expected a mapping") == true)
        #expect(error("scrape_configs: {a: 1\n")?.contains("not valid YAML") == true)
        // Errors carry the line of the offending key.
        #expect(error("global:\n  scrape_interval: 15s\n  evaluation_interval: x\n")?.contains("line 3") == true)
    }

    @Test func reloadingTheSameFileGivesEqualScrapeConfigs() throws {
        // A reload restarts a target's loop only when its scrape config changed.
        let a = try PrometheusConfigLoader.parse(Self.full, baseDirectory: "/etc/tm").config
        let b = try PrometheusConfigLoader.parse(Self.full, baseDirectory: "/etc/tm").config
        #expect(a.scrapeConfigs == b.scrapeConfigs)
        let c = try PrometheusConfigLoader.parse(Self.full.replacingOccurrences(of: "sample_limit: 1000", with: "sample_limit: 10"),
                                                 baseDirectory: "/etc/tm").config
        #expect(a.scrapeConfigs[0] != c.scrapeConfigs[0] && a.scrapeConfigs[1] == c.scrapeConfigs[1])
    }

    @Test func credentialFilesAreReadForEveryRequestAndComparedByPath() throws {
        let dir = NSTemporaryDirectory() + "tm-cred-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "pw1\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        try "cred1\n".write(toFile: dir + "/cred", atomically: true, encoding: .utf8)
        let yaml = """
            scrape_configs:
              - job_name: a
                basic_auth: {username: u, password_file: pw}
              - job_name: b
                authorization: {type: Token, credentials_file: cred}
            """
        let first = try PrometheusConfigLoader.parse(yaml, baseDirectory: dir).config
        let basic = try #require(first.scrapeConfigs[0].auth), token = try #require(first.scrapeConfigs[1].auth)
        #expect(try basic.headerValue() == "Basic " + Base64.encode(Array("u:pw1".utf8)))
        #expect(try token.headerValue() == "Token cred1")
        try "pw2\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        try "cred2\n".write(toFile: dir + "/cred", atomically: true, encoding: .utf8)
        #expect(try basic.headerValue() == "Basic " + Base64.encode(Array("u:pw2".utf8)), "read again, no reload")
        #expect(try token.headerValue() == "Token cred2")
        // Reloaded after the rotation: the same configuration (scrape loops are not restarted).
        let second = try PrometheusConfigLoader.parse(yaml, baseDirectory: dir).config
        #expect(second.scrapeConfigs == first.scrapeConfigs)
        // Gone since: the request that needs it fails, naming the file.
        try FileManager.default.removeItem(atPath: dir + "/pw")
        #expect { try basic.headerValue() } throws: { "\($0)".contains("unable to read basic auth password file \(dir)/pw") }
    }

    @Test func emptyConfigGetsDefaults() throws {
        let (c, w) = try PrometheusConfigLoader.parse("", baseDirectory: ".")
        #expect(c.global.scrapeIntervalMs == 60_000 && c.scrapeConfigs.isEmpty && w.isEmpty)
    }

    @Test func defaultConfigScrapesItself() throws {
        let (c, _) = try PrometheusConfigLoader.parse(DefaultConfig.yaml(listenAddress: "0.0.0.0:9090", nodeExporter: true), baseDirectory: ".")
        #expect(c.scrapeConfigs.map(\.jobName) == ["tidemark", "node"])
        #expect(c.scrapeConfigs[0].staticConfigs[0].targets == ["localhost:9090"])
    }

    @Test(arguments: [(":9090", "localhost:9090"), ("0.0.0.0:9091", "localhost:9091"), ("[::]:9092", "localhost:9092"),
                      ("127.0.0.1:9093", "127.0.0.1:9093"), ("[::1]:9094", "[::1]:9094")])
    func defaultConfigReachesItsOwnListener(listen: String, target: String) {
        #expect(DefaultConfig.selfScrapeTarget(listen) == target)
    }

    @Test func fileSDGroupsParseFromJSONAndYAML() throws {
        let dir = NSTemporaryDirectory() + "tm-sd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"[{"targets": ["a:1", "b:2"], "labels": {"env": "x"}}]"#.write(toFile: dir + "/t.json", atomically: true, encoding: .utf8)
        try "- targets: ['c:3']\n".write(toFile: dir + "/t.yml", atomically: true, encoding: .utf8)
        let reader = FileSDReader()
        var errors: [String] = []
        let groups = reader.read(FileSDConfig(files: [dir + "/*.json", dir + "/*.yml"]), errors: &errors)
        #expect(errors.isEmpty)
        #expect(groups.flatMap(\.targets).sorted() == ["a:1", "b:2", "c:3"])
        #expect(groups.first { $0.targets.contains("a:1") }?.labels.contains(Label(name: "env", value: "x")) == true)
        // A broken file keeps its last good groups and reports the error.
        try "[{".write(toFile: dir + "/t.json", atomically: true, encoding: .utf8)
        let again = reader.read(FileSDConfig(files: [dir + "/*.json"]), errors: &errors)
        #expect(errors.count == 1 && again.flatMap(\.targets).sorted() == ["a:1", "b:2"])
    }
}
