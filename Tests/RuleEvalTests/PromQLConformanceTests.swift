import Foundation
import Synchronization
import Testing
import TSDB
import RuleEval

/// Settings of the PromQL conformance run (the upstream `promqltest` scripts, see
/// `shared/conformance/promql/README.md`).
enum PromQLConformance {
    /// Cases whose `cases-v2.42.tsv` tags include one of these keys are skipped, for the reason
    /// given. A key ending in `@` matches every tag with that prefix (`new-fn:info@v2.55.0`).
    static let skippedTags: [String: String] = [
        "native-histograms": "native histograms are not supported by the engine",
        "nhcb": "native histograms with custom buckets (load_with_nhcb) are not supported",
        "start-timestamps": "start timestamps (st-storage) are not supported",
        "extended-range-selectors": "anchored/smoothed range modifiers are not implemented",
        "fill-modifiers": "fill()/fill_left()/fill_right() binop modifiers are not implemented",
        "trim-operators": "trim operators </ and >/ (native histograms) are not implemented",
        "duration-expressions": "duration arithmetic in ranges and offsets is not implemented",
        "new-fn:info@": "experimental info() is not implemented",
        "new-fn:histogram_quantiles@": "histogram_quantiles() (native histograms) is not implemented",
        "new-fn:start_timestamp@": "start_timestamp() needs start timestamps",
        "new-fn:start@": "start() as a function (v3.12) is not implemented",
        "new-fn:end@": "end() as a function (v3.12) is not implemented",
        "new-fn:range@": "range() (v3.12) is not implemented",
        "new-fn:step@": "step() (v3.12) is not implemented",
        "new-fn:min_of@": "min_of() in durations (v3.13) is not implemented",
        "new-fn:max_of@": "max_of() in durations (v3.13) is not implemented",
    ]

    /// Whether `expect warn|info|no_warn|no_info` (and `eval_warn`/`eval_info`) are checked.
    static let checkAnnotations = false

    /// Whether the error text of `expect fail msg:|regex:` is checked (upstream wording, so off).
    static let checkFailMessages = false

    /// `PROMQL_CONFORMANCE_REPORT_ONLY=1`: print the results but do not fail the test.
    static var reportOnly: Bool { ProcessInfo.processInfo.environment["PROMQL_CONFORMANCE_REPORT_ONLY"] == "1" }

    /// Engine settings the scripts assume (README, "Engine settings the expectations assume").
    static var engineOptions: EngineOptions {
        var o = EngineOptions()
        o.maxSamples = 10_000
        o.delayedNameRemoval = true
        o.typeAndUnitLabels = true
        o.experimentalFunctions = true
        return o
    }

    /// The skip-list key matching one of `tags`, if any.
    static func skipKey(_ tags: [String]) -> String? {
        for key in skippedTags.keys.sorted() {
            let hit = key.hasSuffix("@") ? tags.contains { $0.hasPrefix(key) } : tags.contains(key)
            if hit { return key }
        }
        return nil
    }
}

/// Runs the upstream PromQL test scripts against `PromQLEngine` over a real `DB`.
@Suite(.serialized) struct PromQLConformanceTests {
    /// Totals over all scripts, printed once every script has run.
    private static let totals = Mutex<ConformanceTally>(ConformanceTally())

    @Test(arguments: ConformanceData.promqlScripts)
    func script(_ file: String) async throws {
        let script = try PromQLTestScript.parse(try ConformanceData.script(file), file: file)
        let cases = try ConformanceData.caseIndex()[file] ?? [:]
        let outcome = try await PromQLScriptRunner.run(script, cases: cases)

        var report = "\(file): \(outcome.passed) passed, \(outcome.failed) failed, \(outcome.skipped) skipped"
        if !outcome.skippedBy.isEmpty {
            report += " (" + outcome.skippedBy.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + ")"
        }
        for line in outcome.notes { report += "\n  note: " + line }
        for line in outcome.failures { report += "\n  FAIL " + line }
        print(report)
        let total = Self.totals.withLock { t -> ConformanceTally? in
            t.add(outcome)
            return t.files == ConformanceData.promqlScripts.count ? t : nil
        }
        if let total {
            print("PromQL conformance TOTAL: \(total.passed) passed, \(total.failed) failed, \(total.skipped) skipped (\(total.files) scripts)")
        }
        if !PromQLConformance.reportOnly {
            #expect(outcome.failed == 0, "\(file): \(outcome.failed) failing cases (see the printed report)")
        }
    }

