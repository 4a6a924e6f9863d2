import Foundation
import Testing
import TSDB
@testable import RuleEval

/// The engine's protections: sample limit, timeout, concurrency gate, and staying usable after a
/// query was refused.
@Suite struct PromQLEngineLimitsTests {
    /// A DB holding `series` series of `samples` samples each, 15 s apart from t = 0.
    static func withData(series: Int, samples: Int, _ body: (DB) async throws -> Void) async throws {
        let dir = NSTemporaryDirectory() + "tidemark-limits-\(UUID().uuidString)"
        var options = DBOptions()
        options.walSync = .never
        let db = try DB.open(directory: dir, options: options)
        defer { try? db.close(); try? FileManager.default.removeItem(atPath: dir) }
        var app = db.appender()
        let labels = try (0..<series).map { try Labels(["__name__": "load", "i": "\($0)"]) }
        for k in 0..<samples {
            for l in labels { _ = app.append(l, t: Int64(k) * 15_000, v: Double(k)) }
        }
        _ = try app.commit()
        try await body(db)
    }

    @Test func sampleLimitRefusesTheQueryAndTheEngineCarriesOn() async throws {
        try await Self.withData(series: 20, samples: 100) { db in
            var o = EngineOptions()
            o.maxSamples = 500
            let engine = PromQLEngine(storage: db, options: o)
            // 20 series × 100 samples in the window: over 500.
            await #expect {
                _ = try await engine.instantQuery("sum(count_over_time(load[1h]))", at: 1_485_000)
            } throws: { error in
                guard let e = error as? QueryError, case .tooManySamples(500) = e else { return false }
                return e.errorType == "execution" && "\(e)".contains("--query.max-samples=500")
            }
            // A range query whose points alone exceed the limit.
            await #expect(throws: QueryError.self) {
                _ = try await engine.rangeQuery("load", start: 0, end: 1_485_000, step: 15_000)
            }
            // A subquery grid larger than the limit is refused before it is built.
            await #expect(throws: QueryError.self) {
                _ = try await engine.instantQuery("count_over_time(vector(1)[1y:1ms])", at: 1_485_000)
            }
            // The next, small query is answered normally.
            let r = try await engine.instantQuery("count(load)", at: 1_485_000)
            guard case .vector(let v) = r.value else { Issue.record("got \(r.value)"); return }
            #expect(v.count == 1 && v[0].v == 20)
        }
    }

    @Test func timeoutStopsALongEvaluation() async throws {
        try await Self.withData(series: 50, samples: 400) { db in
            var o = EngineOptions()
            o.timeout = .milliseconds(1)
            let engine = PromQLEngine(storage: db, options: o)
            // A nested subquery at 1 s resolution over 60 days: about a minute of work in a
            // debug build (the 7-day version measured 6 s alone), far more than 1 ms.
            let started = ContinuousClock.now
            await #expect {
                _ = try await engine.instantQuery("max_over_time(sum(rate(load[5m]))[60d:1s])", at: 5_985_000)
            } throws: { error in
                guard let e = error as? QueryError, case .timeout = e else { return false }
                return e.errorType == "timeout"
            }
            // It gave up long before finishing the work; the bound leaves room for a loaded
            // machine running the other suites in parallel.
            #expect(ContinuousClock.now - started < .seconds(20))
        }
    }

    @Test func cancellationOfTheCallerStopsTheQuery() async throws {
        try await Self.withData(series: 50, samples: 400) { db in
            let engine = PromQLEngine(storage: db)
            let task = Task { try await engine.instantQuery("max_over_time(sum(rate(load[5m]))[100d:1s])", at: 5_985_000) }
            try await Task.sleep(for: .milliseconds(20))
            task.cancel()
            let result = await task.result
            guard case .failure(let error) = result, let e = error as? QueryError else {
                Issue.record("expected a failure, got \(result)"); return
            }
            switch e {
            case .canceled, .tooManySamples: break  // refused up front or cancelled while running
            default: Issue.record("unexpected error \(e)")
            }
        }
    }

    @Test func longQueriesDoNotStallOtherTasks() async throws {
        try await Self.withData(series: 50, samples: 400) { db in
            var o = EngineOptions()
            o.timeout = .seconds(60)
            let engine = PromQLEngine(storage: db, options: o)
            // More long queries than the cooperative pool has threads: were they evaluated on
            // those threads, nothing else (not even their cancellation) could run for a minute.
            let long = (0..<(ProcessInfo.processInfo.activeProcessorCount + 1)).map { _ in
                Task { try await engine.instantQuery("max_over_time(sum(rate(load[5m]))[100d:1s])", at: 5_985_000) }
            }
            try await Task.sleep(for: .milliseconds(100))
            let started = ContinuousClock.now
            let quick = try await engine.instantQuery("1 + 1", at: 0)
            #expect(ContinuousClock.now - started < .seconds(20), "a trivial query waited for the long ones")
            guard case .scalar(_, let v) = quick.value else { Issue.record("expected a scalar"); return }
            #expect(v == 2)
            for t in long { t.cancel() }
            for t in long {
                let r = await t.result
                guard case .failure(let e) = r, let qe = e as? QueryError, case .canceled = qe else {
                    Issue.record("expected cancellation, got \(r)"); continue
                }
            }
            #expect(ContinuousClock.now - started < .seconds(40), "cancellation did not stop the long queries")
        }
    }

    @Test func concurrencyGateQueuesAndHandsOverInOrder() async throws {
        let gate = QueryGate(limit: 1)
        #expect(await gate.enter())
        let second = Task { await gate.enter() }
        try await Task.sleep(for: .milliseconds(20))
        #expect(gate.active == 1)
        gate.leave()  // hands the slot to the waiter
        #expect(await second.value)
        #expect(gate.active == 1)
        // A waiter that is cancelled gives up without taking a slot.
        let third = Task { await gate.enter() }
        try await Task.sleep(for: .milliseconds(20))
        third.cancel()
        #expect(await third.value == false)
        gate.leave()
        #expect(gate.active == 0)
    }

    @Test func rangeQueryArgumentsAreChecked() async throws {
        try await Self.withData(series: 1, samples: 10) { db in
            let engine = PromQLEngine(storage: db)
            await #expect(throws: QueryError.self) { _ = try await engine.rangeQuery("load", start: 0, end: 60_000, step: 0) }
            await #expect(throws: QueryError.self) { _ = try await engine.rangeQuery("load", start: 60_000, end: 0, step: 15_000) }
            await #expect(throws: QueryError.self) { _ = try await engine.rangeQuery("load[5m]", start: 0, end: 60_000, step: 15_000) }
            await #expect(throws: QueryError.self) { _ = try await engine.instantQuery("sum(", at: 0) }
        }
    }

    @Test func experimentalFunctionsCanBeDisabled() async throws {
        try await Self.withData(series: 1, samples: 10) { db in
            var o = EngineOptions()
            o.experimentalFunctions = false
            let engine = PromQLEngine(storage: db, options: o)
            await #expect(throws: QueryError.self) { _ = try await engine.instantQuery("mad_over_time(load[5m])", at: 100_000) }
            _ = try await engine.instantQuery("avg_over_time(load[5m])", at: 100_000)
        }
    }

    /// Odd and hostile queries end in a result or a `QueryError`, never a crash or a hang.
    @Test func hostileQueriesFailCleanly() async throws {
        try await Self.withData(series: 3, samples: 50) { db in
            var o = EngineOptions()
            o.maxSamples = 100_000
            o.timeout = .seconds(10)
            let engine = PromQLEngine(storage: db, options: o)
            let queries = [
                "rate(load[1ms])", "topk(1e300, load)", "topk(NaN, load)", "bottomk(-5, load)", "quantile(NaN, load)",
                "round(load, 0)", "histogram_quantile(0.5, load)", "histogram_fraction(1, 0, load)",
                #"count_values("", load)"#, #"count_values("a-b", load)"#, #"label_replace(load, "dst", "$1", "i", "(")"#,
                #"label_replace(load, "1bad", "$1", "i", "(.*)")"#, #"label_join(load, "dst", ",", "i", "__name__")"#,
                "sum_over_time(load[5m:1ms] @ 9223372036854775)", "load @ -9223372036854775", "load offset -100y",
                "absent_over_time(nonexistent[1y:1ms])", "max_over_time(load[100y])", "predict_linear(load[1h], -1e308)",
                "holt_winters(load[1h], 0, 1)", "double_exponential_smoothing(load[1h], 0.5, 0.5)", "clamp(load, 5, 1)",
                "load / on(i) group_left load", "load + ignoring(i) load", "scalar(load) * vector(1)", "limit_ratio(2, load)",
                "sort_by_label(load, \"i\", \"__name__\")", "day_of_week(vector(1e300))", "minute(vector(-Inf))",
                "-(-(-(load)))", "1 / 0 ^ -Inf % NaN", "deriv(load[1m])", "irate(load[15s])", "resets(load[1h:7s])",
            ]
            for q in queries {
                do {
                    _ = try await engine.instantQuery(q, at: 750_000)
                    _ = try await engine.rangeQuery(q, start: 0, end: 750_000, step: 15_000)
                } catch {
                    // A Prometheus error type and a message saying what is wrong.
                    let type = (error as? QueryError)?.errorType ?? "not a QueryError"
                    #expect(["bad_data", "execution"].contains(type) && "\(error)".count > 10, "\(q): \(error)")
                }
            }
            // Still answering.
            let r = try await engine.instantQuery("count(load)", at: 750_000)
            guard case .vector(let v) = r.value else { Issue.record("got \(r.value)"); return }
            #expect(v.first?.v == 3)
        }
    }
}

