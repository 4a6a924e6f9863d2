import Foundation
import RuleEval
import Testing

/// `tidemark rules test` over the upstream corpus: each file passes or fails as upstream (3.x)
/// expects, and failures are worded as promtool words them.
@Suite struct RuleUnitTestCorpusTests {
    static func run(_ file: String, run: [String] = [], ignoreUnknown: Bool = false) -> RuleUnitTester.FileOutcome {
        var o = RuleUnitTester.Options()
        o.run = run
        o.ignoreUnknownFields = ignoreUnknown
        return RuleUnitTester(options: o).run(file: ConformanceData.rules + "/" + file)
    }

    @Test(arguments: [
        "long-period.yml", "at-modifier-test.yml", "negative-offset-test.yml", "no-test-group-interval.yml", "start-time-test.yml",
    ])
    func passes(file: String) {
        let outcome = Self.run(file)
        #expect(outcome.passed, "\(file): \(outcome.failures)")
    }

    @Test(arguments: ["failing.yml", "bad-input-series.yml", "bad-promql.yml", "bad-rules-syntax-test.yml", "bad-rules-error-test.yml",
                      "rules_run_no_fuzzy.yml"])
    func fails(file: String) {
        let outcome = Self.run(file)
        #expect(!outcome.passed && !outcome.failures.isEmpty, "\(file) passed")
    }

    /// unittest.yml passes except its native-histogram expectations, which Tidemark does not store.
    @Test func unittestPassesExceptNativeHistograms() {
        let outcome = Self.run("unittest.yml")
        #expect(outcome.failures.count == 3, "\(outcome.failures)")
        #expect(outcome.failures.allSatisfy { $0.contains("native histograms") }, "\(outcome.failures)")
    }

    @Test func runFilterAndFuzzy() {
        #expect(!Self.run("rules_run.yml").passed)
        #expect(Self.run("rules_run.yml", run: ["correct"]).passed)
        #expect(!Self.run("rules_run.yml", run: ["wrong"]).passed)
        #expect(Self.run("rules_run_fuzzy.yml", run: ["correct"]).passed)
        #expect(!Self.run("rules_run_fuzzy.yml", run: ["wrong"]).passed)
        #expect(!Self.run("rules_run_extrafields.yml").passed)
        #expect(Self.run("rules_run_extrafields.yml", ignoreUnknown: true).passed)
    }

    /// The failure text promtool 2.42 prints for failing.yml, line for line.
    @Test func failureWording() {
        let f = Self.run("failing.yml").failures
        #expect(f.count == 4)
        #expect(f.first == """
                name: Failing test,
                alertname: Test, time: 0s, \n        exp:[
                        0:
                          Labels:{alertname="Test"}
                          Annotations:{}
                        ], \n        got:[]
            """)
        #expect(f.contains("""
                expr: "test", time: 0s,
                    exp: {__name__="test"} 1E+00
                    got: {__name__="test"} 0E+00
            """))
        #expect(f.contains { $0.contains("Labels:{alertname=\"InstanceDown\", job=\"test\", severity=\"page\"}")
                && $0.contains("Annotations:{description=\" of job test has been down for more than 5 minutes.\", summary=\"Instance  down\"}") })
        let syntax = Self.run("bad-rules-syntax-test.yml").failures
        #expect(syntax.first?.contains("bad-rules-syntax.yml: 7:15: group \"bad-syntax\", rule 1, \"x\": could not parse expression: 1:7: parse error") == true,
                "\(syntax)")
        let evalError = Self.run("bad-rules-error-test.yml").failures
        #expect(evalError.first?.hasPrefix("    rule: joined, time: 0s, err: found duplicate series for the match group") == true, "\(evalError)")
    }

    @Test func goFormatting() {
        #expect(GoFormat.floatE(1) == "1E+00")
        #expect(GoFormat.floatE(3600) == "3.6E+03")
        #expect(GoFormat.floatE(0.0001) == "1E-04")
        #expect(GoFormat.floatE(2.9999999999999996) == "2.9999999999999996E+00")
        #expect(GoFormat.floatE(-1.5e300) == "-1.5E+300")
        #expect(GoFormat.floatE(0) == "0E+00")
        #expect(GoFormat.floatE(.nan) == "NaN" && GoFormat.floatE(-.infinity) == "-Inf")
        #expect(GoFormat.modelDuration(9_218_880_000_000) == "106700d")
        #expect(GoFormat.modelDuration(299_000) == "4m59s")
        #expect(GoFormat.timeDuration(0) == "0s" && GoFormat.timeDuration(60_000) == "1m0s" && GoFormat.timeDuration(3_600_000) == "1h0m0s")
        #expect(GoFormat.timeDuration(1500) == "1.5s" && GoFormat.timeDuration(500) == "500ms")
        #expect(GoFormat.quote("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"")
    }
}