    /// The script reader agrees with `cases-v2.42.tsv`: one eval per row, same line, kind and expression.
    @Test func scriptsMatchCaseIndex() throws {
        let index = try ConformanceData.caseIndex()
        let onDisk = try FileManager.default.contentsOfDirectory(atPath: ConformanceData.promql).filter { $0.hasSuffix(".test") }
        #expect(Set(onDisk) == Set(ConformanceData.promqlScripts))
        var evals = 0
        for file in ConformanceData.promqlScripts {
            let script = try PromQLTestScript.parse(try ConformanceData.script(file), file: file)
            let rows = index[file] ?? [:]
            var seen = Set<Int>()
            for case .eval(let e) in script.commands {
                evals += 1
                seen.insert(e.line)
                guard let row = rows[e.line] else { Issue.record("\(file):\(e.line) is not in cases-v2.42.tsv"); continue }
                let kind: String
                if case .range = e.query { kind = "range" } else { kind = "instant" }
                #expect(row.kind == kind, "\(file):\(e.line)")
                #expect(row.expr == e.expr, "\(file):\(e.line)")
            }
            #expect(seen == Set(rows.keys), "\(file): evals and cases-v2.42.tsv rows differ")
        }
        #expect(evals == 2214)
    }

    /// The value-sequence, duration and number syntaxes of the script format.
    @Test func scriptSyntax() throws {
        let text = """
            load 1m
              a{x="1", y='q\\'s'} 1 _ 3 stale _x2 0+0.1x3 10-2x1 5x1 {{schema:0 count:1}}x1
              {__name__="b",} -Inf NaN 0x1F 1.5e3 .5 2.

            clear
            eval range from 0 to 1h30m step 5m59s rate(a[5m])
              {x="1"} 1 2

            eval_fail instant at 1ms foo
              expected_fail_message some text
            eval instant at 10 "s"
              expect string `s`

            eval instant at 0 x[1m]
              expect range vector from 0 to 1m step 30s
              expect warn msg: PromQL warning: w (1:1)
              x 1 _ 2
            # a comment ends a block too
            eval instant at 0 scalar(x)
            \t0x10
            """
        let script = try PromQLTestScript.parse(text, file: "inline")
        #expect(script.commands.map(\.line) == [1, 5, 6, 9, 11, 14, 19])
        guard case .load(let load) = script.commands.first else { Issue.record("load"); return }
        #expect(load.intervalMs == 60_000 && load.series.count == 2 && load.hasHistograms)
        let a = load.series[0]
        #expect(a.labels == [.init(name: "__name__", value: "a"), .init(name: "x", value: "1"), .init(name: "y", value: "q's")])
        let floats = a.slots.map { slot -> String in
            switch slot {
            case .empty: return "_"
            case .stale: return "stale"
            case .histogram: return "h"
            case .float(let v): return "\(v)"
            }
        }
        var tenths = 0.0, expectedTenths = ["0.0"]
        for _ in 0..<3 { tenths += 0.1; expectedTenths.append("\(tenths)") }
        #expect(floats == ["1.0", "_", "3.0", "stale", "_", "_"] + expectedTenths + ["10.0", "8.0", "5.0", "5.0", "h", "h"])
        let b = load.series[1].slots.compactMap { if case .float(let v) = $0 { return v } else { return nil } }
        #expect(b.count == 6 && b[0] == -.infinity && b[1].isNaN && b[2] == 31 && b[3] == 1500 && b[4] == 0.5 && b[5] == 2)
        guard case .eval(let r) = script.commands[2], case .series(let rs) = r.expected else { Issue.record("range eval"); return }
        #expect(r.query == .range(start: 0, end: 5_400_000, step: 359_000) && r.expr == "rate(a[5m])" && rs.count == 1)
        guard case .eval(let f) = script.commands[3], case .some(.exact("some text")) = f.fail else { Issue.record("eval_fail"); return }
        #expect(f.query == .instant(at: 1))
        guard case .eval(let s) = script.commands[4], case .string("s") = s.expected else { Issue.record("string"); return }
        #expect(s.query == .instant(at: 10_000))
        guard case .eval(let rv) = script.commands[5], case .rangeVector(0, 60_000, 30_000, let rvs) = rv.expected else {
            Issue.record("range vector"); return
        }
        #expect(rvs.first?.slots.count == 3 && rv.annotations.count == 1)
        guard case .eval(let sc) = script.commands[6], case .scalar(16) = sc.expected else { Issue.record("scalar"); return }

        #expect(PromQLTestScript.Durations.parse("1h30m") == 5_400_000 && PromQLTestScript.Durations.parse("0") == 0 && PromQLTestScript.Durations.parse("1y2w") == 379 * 86_400_000)
        #expect(PromQLTestScript.Durations.parse("1h") == 3_600_000 && PromQLTestScript.Durations.parse("100ms") == 100)
        #expect(PromQLTestScript.Durations.parse("30m1h") == nil && PromQLTestScript.Durations.parse("5x") == nil && PromQLTestScript.Durations.parse("") == nil)
        for bad in ["eval instant at 5 x\n  a 1 2", "load 5m\n  a{b=\"c} 1", "frobnicate", "eval instant at 0 x\n  expect bogus"] {
            #expect(throws: PromQLTestScript.ParseError.self) { try PromQLTestScript.parse(bad, file: "bad") }
        }
    }

