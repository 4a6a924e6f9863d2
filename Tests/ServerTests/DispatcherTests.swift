import Foundation
import Logging
import Synchronization
import Testing
import TSDB
@testable import Server

/// The dispatcher's grouping, timing, silencing, inhibition, escalation and persistence, driven by
/// a fake clock (receivers without integrations, so each flush is recorded synchronously).
@Suite struct DispatcherTests {
    final class FakeClock: Sendable {
        let now = Mutex<Int64>(1_000_000)
        func set(_ t: Int64) { now.withLock { $0 = t } }
    }

    static func dispatcher(_ yaml: String, clock: FakeClock, dir: String? = nil) throws -> Dispatcher {
        let (c, _) = try DispatcherConfigLoader.parse(yaml)
        let d = dir ?? NSTemporaryDirectory() + "tm-dispatcher-unit-\(UUID().uuidString)"
        return try Dispatcher(config: c, directory: d, externalURL: "http://tm", logger: Logger(label: "test"),
                              clock: { clock.now.withLock { $0 } })
    }

    /// The receivers of the routes an alert with `labels` matches, in order.
    static func receivers(_ c: DispatcherConfig, _ labels: [String: String]) throws -> [String] {
        Dispatcher.matchingRoutes(c.route, try Labels(labels)).map(\.receiver)
    }

    static func alert(_ labels: [String: String], at t: Int64, ends: Int64? = nil) throws -> DispatchAlert {
        DispatchAlert(labels: try Labels(labels), annotations: Labels(sortedUnchecked: []), startsAt: t, endsAt: ends ?? t + 3_600_000,
                      updatedAt: t, generatorURL: "", timeout: ends == nil)
    }

    static let timing = """
        route:
          receiver: r
          group_by: [alertname]
          group_wait: 30s
          group_interval: 5m
          repeat_interval: 4h
        receivers: [{name: r}]
        """

    @Test func followsGroupWaitIntervalAndRepeat() async throws {
        let clock = FakeClock()
        let d = try Self.dispatcher(Self.timing, clock: clock)
        let t0: Int64 = 1_000_000
        let group = #"{}:{alertname="Disk"}"#
        await d.put([try Self.alert(["alertname": "Disk", "i": "1"], at: t0), try Self.alert(["alertname": "Disk", "i": "2"], at: t0)])
        func step(_ t: Int64) async { clock.set(t); await d.tick(now: t) }
        await step(t0 + 29_999)
        #expect(await d.lastNotification(group: group, receiver: "r") == nil, "group_wait not over")
        await step(t0 + 30_000)
        #expect(await d.lastNotification(group: group, receiver: "r")?.firing.count == 2)
        await d.put([try Self.alert(["alertname": "Disk", "i": "3"], at: t0 + 40_000)])
        await step(t0 + 40_000)
        #expect(await d.lastNotification(group: group, receiver: "r")?.at == t0 + 30_000, "a new alert waits for group_interval")
        await step(t0 + 330_000)
        #expect(await d.lastNotification(group: group, receiver: "r")?.firing.count == 3)
        await step(t0 + 630_000)
        #expect(await d.lastNotification(group: group, receiver: "r")?.at == t0 + 330_000, "no change: no notification")
        await step(t0 + 330_000 + 4 * 3_600_000)
        #expect(await d.lastNotification(group: group, receiver: "r")?.at == t0 + 330_000 + 4 * 3_600_000, "repeat_interval")
    }

    @Test func oldAlertsSkipGroupWait() async throws {
        let clock = FakeClock()
        let d = try Self.dispatcher(Self.timing, clock: clock)
        await d.put([try Self.alert(["alertname": "Old"], at: 1_000_000 - 600_000)])
        await d.tick(now: 1_000_000)
        #expect(await d.lastNotification(group: #"{}:{alertname="Old"}"#, receiver: "r") != nil)
    }

    static let firingXTime: Int64 = 1_000_000
    static let groupX = #"{}:{alertname="X"}"#

