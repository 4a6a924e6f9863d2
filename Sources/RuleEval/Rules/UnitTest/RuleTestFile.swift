import Foundation
import TSDB
import Yams

/// A rule unit-test file in `promtool test rules` format: rule files, an evaluation interval,
/// and test groups of input series with expected alerts and expression results.
public struct RuleTestFile: Sendable {
    public var ruleFiles: [String] = []
    /// ms; default 1m.
    public var evaluationIntervalMs: Int64 = 60_000
    public var groupEvalOrder: [String] = []
    /// Floats also equal when one ULP apart.
    public var fuzzyCompare = false
    public var tests: [TestGroup] = []

    /// One `tests:` entry.
    public struct TestGroup: Sendable {
        public var name = ""
        /// Spacing of input samples, ms (default: the evaluation interval).
        public var intervalMs: Int64?
        public var inputSeries: [InputSeries] = []
        /// t = 0 of the test, ms since the epoch.
        public var startMs: Int64 = 0
        public var externalLabels: [Label] = []
        public var externalURL = ""
        public var alertTests: [AlertTest] = []
        public var exprTests: [ExprTest] = []
    }

    /// An `input_series` entry: labels and expanded values.
    public struct InputSeries: Sendable {
        public var labels: Labels
        public var slots: [SeriesNotation.Slot]
    }

    /// An `alert_rule_test` entry.
    public struct AlertTest: Sendable {
        public var evalTimeMs: Int64
        public var alertname: String
        public var expected: [(labels: [Label], annotations: [Label])]
    }

    /// A `promql_expr_test` entry.
    public struct ExprTest: Sendable {
        public var expr: String
        public var evalTimeMs: Int64
        /// Expected samples: the label text as written and the value (or a native histogram, as written).
        public var expected: [(labels: String, value: Double, histogram: String?)]
    }

    static let fileKeys: Set<String> = ["rule_files", "evaluation_interval", "group_eval_order", "tests", "fuzzy_compare"]
    static let groupKeys: Set<String> = ["name", "interval", "input_series", "start_timestamp", "external_labels", "external_url",
                                         "alert_rule_test", "promql_expr_test"]