    /// The README's matching rules, checked on hand-made results (no engine involved).
    @Test func comparisonRules() throws {
        typealias R = PromQLScriptRunner
        #expect(R.floatsMatch(.nan, .nan) && R.floatsMatch(StaleNaN.value, StaleNaN.value))
        #expect(!R.floatsMatch(.nan, StaleNaN.value) && !R.floatsMatch(StaleNaN.value, .nan))
        #expect(R.floatsMatch(.infinity, .infinity) && !R.floatsMatch(.infinity, -.infinity) && !R.floatsMatch(.infinity, 1e308))
        #expect(R.floatsMatch(1, 1 + 1e-7) && !R.floatsMatch(1, 1 + 1e-5) && R.floatsMatch(-1e300, -1.0000001e300))
        #expect(R.floatsMatch(0, -0.0) && !R.floatsMatch(0, 1e-300) && !R.floatsMatch(1, .nan))

        let script = try PromQLTestScript.parse("""
            eval instant at 0 x
              a{b="1"} 1
              a{b="2", c=""} 2

            eval range from 0 to 2m step 1m x
              {b="1"} 1
              {} 5x2
            """, file: "inline")
        guard case .eval(let inst) = script.commands.first, case .series(let vs) = inst.expected,
              case .eval(let rng) = script.commands.last, case .series(let ms) = rng.expected else {
            Issue.record("parse"); return
        }
        func L(_ pairs: [(String, String)]) -> Labels { Labels(sortedUnchecked: pairs.map { Label(name: $0.0, value: $0.1) }) }
        let a1 = L([("__name__", "a"), ("b", "1")]), a2 = L([("__name__", "a"), ("b", "2")])
        let good = [InstantSample(labels: a2, t: 0, v: 2), InstantSample(labels: a1, t: 0, v: 1.0000001)]
        #expect(R.compareVector(vs, good, ordered: false) == nil)
        #expect(R.compareVector(vs, good, ordered: true) != nil)
        #expect(R.compareVector(vs, Array(good.reversed()), ordered: true) == nil)
        #expect(R.compareVector(vs, [good[0]], ordered: false) != nil)
        #expect(R.compareVector(vs, good + [InstantSample(labels: L([("b", "3")]), t: 0, v: 1)], ordered: false) != nil)
        #expect(R.compareVector(vs, [good[0], InstantSample(labels: a1, t: 0, v: 1.5)], ordered: false) != nil)
        #expect(R.compareVector(vs, good + [good[0]], ordered: false) != nil)
        #expect(R.compare(inst, .scalar(t: 0, v: 1)) != nil)
        #expect(R.compare(inst, .vector(good)) == nil)

        let b1 = L([("b", "1")]), empty = L([])
        let matrix = [
            RangeSeries(labels: empty, points: [FPoint(t: 0, v: 5), FPoint(t: 60_000, v: 5), FPoint(t: 120_000, v: 5)]),
            RangeSeries(labels: b1, points: [FPoint(t: 0, v: 1)]),
        ]
        #expect(R.compareMatrix(ms, matrix, start: 0, end: 120_000, step: 60_000, sorted: true) == nil)
        #expect(R.compare(rng, .matrix(matrix)) == nil)
        #expect(R.compareMatrix(ms, matrix.reversed(), start: 0, end: 120_000, step: 60_000, sorted: true) != nil)
        #expect(R.compareMatrix(ms, matrix.reversed(), start: 0, end: 120_000, step: 60_000, sorted: false) == nil)
        var extra = matrix
        extra[1].points.append(FPoint(t: 60_000, v: 1))  // the expected list is shorter: no point there
        #expect(R.compareMatrix(ms, extra, start: 0, end: 120_000, step: 60_000, sorted: true) != nil)
        var offGrid = matrix
        offGrid[0].points[1].t = 61_000
        #expect(R.compareMatrix(ms, offGrid, start: 0, end: 120_000, step: 60_000, sorted: true) != nil)
        #expect(R.compareMatrix(ms, [matrix[0]], start: 0, end: 120_000, step: 60_000, sorted: true) != nil)
        #expect(R.compare(rng, .vector([])) != nil)
    }
}