    /// A dispatcher on a fake clock with alert X (firing for ten minutes) put and ticked at
    /// `firingXTime`; `step` moves the clock and ticks.
    static func firingX() async throws -> (Dispatcher, FakeClock, @Sendable (Int64) async -> Void) {
        let clock = FakeClock()
        let d = try dispatcher(timing, clock: clock)
        let step: @Sendable (Int64) async -> Void = { now in clock.set(now); await d.tick(now: now) }
        await d.put([try alert(["alertname": "X"], at: firingXTime - 600_000)])
        await step(firingXTime)
        return (d, clock, step)
    }

    @Test func resolvedAlertsLeaveTheirGroup() async throws {
        let (d, clock, step) = try await Self.firingX()
        let t = Self.firingXTime, group = Self.groupX
        #expect(await d.lastNotification(group: group, receiver: "r")?.firing.count == 1)
        clock.set(t + 1_000)
        await d.put([try Self.alert(["alertname": "X"], at: t - 600_000, ends: t + 1_000)])
        await step(t + 300_000)
        #expect(await d.lastNotification(group: group, receiver: "r")?.resolved.count == 1, "the resolution is notified")
        #expect(await d.groupCount == 0, "and the group goes")
        // Senders keep re-sending resolved alerts for a while: they must not pile up.
        clock.set(t + 400_000)
        await d.put([try Self.alert(["alertname": "X"], at: t - 600_000, ends: t + 1_000)])
        await step(t + 430_000)
        #expect(await d.groupCount == 0)
        #expect(await d.lastNotification(group: group, receiver: "r")?.at == t + 300_000, "nothing re-sent")
    }

    @Test func silencingEveryAlertSendsNothing() async throws {
        let (d, _, step) = try await Self.firingX()
        let t = Self.firingXTime, group = Self.groupX
        _ = try await d.upsertSilence(Silence(id: "", matchers: [.eq("alertname", "X")], startsAt: t, endsAt: t + 3_600_000,
                                              updatedAt: 0, createdBy: "me", comment: "quiet"))
        await step(t + 300_000)
        #expect(await d.lastNotification(group: group, receiver: "r")?.at == t, "no empty notification, the log unchanged")
        #expect(await d.lastNotification(group: group, receiver: "r")?.firing.count == 1)
    }

    @Test func routesLikeAlertmanager() throws {
        let (c, _) = try DispatcherConfigLoader.parse("""
            route:
              receiver: default
              routes:
                - matchers: [team="db"]
                  receiver: db
                  continue: true
                - matchers: [team=~"db|web"]
                  receiver: both
                  routes:
                    - matchers: [env="prod"]
                      receiver: prod
                - receiver: catchall
            receivers: [{name: default}, {name: db}, {name: both}, {name: prod}, {name: catchall}]
            """)
        func receivers(_ l: [String: String]) throws -> [String] { try Self.receivers(c, l) }
        #expect(try receivers(["team": "db"]) == ["db", "both"], "continue goes on to the next sibling")
        #expect(try receivers(["team": "db", "env": "prod"]) == ["db", "prod"])
        #expect(try receivers(["team": "web"]) == ["both"])
        #expect(try receivers(["team": "other"]) == ["catchall"])
    }

