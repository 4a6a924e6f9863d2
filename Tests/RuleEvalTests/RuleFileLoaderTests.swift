import Foundation
import RuleEval
import Testing
import TSDB

/// Rule files as `promtool check rules` validates them, over the upstream corpus.
@Suite struct RuleFileLoaderTests {
    static let rulefmt = ConformanceData.rules + "/rulefmt"

    /// Every `*.bad.yaml` is rejected with the reason the corpus names; the valid files load.
    @Test(arguments: [
        ("bad_expr.bad.yaml", "expected type range vector in call to function \"rate\""),
        ("bad_field.bad.yaml", "field annotation not found"),
        ("duplicate_grp.bad.yaml", "groupname: \"yolo\" is repeated in the same file"),
        ("invalid_label_name.bad.yaml", "invalid label name: __name__"),
        ("invalid_record_name.bad.yaml", "invalid recording rule name: strawberry{flavor=\"sweet\"}"),
        ("legacy_validation_annotation.bad.yaml", "invalid annotation name: ins-tance"),
        ("no_rec_alert.bad.yaml", "one of 'record' or 'alert' must be set"),
        ("noexpr.bad.yaml", "field 'expr' must be set in rule"),
        ("record_and_alert.bad.yaml", "only one of 'record' and 'alert' must be set"),
        ("record_and_for.bad.yaml", "invalid field 'for' in recording rule"),
        ("record_and_keep_firing_for.bad.yaml", "invalid field 'keep_firing_for' in recording rule"),
        // The corpus' version trap: valid under 3.x UTF-8 names, invalid in 2.42 (whose rules Tidemark follows).
        ("utf-8_annotation.good.yaml", "invalid annotation name: ins-tance"),
        ("utf-8_lname.good.yaml", "invalid label name: ins-tance"),
    ])
    func rejected(file: String, reason: String) throws {
        #expect(throws: RuleFileError.self) { try RuleFileLoader.load(path: Self.rulefmt + "/" + file) }
        do {
            _ = try RuleFileLoader.load(path: Self.rulefmt + "/" + file)
        } catch {
            #expect(error.description.contains(reason), "\(file): \(error.description)")
            #expect(error.description.hasPrefix(Self.rulefmt + "/" + file + ": "))
        }
    }

    @Test func validFilesLoad() throws {
        let test = try RuleFileLoader.load(path: Self.rulefmt + "/test.yaml")
        #expect(test.ruleCount > 5)
        let aliases = try RuleFileLoader.load(path: Self.rulefmt + "/test_aliases.yaml")
        let merged = try #require(aliases.groups.first?.rules.first { $0.name == "HighAlert2" })
        #expect(merged.kind == .alerting && merged.forMs == 300_000 && merged.labelPairs == [Label(name: "severity", value: "critical")],
                "the `<<: *highalert` merge key brings the anchored rule's fields")
        _ = try RuleFileLoader.load(path: Self.rulefmt + "/legacy_validation_annotation.good.yaml")
        let rules = try RuleFileLoader.load(path: ConformanceData.rules + "/rules.yml")
        #expect(rules.ruleCount == 5)
        #expect(rules.groups.map(\.name) == ["alerts", "rules"])
        let alert = try #require(rules.groups.first?.rules.first)
        #expect(alert.kind == .alerting && alert.name == "InstanceDown" && alert.forMs == 300_000)
        #expect(alert.labelPairs == [Label(name: "severity", value: "page")])
        #expect(try RuleFileLoader.load(path: ConformanceData.rules + "/prometheus-config.rules.good.yml").ruleCount == 0)
        #expect(try RuleFileLoader.load(path: ConformanceData.rules + "/rules_large.yml").ruleCount == 10_002)
    }

    /// A template that uses an undefined variable is a load-time error naming group, rule and annotation.
    @Test func badTemplateRejected() {
        do {
            _ = try RuleFileLoader.load(path: ConformanceData.rules + "/rules-bad.yml")
            Issue.record("rules-bad.yml loaded")
        } catch {
            #expect(error.description.contains("group \"alerts\", rule 1, \"InstanceDown\""), "\(error)")
            #expect(error.description.contains("$label"), "\(error)")
        }
    }

    /// Unknown keys fail unless ignored (promtool's --ignore-unknown-fields).
    @Test func unknownFields() throws {
        let path = ConformanceData.rules + "/rules_extrafields.yml"
        #expect(throws: RuleFileError.self) { try RuleFileLoader.load(path: path) }
        var o = RuleFileLoader.Options()
        o.ignoreUnknownFields = true
        #expect(try RuleFileLoader.load(path: path, options: o).ruleCount == 5)
    }

    @Test func groupSettings() throws {
        let f = try RuleFileLoader.parse("""
            groups:
              - name: g
                interval: 30s
                limit: 10
                query_offset: 1m
                labels: {team: db}
                rules:
                  - alert: A
                    expr: up == 0
                    for: 5m
                    keep_firing_for: 10m
            """, file: "inline.yml")
        let g = try #require(f.groups.first)
        #expect(g.intervalMs == 30_000 && g.limit == 10 && g.queryOffsetMs == 60_000 && g.labels == [Label(name: "team", value: "db")])
        #expect(g.rules.first?.keepFiringForMs == 600_000)
        #expect(throws: RuleFileError.self) {
            try RuleFileLoader.parse("groups:\n  - name: g\n    interval: fast\n    rules: []\n", file: "x.yml")
        }
        #expect(throws: RuleFileError.self) { try RuleFileLoader.parse("groups: [", file: "x.yml") }
    }
}