/// Pass/fail/skip counts over scripts.
struct ConformanceTally: Sendable {
    var files = 0, passed = 0, failed = 0, skipped = 0

    mutating func add(_ o: PromQLScriptRunner.Outcome) {
        files += 1
        passed += o.passed
        failed += o.failed
        skipped += o.skipped
    }
}

/// Executes one parsed script: loads into a fresh `DB`, evaluates, compares per the README rules.
enum PromQLScriptRunner {
    /// What happened to the evals of one script.
    struct Outcome: Sendable {
        var passed = 0, failed = 0, skipped = 0
        /// Skipped cases per skip-list key.
        var skippedBy: [String: Int] = [:]
        /// One short line per failing case.
        var failures: [String] = []
        /// Loader remarks (rejected samples, skipped histogram samples).
        var notes: [String] = []
    }

    static func run(_ script: PromQLTestScript, cases: [Int: ConformanceData.Case]) async throws -> Outcome {
        var out = Outcome()
        let store = try ConformanceStore()
        defer { store.close() }
        var histogramLoads = 0
        for command in script.commands {
            switch command {
            case .clear:
                try store.reset()
            case .load(let load):
                if load.hasHistograms || load.withNHCB || load.hasStartTimestamps { histogramLoads += 1 }
                if let note = try store.load(load) { out.notes.append("\(script.file):\(load.line): \(note)") }
            case .eval(let eval):
                guard let row = cases[eval.line] else {
                    out.failed += 1
                    out.failures.append("\(script.file):\(eval.line) \(eval.expr) — not in cases-v2.42.tsv")
                    continue
                }
                if let key = PromQLConformance.skipKey(row.tags) {
                    out.skipped += 1
                    out.skippedBy[key, default: 0] += 1
                    continue
                }
                if let problem = await check(eval, engine: store.engine) {
                    out.failed += 1
                    out.failures.append(clip("\(script.file):\(eval.line) \(eval.expr) — \(problem)", 400))
                } else {
                    out.passed += 1
                }
            }
        }
        if histogramLoads > 0 {
            out.notes.append("\(histogramLoads) load blocks had histogram, NHCB or start-timestamp data; only their float samples were loaded")
        }
        return out
    }

    // MARK: Checking one eval

    /// nil when the eval passes, else a short description of the first problems.
    static func check(_ e: PromQLTestScript.Eval, engine: PromQLEngine) async -> String? {
        let result: QueryResult
        do {
            switch e.query {
            case .instant(let t):
                result = try await engine.instantQuery(e.expr, at: t)
            case .range(let start, let end, let step):
                result = try await engine.rangeQuery(e.expr, start: start, end: end, step: step)
            }
        } catch {
            guard let expectedFailure = e.fail else { return "unexpected error: \(error)" }
            if PromQLConformance.checkFailMessages, !expectedFailure.matches("\(error)") {
                return "error text does not match the expectation: \(error)"
            }
            return nil
        }
        if e.fail != nil { return "expected an error, got \(summary(result.value))" }
        if e.needsHistograms { return "the expected result has native histograms, which QueryValue cannot carry" }
        if PromQLConformance.checkAnnotations, let problem = annotationProblem(e, result) { return problem }
        if let problem = compare(e, result.value) { return problem }
        if case .instant(let t) = e.query, !e.ordered { return await rangeConsistency(e.expr, at: t, instant: result.value, engine: engine) }
        return nil
    }

