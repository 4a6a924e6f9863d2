import Foundation
import RuleEval
import Testing
import TSDB

/// Alert state as Prometheus keeps it, evaluated through real groups on a real database.
@Suite struct AlertingRuleTests {
    /// A database in a temporary directory with an engine, removed by `close()`.
    final class Store {
        let dir = NSTemporaryDirectory() + "tm-alerting-\(UUID().uuidString)"
        let db: DB
        let env: RuleEnvironment

        init() throws {
            var o = DBOptions()
            o.walSync = .never
            db = try DB.open(directory: dir, options: o)
            env = RuleEnvironment(engine: PromQLEngine(storage: db), storage: db, externalLabels: [Label(name: "dc", value: "eu")])
        }

        func close() {
            try? db.close()
            try? FileManager.default.removeItem(atPath: dir)
        }

        /// `up{job="a"}` with one value per minute from t=0.
        func up(_ values: [Double], job: String = "a") throws {
            var app = db.appender()
            let l = try Labels(["__name__": "up", "job": job])
            for (i, v) in values.enumerated() { app.append(l, t: Int64(i) * 60_000, v: v) }
            _ = try app.commit()
        }

        func value(_ query: String, at t: Int64) async throws -> [InstantSample] {
            guard case .vector(let v) = try await env.engine.instantQuery(query, at: t).value else { return [] }
            return v
        }
    }