    /// Parses a test file; unknown keys are errors unless `ignoreUnknownFields`.
    public static func parse(_ text: String, ignoreUnknownFields: Bool) throws(RuleTestError) -> RuleTestFile {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw RuleTestError("yaml: \(error)") }
        var f = RuleTestFile()
        guard let top = root?.mapping else { return f }
        var unknown: [String] = []
        func checkKeys(_ m: Node.Mapping, _ known: Set<String>, _ type: String) {
            guard !ignoreUnknownFields else { return }
            for (k, _) in m where !known.contains(k.string ?? "") {
                unknown.append("  line \(k.mark?.line ?? 0): field \(k.string ?? "?") not found in type \(type)")
            }
        }
        checkKeys(top, fileKeys, "unitTestFile")
        f.ruleFiles = top["rule_files"]?.sequence?.compactMap(\.string) ?? []
        if let s = top["evaluation_interval"]?.string { f.evaluationIntervalMs = try duration(s) }
        f.groupEvalOrder = top["group_eval_order"]?.sequence?.compactMap(\.string) ?? []
        f.fuzzyCompare = top["fuzzy_compare"]?.bool ?? false
        for t in top["tests"]?.sequence.map(Array.init) ?? [] {
            guard let m = t.mapping else { continue }
            checkKeys(m, groupKeys, "testGroup")
            var g = TestGroup()
            g.name = m["name"]?.string ?? ""
            if let s = m["interval"]?.string { g.intervalMs = try duration(s) }
            if let s = m["start_timestamp"]?.string { g.startMs = try timestamp(s) }
            g.externalURL = m["external_url"]?.string ?? ""
            for (k, v) in m["external_labels"]?.mapping ?? [:] {
                g.externalLabels.append(Label(name: k.string ?? "", value: v.string ?? ""))
            }
            g.externalLabels.sort()
            for s in m["input_series"]?.sequence.map(Array.init) ?? [] {
                guard let sm = s.mapping else { continue }
                checkKeys(sm, ["series", "values"], "series")
                g.inputSeries.append(try inputSeries(sm["series"]?.string ?? "", sm["values"]?.string ?? ""))
            }
            for a in m["alert_rule_test"]?.sequence.map(Array.init) ?? [] {
                guard let am = a.mapping else { continue }
                checkKeys(am, ["eval_time", "alertname", "exp_alerts"], "alertTestCase")
                var test = AlertTest(evalTimeMs: try duration(am["eval_time"]?.string ?? "0"), alertname: am["alertname"]?.string ?? "",
                                     expected: [])
                for e in am["exp_alerts"]?.sequence.map(Array.init) ?? [] {
                    guard let em = e.mapping else { continue }
                    checkKeys(em, ["exp_labels", "exp_annotations"], "alert")
                    test.expected.append((pairs(em["exp_labels"]), pairs(em["exp_annotations"])))
                }
                g.alertTests.append(test)
            }
            for e in m["promql_expr_test"]?.sequence.map(Array.init) ?? [] {
                guard let em = e.mapping else { continue }
                checkKeys(em, ["expr", "eval_time", "exp_samples"], "promqlTestCase")
                var test = ExprTest(expr: em["expr"]?.string ?? "", evalTimeMs: try duration(em["eval_time"]?.string ?? "0"), expected: [])
                for s in em["exp_samples"]?.sequence.map(Array.init) ?? [] {
                    guard let sm = s.mapping else { continue }
                    checkKeys(sm, ["labels", "value", "histogram"], "sample")
                    let text = sm["value"]?.string ?? "0"
                    guard let v = number(text) else { throw RuleTestError("line \(s.mark?.line ?? 0): \"\(text)\" is not a number") }
                    test.expected.append((sm["labels"]?.string ?? "", v, sm["histogram"]?.string))
                }
                g.exprTests.append(test)
            }
            f.tests.append(g)
        }
        if !unknown.isEmpty { throw RuleTestError((["yaml: unmarshal errors:"] + unknown).joined(separator: "\n")) }
        return f
    }

    static func pairs(_ n: Node?) -> [Label] {
        (n?.mapping ?? [:]).map { Label(name: $0.key.string ?? "", value: $0.value.string ?? "") }.sorted()
    }

    static func duration(_ s: String) throws(RuleTestError) -> Int64 {
        do { return try DurationParser.milliseconds(s) } catch { throw RuleTestError("not a valid duration string: \"\(s)\"") }
    }

    /// Unix seconds (fractions allowed) or an RFC 3339 time, as `start_timestamp` takes them.
    static func timestamp(_ s: String) throws(RuleTestError) -> Int64 {
        if let v = Double(s), v.isFinite, abs(v) < 9e15 { return Int64((v * 1000).rounded()) }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: s) ?? ISO8601DateFormatter().date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        throw RuleTestError("start_timestamp: \"\(s)\" is neither Unix seconds nor an RFC 3339 time")
    }

    /// A YAML float as Go reads it into a float64 (`.inf`, `-.Inf`, `.nan` included).
    static func number(_ s: String) -> Double? {
        switch s.lowercased() {
        case ".inf", "+.inf": return .infinity
        case "-.inf": return -.infinity
        case ".nan": return .nan
        default: return SeriesNotation.Numbers.goNumber(s)
        }
    }

    /// `series: 'name{a="b"}'`, `values: '1+1x3 _ stale'`.
    static func inputSeries(_ selector: String, _ values: String) throws(RuleTestError) -> InputSeries {
        do {
            let d = try SeriesNotation.SeriesDescription.parse(Array(selector.utf8))
            let labels = try Labels(validating: d.labels)
            let slots = try SeriesNotation.ValueSequence.expand(try SeriesNotation.ValueSequence.tokens(values))
            return InputSeries(labels: labels, slots: slots)
        } catch let e as SeriesNotationError {
            throw RuleTestError("series \(selector): \(e.message)")
        } catch {
            throw RuleTestError("series \(selector): \(error)")
        }
    }
}

/// A test file or group that cannot run, or a failed expectation, formatted as promtool does.
public struct RuleTestError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