    /// Upstream's instant ⇒ range check: the same expression as a range query from t−1m to t+1m
    /// at 1m steps must give, at t, exactly the instant result (vectors and scalars only).
    static func rangeConsistency(_ expr: String, at t: Int64, instant: QueryValue, engine: PromQLEngine) async -> String? {
        let expected: [Labels: Double]
        switch instant {
        case .vector(let v): expected = Dictionary(v.map { ($0.labels, $0.v) }, uniquingKeysWith: { a, _ in a })
        case .scalar(_, let v): expected = [Labels(sortedUnchecked: []): v]
        default: return nil
        }
        let r: QueryResult
        do { r = try await engine.rangeQuery(expr, start: t - 60_000, end: t + 60_000, step: 60_000) } catch {
            return "as a range query around t it fails: \(error)"
        }
        guard case .matrix(let m) = r.value else { return "as a range query it did not return a matrix" }
        var got: [Labels: Double] = [:]
        for s in m { for p in s.points where p.t == t { got[s.labels] = p.v } }
        if got.count != expected.count { return "as a range query around t: \(got.count) series at t, the instant query gave \(expected.count)" }
        for (l, v) in expected {
            guard let g = got[l] else { return "as a range query around t: \(l) is missing at t" }
            if !floatsMatch(v, g) { return "as a range query around t: \(l) is \(g) at t, the instant query gave \(v)" }
        }
        return nil
    }

    static func annotationProblem(_ e: PromQLTestScript.Eval, _ r: QueryResult) -> String? {
        for kind in [PromQLTestScript.AnnotationKind.warn, .info] {
            let lines = e.annotations.filter { $0.kind == kind }
            guard !lines.isEmpty else { continue }  // no line about this kind: not checked
            let got = kind == .warn ? r.warnings : r.infos
            if lines.contains(where: { !$0.present }) {
                if !got.isEmpty { return "expected no \(kind.rawValue) annotation, got \(got)" }
                continue
            }
            if got.isEmpty { return "expected a \(kind.rawValue) annotation, got none" }
            if let unmatched = lines.first(where: { line in !got.contains { line.match.matches($0) } }) {
                return "no \(kind.rawValue) annotation matches \(unmatched.match), got \(got)"
            }
            if let extra = got.first(where: { a in !lines.contains { $0.match.matches(a) } }) {
                return "unexpected \(kind.rawValue) annotation \"\(extra)\""
            }
        }
        return nil
    }

    static func compare(_ e: PromQLTestScript.Eval, _ value: QueryValue) -> String? {
        switch e.expected {
        case .scalar(let want):
            guard case .scalar(_, let got) = value else { return "expected scalar \(fmt(want)), got \(summary(value))" }
            return floatsMatch(want, got) ? nil : "expected scalar \(fmt(want)), got \(fmt(got))"
        case .string(let want):
            guard case .string(_, let got) = value else { return "expected string \"\(want)\", got \(summary(value))" }
            return got == want ? nil : "expected string \"\(want)\", got \"\(got)\""
        case .rangeVector(let start, let end, let step, let series):
            guard case .matrix(let m) = value else { return "expected a range vector, got \(summary(value))" }
            return compareMatrix(series, m, start: start, end: end, step: step, sorted: false)
        case .series(let series):
            switch (e.query, value) {
            case (.instant, .vector(let v)):
                return compareVector(series, v, ordered: e.ordered)
            case (.range(let start, let end, let step), .matrix(let m)):
                return compareMatrix(series, m, start: start, end: end, step: step, sorted: true)
            case (_, .vector(let v)) where v.isEmpty && series.isEmpty:
                return nil
            case (_, .matrix(let m)) where m.isEmpty && series.isEmpty:
                return nil
            default:
                let what: String
                if case .range = e.query { what = "a matrix" } else { what = "a vector" }
                return "expected \(what) of \(series.count) series, got \(summary(value))"
            }
        }
    }