    static func group(_ yaml: String, restore: Bool = false, gracePeriodMs: Int64 = 600_000) throws -> RuleGroup {
        let f = try RuleFileLoader.parse(yaml, file: "t.yml")
        return RuleGroup(try #require(f.groups.first), defaultIntervalMs: 60_000, restore: restore, gracePeriodMs: gracePeriodMs)
    }

    static let downRule = """
        groups:
          - name: g
            rules:
              - alert: Down
                expr: up == 0
                for: 2m
                labels: {severity: page}
        """

    @Test func pendingFiringResolved() async throws {
        let s = try Store()
        defer { s.close() }
        try s.up([1, 0, 0, 0, 0, 1, 1])
        let g = try Self.group(Self.downRule)
        let rule = try #require(g.alertingRules.first)
        var states: [AlertState?] = []
        var sent: [[AlertNotification]] = []
        for m in 0...6 {
            sent.append(g.evaluate(at: Int64(m) * 60_000, env: s.env))
            states.append(rule.alerts.first?.state)
        }
        // Pending at 1m, firing once 2m have passed (3m), resolved when up is back (5m).
        #expect(states == [nil, .pending, .pending, .firing, .firing, .inactive, .inactive])
        #expect(sent[1].isEmpty && sent[2].isEmpty)
        let firing = try #require(sent[3].first)
        #expect(firing.labels == (try Labels(["alertname": "Down", "job": "a", "severity": "page"])))
        #expect(firing.startsAt == 180_000 && firing.endsAt > 180_000)
        #expect(sent[4].isEmpty, "re-sent before the resend delay")
        #expect(sent[5].first?.endsAt == 300_000, "resolution sent with endsAt = resolution time")
        // ALERTS and ALERTS_FOR_STATE were written while active, and are stale after resolution.
        let alerts = try await s.value("ALERTS", at: 240_000)
        #expect(alerts.map { $0.labels["alertstate"] } == ["firing"])
        let forState = try await s.value("ALERTS_FOR_STATE", at: 240_000)
        #expect(forState.first?.v == 60, "activeAt in seconds")
        #expect(try await s.value("ALERTS", at: 330_000).isEmpty)
    }

    @Test func keepFiringFor() throws {
        let s = try Store()
        defer { s.close() }
        try s.up([0, 1, 1, 1, 1])
        let g = try Self.group("""
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    keep_firing_for: 2m
            """)
        let rule = try #require(g.alertingRules.first)
        var states: [AlertState?] = []
        for m in 0...4 {
            _ = g.evaluate(at: Int64(m) * 60_000, env: s.env)
            states.append(rule.alerts.first?.state)
        }
        #expect(states == [.firing, .firing, .firing, .inactive, .inactive])
    }

    @Test func limitAndDuplicates() throws {
        let s = try Store()
        defer { s.close() }
        try s.up([0])
        try s.up([0], job: "b")
        let g = try Self.group("""
            groups:
              - name: g
                limit: 1
                rules:
                  - alert: Down
                    expr: up == 0
                  - record: same
                    expr: up
                    labels: {job: x}
            """)
        _ = g.evaluate(at: 0, env: s.env)
        #expect(g.rules[0].record.health == .err)
        #expect(g.rules[0].record.lastError == "exceeded limit of 1 with 2 alerts")
        #expect(g.rules[1].record.lastError == "vector contains metrics with the same labelset after applying rule labels")
    }

    /// A later rule sees an earlier rule's output of the same evaluation; a series a rule stops
    /// returning is marked stale at once.
    @Test func rulesInOrderAndStaleness() async throws {
        let s = try Store()
        defer { s.close() }
        try s.up([1, 1])
        try s.up([1, StaleNaN.value], job: "b")
        let g = try Self.group("""
            groups:
              - name: g
                rules:
                  - record: job:up
                    expr: up
                  - record: total
                    expr: sum(job:up)
            """)
        _ = g.evaluate(at: 0, env: s.env)
        #expect(try await s.value("total", at: 0).first?.v == 2)
        _ = g.evaluate(at: 60_000, env: s.env)
        #expect(try await s.value("total", at: 60_000).first?.v == 1)
        let series = try await s.value("job:up", at: 60_000)
        #expect(series.map { $0.labels["job"] } == ["a"], "job b's recorded series is stale at the next evaluation")
    }

    /// After a restart, an alert that was pending gets its activeAt back from ALERTS_FOR_STATE, so
    /// it fires when its `for` would have elapsed, not `for` after the restart.
    @Test func restoreForState() throws {
        let s = try Store()
        defer { s.close() }
        try s.up([1, 0, 0, 0, 0, 0, 0])
        let rule = """
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 20m
            """
        let before = try Self.group(rule)
        for m in 1...2 { _ = before.evaluate(at: Int64(m) * 60_000, env: s.env) }
        // "Restart" 3 minutes later: a fresh group that restores.
        let after = try Self.group(rule, restore: true)
        _ = after.evaluate(at: 5 * 60_000, env: s.env)
        let alert = try #require(after.alertingRules.first?.alerts.first)
        // Was active from 1m; down from 2m to 5m, which is added (the outage does not count toward `for`).
        #expect(alert.activeAt == 60_000 + 3 * 60_000)
        let fresh = try Self.group(rule)
        _ = fresh.evaluate(at: 5 * 60_000, env: s.env)
        let freshAlert = try #require(fresh.alertingRules.first?.alerts.first)
        #expect(freshAlert.activeAt == 300_000, "without restoring, `for` starts again")
    }

    /// An alert that had ended before the restart (its state series ends in a stale marker) is not
    /// restored; a bad value in the state series is ignored, not trusted.
    @Test func restoreIgnoresEndedAlertsAndBadValues() throws {
        let s = try Store()
        defer { s.close() }
        try s.up([0, 0, 1, 0, 0, 0])
        let rule = """
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 20m
            """
        let before = try Self.group(rule)
        for m in 0...2 { _ = before.evaluate(at: Int64(m) * 60_000, env: s.env) }  // active at 0, resolved at 2m
        let after = try Self.group(rule, restore: true)
        _ = after.evaluate(at: 4 * 60_000, env: s.env)
        let afterAlert = try #require(after.alertingRules.first?.alerts.first)
        #expect(afterAlert.activeAt == 240_000, "restored from a series that had ended")

        var app = s.db.appender()
        app.append(try Labels(["__name__": "ALERTS_FOR_STATE", "alertname": "Down", "job": "a"]), t: 270_000, v: .infinity)
        _ = try app.commit()
        let bad = try Self.group(rule, restore: true)
        _ = bad.evaluate(at: 5 * 60_000, env: s.env)
        let badAlert = try #require(bad.alertingRules.first?.alerts.first)
        #expect(badAlert.activeAt == 300_000)
    }

    /// `query_offset` shifts the query and the stored samples, not the alert's clock.
    @Test func queryOffsetShiftsQueriesNotAlertTimes() async throws {
        let s = try Store()
        defer { s.close() }
        try s.up([0, 0, 0, 0])
        let g = try Self.group("""
            groups:
              - name: g
                query_offset: 1m
                rules:
                  - alert: Down
                    expr: up == 0
            """)
        let sent = g.evaluate(at: 180_000, env: s.env)
        let alert = try #require(g.alertingRules.first?.alerts.first)
        #expect(alert.activeAt == 180_000)
        #expect(sent.first.map { $0.endsAt > 180_000 } == true)
        let series = try await s.value("ALERTS", at: 120_000)
        #expect(series.count == 1, "ALERTS stamped at the offset time")
    }

    /// A reload keeps an edited alert's state (same name and labels) and ends a removed rule's series.
    @Test func reloadKeepsStateOfEditedRulesAndEndsRemovedOnes() async throws {
        let s = try Store()
        defer { s.close() }
        try s.up([0, 0, 0, 0])
        let old = try Self.group("""
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up == 0
                    for: 1m
                  - record: gone
                    expr: up
            """)
        for m in 0...1 { _ = old.evaluate(at: Int64(m) * 60_000, env: s.env) }
        #expect(old.alertingRules.first?.alerts.first?.state == .firing)
        let new = try Self.group("""
            groups:
              - name: g
                rules:
                  - alert: Down
                    expr: up < 1
                    for: 1m
                    annotations: {summary: edited}
            """)
        new.adopt(from: old)
        _ = new.evaluate(at: 120_000, env: s.env)
        let a = try #require(new.alertingRules.first?.alerts.first)
        #expect(a.state == .firing && a.activeAt == 0 && a.annotations == [Label(name: "summary", value: "edited")])
        #expect(try await s.value("gone", at: 120_000).isEmpty, "the removed rule's series was not ended")
    }

    @Test func scheduleIsAlignedAndSpread() throws {
        let g = try Self.group(Self.downRule)
        let next = g.nextEvaluation(after: 1_000_000_123)
        #expect(next >= 1_000_000_123 && next < 1_000_000_123 + 60_000)
        #expect(g.nextEvaluation(after: next) == next)
        #expect(g.nextEvaluation(after: next + 1) == next + 60_000)
    }
}
