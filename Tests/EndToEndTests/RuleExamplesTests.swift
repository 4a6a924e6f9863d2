import Foundation
import Testing

/// The example rules in `rules/`: `tidemark rules check/test` and Prometheus' own `promtool check
/// rules/test rules` must both accept every file, so the examples mean the same to both.
@Suite struct RuleExamplesTests {
    static let rulesDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("rules").path

    static func run(_ binary: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: rulesDir)
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func files(_ suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: rulesDir).filter { $0.hasSuffix(suffix) }.sorted()
    }

    @Test func everyExampleCheckAndTestPassesInBoth() throws {
        let tidemark = try #require(ProductLocator.path(of: "tidemark"))
        let ruleFiles = try Self.files(".rules.yml"), testFiles = try Self.files(".test.yml")
        #expect(ruleFiles.count >= 5 && testFiles.count == ruleFiles.count, "every rule file has its tests")
        let check = try Self.run(tidemark, ["rules", "check"] + ruleFiles)
        #expect(check.status == 0, "\(check.output)")
        let test = try Self.run(tidemark, ["rules", "test"] + testFiles)
        #expect(test.status == 0, "\(test.output)")
        #expect(test.output.components(separatedBy: "SUCCESS").count - 1 == testFiles.count)
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "install prometheus (make test does)")
        let pcheck = try Self.run("/usr/bin/promtool", ["check", "rules"] + ruleFiles)
        #expect(pcheck.status == 0, "\(pcheck.output)")
        let ptest = try Self.run("/usr/bin/promtool", ["test", "rules"] + testFiles)
        #expect(ptest.status == 0, "\(ptest.output)")
    }

    /// A broken test expectation fails in both tools, so the agreement above is not vacuous.
    @Test func aWrongExpectationFailsInBoth() throws {
        let tidemark = try #require(ProductLocator.path(of: "tidemark"))
        let broken = NSTemporaryDirectory() + "tm-broken-\(UUID().uuidString).test.yml"
        try """
            rule_files: ['\(Self.rulesDir)/node.rules.yml']
            evaluation_interval: 1m
            tests:
              - interval: 1m
                input_series:
                  - series: 'up{job="node", instance="h:9100"}'
                    values: '0x10'
                alert_rule_test:
                  - eval_time: 10m
                    alertname: NodeExporterDown
                    exp_alerts: []
            """.write(toFile: broken, atomically: true, encoding: .utf8)
        #expect(try Self.run(tidemark, ["rules", "test", broken]).status == 1)
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
            #expect(try Self.run("/usr/bin/promtool", ["test", "rules", broken]).status == 1)
        }
    }
}