    static func compareVector(_ expected: [PromQLTestScript.Series], _ got: [InstantSample], ordered: Bool) -> String? {
        var problems: [String] = []
        let want = expected.map { (labels: labels($0.labels), slot: $0.slots.first ?? .empty) }
        var gotByLabels: [Labels: Double] = [:]
        for s in got where gotByLabels.updateValue(s.v, forKey: s.labels) != nil {
            problems.append("duplicate series \(s.labels) in the result")
        }
        if ordered {
            if want.count != got.count {
                problems.append("expected \(want.count) series in order, got \(got.count): \(summary(.vector(got)))")
            } else {
                for (w, g) in zip(want, got) where w.labels != g.labels || !slotMatches(w.slot, g.v) {
                    problems.append("in order: expected \(w.labels) \(fmt(w.slot)), got \(g.labels) \(fmt(g.v))")
                }
            }
        } else {
            var wanted = Set<Labels>()
            for w in want {
                wanted.insert(w.labels)
                guard let g = gotByLabels[w.labels] else {
                    if case .empty = w.slot { continue }
                    problems.append("missing \(w.labels) \(fmt(w.slot))")
                    continue
                }
                if !slotMatches(w.slot, g) { problems.append("\(w.labels): expected \(fmt(w.slot)), got \(fmt(g))") }
            }
            for s in got where !wanted.contains(s.labels) { problems.append("unexpected \(s.labels) \(fmt(s.v))") }
        }
        return joined(problems)
    }

    static func compareMatrix(
        _ expected: [PromQLTestScript.Series], _ got: [RangeSeries], start: Int64, end: Int64, step: Int64, sorted: Bool
    ) -> String? {
        var problems: [String] = []
        if sorted, let i = got.indices.dropFirst().first(where: { !(got[$0 - 1].labels < got[$0].labels) }) {
            problems.append("matrix not sorted by labels at \(got[i].labels)")
        }
        let steps = Int((end - start) / step) + 1
        var gotByLabels: [Labels: RangeSeries] = [:]
        for s in got where gotByLabels.updateValue(s, forKey: s.labels) != nil {
            problems.append("duplicate series \(s.labels) in the result")
        }
        var wanted = Set<Labels>()
        for w in expected {
            let l = labels(w.labels)
            wanted.insert(l)
            if w.slots.count > steps { problems.append("\(l): \(w.slots.count) expected values for \(steps) steps") }
            guard let g = gotByLabels[l] else {
                if w.slots.contains(where: { if case .empty = $0 { return false } else { return true } }) {
                    problems.append("missing \(l)")
                }
                continue
            }
            var points: [Int64: Double] = [:]
            for p in g.points {
                if p.t < start || p.t > end || (p.t - start) % step != 0 {
                    problems.append("\(l): point at \(p.t) ms is not on a step")
                }
                points[p.t] = p.v
            }
            var diffs: [String] = []
            for i in 0..<steps {
                let t = start + Int64(i) * step
                let slot = i < w.slots.count ? w.slots[i] : .empty
                switch (slot, points[t]) {
                case (.empty, nil): break
                case (.empty, let v?): diffs.append("@\(t) expected none, got \(fmt(v))")
                case (_, nil): diffs.append("@\(t) expected \(fmt(slot)), got none")
                case (_, let v?): if !slotMatches(slot, v) { diffs.append("@\(t) expected \(fmt(slot)), got \(fmt(v))") }
                }
            }
            if !diffs.isEmpty { problems.append("\(l): " + diffs.prefix(4).joined(separator: ", ") + (diffs.count > 4 ? ", …" : "")) }
        }
        for s in got where !wanted.contains(s.labels) {
            problems.append("unexpected \(s.labels) " + s.points.prefix(4).map { "@\($0.t)=\(fmt($0.v))" }.joined(separator: " "))
        }
        return joined(problems)
    }

    // MARK: Values

    /// The README's float rule: NaN matches NaN (a stale marker only another stale marker), exact
    /// equality (covers ±Inf), else a relative tolerance of 1e-6 (absolute near zero).
    static func floatsMatch(_ a: Double, _ b: Double) -> Bool {
        if StaleNaN.isStale(a) || StaleNaN.isStale(b) { return StaleNaN.isStale(a) && StaleNaN.isStale(b) }
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
        if a == b { return true }
        let epsilon = 1e-6, minNormal = 2.2250738585072014e-308
        let diff = abs(a - b)
        if a == 0 || b == 0 || abs(a) + abs(b) < minNormal { return diff < epsilon * minNormal }
        return diff / min(abs(a) + abs(b), Double.greatestFiniteMagnitude) < epsilon
    }

