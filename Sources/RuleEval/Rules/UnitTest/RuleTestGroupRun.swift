import Foundation
import Logging
import TSDB

/// One test group of a rule unit-test file: loads its rules into a fresh store, steps time from
/// t=0 to the last `eval_time` at the evaluation interval (input samples become visible as time
/// reaches them, every group evaluates at every step), checks alerts on the way and expressions at
/// the end. Failures are worded as promtool words them.
struct RuleTestGroupRun {
    let file: RuleTestFile
    let group: RuleTestFile.TestGroup
    let ruleFiles: [String]
    let options: RuleUnitTester.Options

    func run() -> [String] {
        let interval = file.evaluationIntervalMs
        let inputInterval = group.intervalMs ?? interval
        guard interval > 0, inputInterval > 0 else { return ["evaluation_interval and interval must be positive"] }
        var defs: [RuleGroupDefinition] = []
        var errors: [String] = []
        var loadOptions = RuleFileLoader.Options()
        loadOptions.ignoreUnknownFields = options.ignoreUnknownFields
        for f in ruleFiles {
            do { defs += try RuleFileLoader.load(path: f, options: loadOptions).groups } catch { errors.append(error.description) }
        }
        if !errors.isEmpty { return errors }
        for name in file.groupEvalOrder where !defs.contains(where: { $0.name == name }) {
            return ["group \"\(name)\" of group_eval_order is not in the rule files"]
        }
        // group_eval_order first, in its order; the others after, in file order.
        let order = Dictionary(file.groupEvalOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let ordered = defs.enumerated().sorted { a, b in
            (order[a.element.name] ?? Int.max, a.offset) < (order[b.element.name] ?? Int.max, b.offset)
        }.map(\.element)

        let dir = NSTemporaryDirectory() + "tidemark-ruletest-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let db: DB
        do {
            var o = DBOptions()
            o.walSync = .never
            db = try DB.open(directory: dir, options: o, logger: Logger(label: "tidemark.ruletest", factory: { _ in SwiftLogNoOpLogHandler() }))
        } catch {
            return ["cannot open a temporary store: \(error)"]
        }
        defer { try? db.close() }
        var engineOptions = EngineOptions()
        engineOptions.defaultSubqueryStepMs = interval
        let engine = PromQLEngine(storage: db, options: engineOptions)
        let env = RuleEnvironment(engine: engine, storage: db, externalLabels: group.externalLabels, externalURL: group.externalURL)
        let groups = ordered.map { RuleGroup($0, defaultIntervalMs: inputInterval) }

        if let missing = group.alertTests.first(where: { $0.alertname.isEmpty }) {
            let inGroup = group.name.isEmpty ? "" : " (in TestGroup \(group.name))"
            return ["an item under alert_rule_test misses required attribute alertname at eval_time \(GoFormat.modelDuration(missing.evalTimeMs))\(inGroup)"]
        }
        let mint = group.startMs
        let maxEval = max(group.alertTests.map(\.evalTimeMs).max() ?? 0, group.exprTests.map(\.evalTimeMs).max() ?? 0)
        var loader = InputLoader(series: group.inputSeries, start: mint, interval: inputInterval)
        let alertTimes = Array(Set(group.alertTests.map(\.evalTimeMs))).sorted()
        var nextAlertTime = 0
        var failures: [String] = []
        var ts: Int64 = 0
        while ts <= maxEval {
            if let e = loader.load(through: mint + ts, into: db) { return failures + [e] }
            var evalErrors: [String] = []
            for g in groups {
                _ = g.evaluate(at: mint + ts, env: env)
                for r in g.rules where r.record.health == .err {
                    evalErrors.append("    rule: \(r.definition.name), time: \(GoFormat.timeDuration(ts)), err: \(r.record.lastError ?? "")")
                }
            }
            if !evalErrors.isEmpty { return failures + evalErrors }
            while nextAlertTime < alertTimes.count, ts <= alertTimes[nextAlertTime], alertTimes[nextAlertTime] < ts + interval {
                failures += checkAlerts(at: alertTimes[nextAlertTime], groups: groups)
                nextAlertTime += 1
            }
            let (next, overflow) = ts.addingReportingOverflow(interval)
            if overflow { break }
            ts = next
        }
        if let e = loader.load(through: mint + maxEval, into: db) { return failures + [e] }
        for t in group.exprTests { failures += checkExpression(t, engine: engine, mint: mint) }
        return failures
    }

    typealias LabeledAlert = (labels: [Label], annotations: [Label])

    func checkAlerts(at t: Int64, groups: [RuleGroup]) -> [String] {
        var failures: [String] = []
        for test in group.alertTests where test.evalTimeMs == t {
            var got: [LabeledAlert] = []
            for g in groups {
                for r in g.alertingRules where r.definition.name == test.alertname {
                    got += r.alerts.filter { $0.state == .firing }.map { ($0.labels.pairs, $0.annotations) }
                }
            }
            var exp: [LabeledAlert] = test.expected.map { e in
                var l = e.labels.filter { $0.name != "alertname" }
                l.append(Label(name: "alertname", value: test.alertname))
                return (l.sorted(), e.annotations)
            }
            got.sort(by: Self.less)
            exp.sort(by: Self.less)
            let same = got.count == exp.count && zip(got, exp).allSatisfy { $0.labels == $1.labels && $0.annotations == $1.annotations }
            if !same {
                let name = group.name.isEmpty ? "" : "    name: \(group.name),\n"
                failures.append("\(name)    alertname: \(test.alertname), time: \(GoFormat.modelDuration(t)), \n        exp:"
                    + Self.indent(Self.describe(exp), "            ") + ", \n        got:" + Self.indent(Self.describe(got), "            "))
            }
        }
        return failures
    }

    static func less(_ a: LabeledAlert, _ b: LabeledAlert) -> Bool {
        if a.labels != b.labels { return a.labels.lexicographicallyPrecedes(b.labels) }
        return a.annotations.lexicographicallyPrecedes(b.annotations)
    }

    static func describe(_ alerts: [LabeledAlert]) -> String {
        guard !alerts.isEmpty else { return "[]" }
        var s = "["
        for (i, a) in alerts.enumerated() {
            s += (i == 0 ? "\n" : ",\n") + "\(i):" + indent("\nLabels:" + GoFormat.labels(a.labels) + "\nAnnotations:" + GoFormat.labels(a.annotations), "  ")
        }
        return s + "\n]"
    }

    static func indent(_ text: String, _ prefix: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { $0.offset == 0 ? String($0.element) : prefix + $0.element }
            .joined(separator: "\n")
    }

    func checkExpression(_ t: RuleTestFile.ExprTest, engine: PromQLEngine, mint: Int64) -> [String] {
        let head = "    expr: \(GoFormat.quote(t.expr)), time: \(GoFormat.modelDuration(t.evalTimeMs))"
        var got: [(labels: [Label], value: Double)]
        do {
            let expr = try engine.parse(t.expr)
            let result = try engine.instantOnCurrentThread(expr, at: mint + t.evalTimeMs)
            switch result.value {
            case .vector(let v): got = v.map { ($0.labels.pairs, $0.v) }
            case .scalar(_, let v): got = [([], v)]
            default: return ["\(head), err: rule result is not a vector or scalar"]
            }
        } catch {
            return ["\(head), err: \(error)"]
        }
        var exp: [(labels: [Label], value: Double)] = []
        for e in t.expected {
            if e.histogram != nil {
                return ["\(head), err: native histograms are not supported by Tidemark (exp_samples with histogram:)"]
            }
            let trimmed = e.labels.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == "{}" { exp.append(([], e.value)); continue }
            do {
                let d = try SeriesNotation.SeriesDescription.parse(Array(trimmed.utf8))
                exp.append((d.labels.filter { !$0.value.isEmpty }, e.value))
            } catch {
                return ["\(head), err: labels \(GoFormat.quote(e.labels)): \(error.message)"]
            }
        }
        exp.sort { $0.labels.lexicographicallyPrecedes($1.labels) }
        got.sort { $0.labels.lexicographicallyPrecedes($1.labels) }
        let same = exp.count == got.count && zip(exp, got).allSatisfy { $0.labels == $1.labels && equal($0.value, $1.value) }
        if same { return [] }
        func text(_ s: [(labels: [Label], value: Double)]) -> String {
            s.isEmpty ? "nil" : s.map { GoFormat.labels($0.labels) + " " + GoFormat.floatE($0.value) }.joined(separator: ", ")
        }
        return ["\(head),\n        exp: \(text(exp))\n        got: \(text(got))"]
    }

    /// Exact float equality (NaN never equals NaN), or within one ULP with `fuzzy_compare`.
    func equal(_ a: Double, _ b: Double) -> Bool {
        if a == b { return true }
        guard file.fuzzyCompare, a.isFinite, b.isFinite else { return false }
        return a.nextUp == b || a.nextDown == b
    }
}

/// Feeds a test group's input series into the store up to a time, so evaluations at a step only
/// see samples at or before it (as promtool's lazy loader does).
struct InputLoader {
    let series: [RuleTestFile.InputSeries]
    let start: Int64
    let interval: Int64
    /// Per series, the next slot to load.
    var next: [Int]

    init(series: [RuleTestFile.InputSeries], start: Int64, interval: Int64) {
        self.series = series
        self.start = start
        self.interval = interval
        next = Array(repeating: 0, count: series.count)
    }

    /// Appends every sample with timestamp ≤ `t`; returns an error message when the store refuses.
    mutating func load(through t: Int64, into db: DB) -> String? {
        var app = db.appender()
        for (i, s) in series.enumerated() {
            while next[i] < s.slots.count {
                let (offset, o1) = Int64(next[i]).multipliedReportingOverflow(by: interval)
                let (ts, o2) = start.addingReportingOverflow(offset)
                guard !o1, !o2, ts <= t else { break }
                switch s.slots[next[i]] {
                case .float(let v): app.append(s.labels, t: ts, v: v)
                case .stale: app.append(s.labels, t: ts, v: StaleNaN.value)
                case .empty, .histogram: break
                }
                next[i] += 1
            }
        }
        do { _ = try app.commit() } catch { return "storing input series: \(error)" }
        return nil
    }
}