    @Test func silencesAndInhibitionMute() async throws {
        let clock = FakeClock()
        let d = try Self.dispatcher("""
            route: {receiver: r, group_by: [alertname], group_wait: 0s}
            inhibit_rules:
              - {source_matchers: [severity=critical], target_matchers: [severity=warning], equal: [cluster]}
            receivers: [{name: r}]
            """, clock: clock)
        let t: Int64 = 1_000_000
        let src = try Self.alert(["alertname": "S", "severity": "critical", "cluster": "a"], at: t)
        let tgt = try Self.alert(["alertname": "T", "severity": "warning", "cluster": "a"], at: t)
        let other = try Self.alert(["alertname": "O", "severity": "warning", "cluster": "b"], at: t)
        // Both sides of the rule: two such alerts do not mute each other.
        let both1 = try Self.alert(["alertname": "B", "severity": "critical", "cluster": "c", "x": "1"], at: t)
        await d.put([src, tgt, other, both1])
        #expect(await d.isInhibited(tgt, now: t))
        #expect(!(await d.isInhibited(other, now: t)))
        #expect(!(await d.isInhibited(src, now: t)))
        let id = try await d.upsertSilence(Silence(id: "", matchers: [.eq("alertname", "O")], startsAt: t, endsAt: t + 60_000,
                                                    updatedAt: 0, createdBy: "me", comment: "c"))
        #expect(await d.isSilenced(other, now: t))
        await d.tick(now: t)
        #expect(await d.lastNotification(group: #"{}:{alertname="S"}"#, receiver: "r") != nil)
        #expect(await d.lastNotification(group: #"{}:{alertname="T"}"#, receiver: "r") == nil)
        #expect(await d.lastNotification(group: #"{}:{alertname="O"}"#, receiver: "r") == nil)
        // Updating a silence with the same matchers keeps its ID; changing them replaces it.
        let same = try await d.upsertSilence(Silence(id: id, matchers: [.eq("alertname", "O")], startsAt: t, endsAt: t + 120_000,
                                                      updatedAt: 0, createdBy: "me", comment: "longer"))
        #expect(same == id)
        let replaced = try await d.upsertSilence(Silence(id: id, matchers: [.eq("alertname", "P")], startsAt: t, endsAt: t + 120_000,
                                                          updatedAt: 0, createdBy: "me", comment: "other"))
        #expect(replaced != id)
        #expect(await d.silence(id)?.state(at: t) == .expired)
        await #expect(throws: Dispatcher.SilenceError.self) {
            _ = try await d.upsertSilence(Silence(id: "", matchers: [try Matcher(.regex, "a", ".*")], startsAt: t, endsAt: t + 1,
                                                  updatedAt: 0, createdBy: "me", comment: "matches everything"))
        }
    }

    @Test func stateSurvivesReopening() async throws {
        let clock = FakeClock()
        let dir = NSTemporaryDirectory() + "tm-dispatcher-unit-\(UUID().uuidString)"
        let t: Int64 = 1_000_000
        do {
            let d = try Self.dispatcher(Self.timing, clock: clock, dir: dir)
            _ = try await d.upsertSilence(Silence(id: "", matchers: [.eq("a", "b")], startsAt: t, endsAt: t + 60_000, updatedAt: 0,
                                                  createdBy: "me", comment: "kept"))
            await d.put([try Self.alert(["alertname": "Disk"], at: t - 600_000)])
            await d.tick(now: t)
            // No stop(): as after kill -9, once the notification log's group commit (20 ms) is written.
            await d.syncJournal()
        }
        // A torn last line (a write cut short) is skipped.
        let h = try #require(FileHandle(forWritingAtPath: dir + "/journal.jsonl"))
        _ = try h.seekToEnd()
        try h.write(contentsOf: Data(#"{"silence":{"id":"#.utf8))
        try h.close()
        let d = try Self.dispatcher(Self.timing, clock: clock, dir: dir)
        #expect(await d.silenceList().map(\.comment) == ["kept"])
        #expect(await d.lastNotification(group: #"{}:{alertname="Disk"}"#, receiver: "r")?.at == t)
        await d.put([try Self.alert(["alertname": "Disk"], at: t - 600_000)])
        await d.tick(now: t + 1_000)
        #expect(await d.lastNotification(group: #"{}:{alertname="Disk"}"#, receiver: "r")?.at == t, "not re-sent after the restart")
    }

    @Test(arguments: [
        // (previous firing, previous resolved, firing, resolved, sendResolved, repeat passed) -> notify
        ([UInt64](), [UInt64](), [UInt64](), [UInt64](), true, false, false),
        ([], [], [1], [], true, false, true),
        ([1], [], [1], [], true, false, false),
        ([1], [], [1], [], true, true, true),
        ([1], [], [1, 2], [], true, false, true),
        ([1, 2], [], [1], [2], true, false, true),
        ([1, 2], [], [1], [2], false, false, false),
        ([1], [], [], [1], false, false, true),
        ([], [1], [], [1], true, false, false),
    ])
    func dedupFollowsAlertmanager(_ pf: [UInt64], _ pr: [UInt64], _ f: [UInt64], _ r: [UInt64], _ sendResolved: Bool, _ repeatPassed: Bool, _ want: Bool) {
        let entry: NotificationLog.Entry? = pf.isEmpty && pr.isEmpty ? nil : .init(firing: pf, resolved: pr, at: 0)
        let got = NotificationLog.needsUpdate(entry, firing: f, resolved: r, sendResolved: sendResolved, repeatIntervalMs: 100,
                                              now: repeatPassed ? 100 : 50)
        #expect(got == want)
    }

    @Test func escalatesUnlessAcknowledged() async throws {
        let clock = FakeClock()
        let d = try Self.dispatcher("""
            route: {receiver: a, group_by: [alertname], group_wait: 0s, group_interval: 1m, escalation_policy: p}
            escalation_policies:
              - {name: p, repeat: true, steps: [{receiver: a, delay: 5m}, {receiver: b, delay: 5m}]}
            receivers: [{name: a}, {name: b}]
            """, clock: clock)
        let t: Int64 = 1_000_000
        await d.put([try Self.alert(["alertname": "X"], at: t), try Self.alert(["alertname": "Y"], at: t)])
        func step(_ now: Int64) async { clock.set(now); await d.tick(now: now) }
        await step(t)
        let gx = #"{}:{alertname="X"}"#, gy = #"{}:{alertname="Y"}"#
        #expect(await d.lastNotification(group: gx, receiver: "a") != nil)
        #expect(await d.lastNotification(group: gx, receiver: "b") == nil)
        let yID = try #require(await d.groupStatuses().first { $0.labels["alertname"] == "Y" }?.shortID)
        _ = try await d.acknowledge(yID, by: "me", comment: nil)
        await step(t + 299_999)
        #expect(await d.lastNotification(group: gx, receiver: "b") == nil)
        await step(t + 300_000)
        #expect(await d.lastNotification(group: gx, receiver: "b")?.at == t + 300_000, "escalated after the first step's delay")
        #expect(await d.lastNotification(group: gy, receiver: "b") == nil, "acknowledged")
        await step(t + 600_000)
        #expect(await d.lastNotification(group: gx, receiver: "a")?.at == t + 600_000, "repeat: back to the first step")
        // Un-acknowledging restarts the current step's wait.
        _ = try await d.unacknowledge(yID)
        await step(t + 899_999)
        #expect(await d.lastNotification(group: gy, receiver: "b") == nil)
        await step(t + 900_000)
        #expect(await d.lastNotification(group: gy, receiver: "b") != nil)
    }

    @Test func ackBeforeTheFirstNotificationStillNotifiesTheFirstStep() async throws {
        let clock = FakeClock()
        let d = try Self.dispatcher("""
            route: {receiver: a, group_by: [alertname], group_wait: 30s, group_interval: 1m, escalation_policy: p}
            escalation_policies:
              - {name: p, steps: [{receiver: a, delay: 5m}, {receiver: b, delay: 5m}]}
            receivers: [{name: a}, {name: b}]
            """, clock: clock)
        let t: Int64 = 1_000_000
        await d.put([try Self.alert(["alertname": "X"], at: t)])
        await d.tick(now: t)
        let id = try #require(await d.groupStatuses().first?.shortID)
        _ = try await d.acknowledge(id, by: "me", comment: "on it")
        clock.set(t + 30_000)
        await d.tick(now: t + 30_000)
        let g = #"{}:{alertname="X"}"#
        #expect(await d.lastNotification(group: g, receiver: "a")?.at == t + 30_000, "the first step is told even when acknowledged")
        clock.set(t + 400_000)
        await d.tick(now: t + 400_000)
        #expect(await d.lastNotification(group: g, receiver: "b") == nil, "acknowledged: no escalation")
    }

    @Test func muteAndActiveTimeIntervalsHoldNotificationsBack() async throws {
        let clock = FakeClock()
        let yaml = """
            route:
              receiver: r
              group_by: [alertname]
              group_wait: 0s
              group_interval: 1m
              routes:
                - {matchers: [team=ops], receiver: r, mute_time_intervals: [weekend]}
                - {matchers: [team=dev], receiver: r, active_time_intervals: [weekend]}
            time_intervals:
              - name: weekend
                time_intervals: [{weekdays: [saturday, sunday]}]
            receivers: [{name: r}]
            """
        let d = try Self.dispatcher(yaml, clock: clock)
        // Saturday 1970-01-03 12:00 UTC, then Monday 1970-01-05 12:00 UTC.
        let saturday: Int64 = 2 * 86_400_000 + 43_200_000, monday: Int64 = 4 * 86_400_000 + 43_200_000
        let routes = try DispatcherConfigLoader.parse(yaml).0.route.routes
        let ops = routes[0].id + #":{alertname="Ops"}"#, dev = routes[1].id + #":{alertname="Dev"}"#
        func step(_ t: Int64) async { clock.set(t); await d.tick(now: t) }
        clock.set(saturday)
        await d.put([try Self.alert(["alertname": "Ops", "team": "ops"], at: saturday, ends: monday + 86_400_000),
                     try Self.alert(["alertname": "Dev", "team": "dev"], at: saturday, ends: monday + 86_400_000)])
        await step(saturday)
        await step(saturday + 60_000)
        #expect(await d.lastNotification(group: ops, receiver: "r") == nil, "muted at the weekend")
        #expect(await d.lastNotification(group: dev, receiver: "r") != nil, "active at the weekend")
        await step(monday)
        #expect(await d.lastNotification(group: ops, receiver: "r")?.at == monday, "sent once the mute interval is over")
        #expect(await d.lastNotification(group: dev, receiver: "r")?.at == saturday, "outside its active interval: held")
    }

    @Test func alertsWithoutEndsAtResolveAfterTheResolveTimeout() async throws {
        let clock = FakeClock()
        let d = try Self.dispatcher("""
            global: {resolve_timeout: 2m}
            route: {receiver: r, group_by: ['...'], group_wait: 0s, group_interval: 1m}
            receivers: [{name: r}]
            """, clock: clock)
        let t: Int64 = 1_000_000
        clock.set(t)
        let posted = [AlertmanagerJSON.PostableAlert(labels: ["alertname": "Gone", "i": "1"], annotations: nil, startsAt: nil, endsAt: nil,
                                                     generatorURL: nil),
                      AlertmanagerJSON.PostableAlert(labels: ["alertname": "Gone", "i": "2"], annotations: nil, startsAt: nil, endsAt: nil,
                                                     generatorURL: nil)]
        let (alerts, errors) = AlertmanagerJSON.alerts(posted, now: t, resolveTimeoutMs: await d.resolveTimeoutMs)
        #expect(errors.isEmpty)
        #expect(alerts.map(\.endsAt) == [t + 120_000, t + 120_000])
        await d.put(alerts)
        await d.tick(now: t)
        // group_by '...': every label set is a group of its own.
        let g1 = #"{}:{alertname="Gone", i="1"}"#
        #expect(await d.groupCount == 2)
        #expect(await d.lastNotification(group: g1, receiver: "r")?.firing.count == 1)
        // Not re-posted: resolved once the timeout passes, and that is notified.
        clock.set(t + 180_000)
        await d.tick(now: t + 180_000)
        #expect(await d.lastNotification(group: g1, receiver: "r")?.resolved.count == 1)
    }

    @Test func olderMatchAndMatchREKeysRoute() throws {
        let (c, _) = try DispatcherConfigLoader.parse("""
            route:
              receiver: default
              routes:
                - {match: {team: db}, receiver: db}
                - {match_re: {service: 'api|web'}, receiver: front}
            receivers: [{name: default}, {name: db}, {name: front}]
            """)
        func receivers(_ l: [String: String]) throws -> [String] { try Self.receivers(c, l) }
        #expect(try receivers(["team": "db"]) == ["db"])
        #expect(try receivers(["service": "web"]) == ["front"])
        #expect(try receivers(["service": "webserver"]) == ["default"], "match_re is anchored")
    }
}