    static func slotMatches(_ slot: PromQLTestScript.Slot, _ v: Double) -> Bool {
        switch slot {
        case .float(let want): return floatsMatch(want, v)
        case .stale: return StaleNaN.isStale(v)
        case .empty, .histogram: return false
        }
    }

    /// Expected labels as the engine spells them: empty values mean "absent".
    static func labels(_ pairs: [PromQLTestScript.LabelPair]) -> Labels {
        Labels(sortedUnchecked: pairs.filter { !$0.value.isEmpty }.map { Label(name: $0.name, value: $0.value) })
    }

    static func fmt(_ v: Double) -> String { StaleNaN.isStale(v) ? "stale" : "\(v)" }

    static func fmt(_ slot: PromQLTestScript.Slot) -> String {
        switch slot {
        case .empty: return "_"
        case .float(let v): return fmt(v)
        case .stale: return "stale"
        case .histogram: return "{{histogram}}"
        }
    }

    static func summary(_ value: QueryValue) -> String {
        switch value {
        case .scalar(_, let v): return "scalar \(fmt(v))"
        case .string(_, let s): return "string \"\(s)\""
        case .vector(let v):
            return clip("vector[\(v.count)] " + v.prefix(4).map { "\($0.labels) \(fmt($0.v))" }.joined(separator: "; "), 200)
        case .matrix(let m):
            return clip("matrix[\(m.count)] " + m.prefix(3).map { "\($0.labels) (\($0.points.count) points)" }.joined(separator: "; "), 200)
        }
    }

    static func joined(_ problems: [String]) -> String? {
        guard !problems.isEmpty else { return nil }
        return problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? "; … (\(problems.count) problems)" : "")
    }

    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n)) + "…" }
}

/// A `DB` in a temporary directory with an engine over it; `reset()` is the script's `clear`.
final class ConformanceStore {
    private(set) var db: DB
    private(set) var engine: PromQLEngine
    private var directory: String

    init() throws {
        (directory, db) = try Self.openFresh()
        engine = PromQLEngine(storage: db, options: PromQLConformance.engineOptions)
    }

    private static func openFresh() throws -> (String, DB) {
        let dir = NSTemporaryDirectory() + "tidemark-promqltest-\(UUID().uuidString)"
        var options = DBOptions()
        options.walSync = .never  // test data: no need to wait for the disk
        return (dir, try DB.open(directory: dir, options: options))
    }

    /// Drops all data: closes the DB and opens a fresh one in a new directory.
    func reset() throws {
        close()
        (directory, db) = try Self.openFresh()
        engine = PromQLEngine(storage: db, options: PromQLConformance.engineOptions)
    }

    func close() {
        try? db.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Appends a load block's float samples and stale markers (histogram slots are skipped);
    /// returns a remark when samples were rejected or labels invalid.
    func load(_ load: PromQLTestScript.Load) throws -> String? {
        var app = db.appender()
        var remarks: [String] = []
        for s in load.series {
            let labels: Labels
            do {
                labels = try Labels(validating: s.labels.map { Label(name: $0.name, value: $0.value) })
            } catch {
                remarks.append("line \(s.line): invalid labels (\(error))")
                continue
            }
            for (i, slot) in s.slots.enumerated() {
                let (t, overflow) = Int64(i).multipliedReportingOverflow(by: load.intervalMs)
                if overflow { break }
                switch slot {
                case .float(let v): app.append(labels, t: t, v: v)
                case .stale: app.append(labels, t: t, v: StaleNaN.value)
                case .empty, .histogram: continue
                }
            }
        }
        let report = try app.commit()
        if report.rejected > 0 {
            remarks.append("\(report.rejected) samples rejected (out of order \(report.outOfOrder), duplicate \(report.duplicates), out of bounds \(report.outOfBounds))")
        }
        return remarks.isEmpty ? nil : remarks.joined(separator: "; ")
    }
}
