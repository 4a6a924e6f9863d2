import Foundation
import RuleEval
import Testing
import TSDB
@testable import Server

/// `alertmanager.yml` as the built-in dispatcher reads it, matchers, time intervals, rotations and
/// the default notification templates.
@Suite struct DispatcherConfigTests {
    static func parse(_ yaml: String) throws -> (DispatcherConfig, [String]) {
        try DispatcherConfigLoader.parse(yaml)
    }

    static let full = """
        global:
          resolve_timeout: 2m
          smtp_smarthost: 'mail:25'
          smtp_from: 'am@example.org'
          slack_api_url: 'http://slack.example/hook'
          pagerduty_url: 'https://events.pagerduty.com'
        route:
          receiver: default
          group_by: [alertname, cluster]
          group_wait: 10s
          routes:
            - matchers: ['severity=~"page|critical"', team="db"]
              receiver: db
              group_interval: 1m
              continue: true
              routes:
                - match: {env: prod}
                  escalation_policy: db-oncall
            - match_re: {service: 'api|web'}
              receiver: web
              group_by: ['...']
              mute_time_intervals: [nights]
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [cluster]
        time_intervals:
          - name: nights
            time_intervals:
              - times: [{start_time: '00:00', end_time: '06:00'}]
                weekdays: ['monday:friday']
                location: Europe/Berlin
        escalation_policies:
          - name: db-oncall
            repeat: true
            steps:
              - {receiver: db, delay: 5m}
              - {receiver: lead, delay: 10m}
        receivers:
          - name: default
          - name: db
            webhook_configs: [{url: 'http://hook/db', max_alerts: 10}]
            rate_limit: {max: 10, interval: 1m}
          - name: web
            slack_configs: [{channel: '#web'}]
            pagerduty_configs: [{service_key: x}]
          - name: lead
            email_configs: [{to: 'lead@example.org'}]
          - name: rota
            rotation: {members: [db, lead], start: '2026-11-23T09:00', every: 1w, time_zone: Europe/Berlin}
        """

    @Test func readsAFullConfiguration() throws {
        let (c, warnings) = try Self.parse(Self.full)
        #expect(c.resolveTimeoutMs == 120_000)
        #expect(c.route.groupBy == ["alertname", "cluster"])
        #expect(c.route.routes.count == 2)
        let db = c.route.routes[0]
        #expect(db.receiver == "db" && db.continueMatching && db.groupWaitMs == 10_000 && db.groupIntervalMs == 60_000)
        #expect(db.routes[0].escalationPolicy == "db-oncall" && db.routes[0].receiver == "db", "inherits the parent's receiver")
        #expect(c.route.routes[1].groupByAll)
        #expect(c.escalationPolicies["db-oncall"]?.steps.map(\.delayMs) == [300_000, 600_000])
        #expect(c.receiver("db")?.rateLimit == RateLimit(max: 10, intervalMs: 60_000))
        #expect(c.receiver("web")?.slacks.first?.apiURL == "http://slack.example/hook", "global slack_api_url")
        #expect(c.receiver("lead")?.emails.first?.smarthost == "mail:25")
        #expect(c.receiver("rota")?.rotation?.members == ["db", "lead"])
        #expect(warnings.contains { $0.contains("pagerduty_configs") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("pagerduty_url") }, "\(warnings)")
        #expect(db.key == #"{}/{severity=~"page|critical", team="db"}"#)
    }

    @Test(arguments: [
        ("route: {receiver: x}\nreceivers: [{name: y}]\n", "undefined receiver \"x\""),
        ("route: {receiver: y, group_wait: soon}\nreceivers: [{name: y}]\n", "route.group_wait"),
        ("route: {receiver: y, colour: red}\nreceivers: [{name: y}]\n", "route.colour"),
        ("receivers: [{name: y}]\n", "no route provided"),
        ("route: {receiver: y, matchers: ['a=~\"(\"']}\nreceivers: [{name: y}]\n", "route.matchers[0]"),
        ("route: {receiver: y}\nreceivers: [{name: y}, {name: y}]\n", "not unique"),
        ("route: {receiver: y, escalation_policy: p}\nreceivers: [{name: y}]\nescalation_policies: [{name: p, steps: [{receiver: y}, {receiver: y}]}]\n",
         "steps[0].delay"),
        ("route: {receiver: y, mute_time_intervals: [never]}\nreceivers: [{name: y}]\n", "undefined time interval"),
        ("route: {receiver: y}\nreceivers: [{name: y, webhook_configs: [{url: 'ftp://x'}]}]\n", "unsupported scheme"),
        ("route: {receiver: y}\nreceivers: [{name: y, rotation: {members: [z], every: 1w, start: '2026-01-01T00:00'}}]\n", "undefined receiver \"z\""),
        ("route: {receiver: y}\nreceivers: [{name: y, slack_configs: [{api_url: 'http://x', title: '{{ .Nope'}]}]\n", "title"),
        ("route: {receiver: y}\nreceivers: [{name: y, email_configs: [{to: a@b}]}]\n", "from: no global SMTP from"),
        ("route: {receiver: y, repeat_interval: 20y}\nreceivers: [{name: y}]\n", "too long"),
        ("route: {receiver: y}\nreceivers: [{name: y}, {name: r, rotation: {members: [y], every: 1d, start: '2026-01-01T00:00'}, rate_limit: {max: 1, interval: 1m}}]\n",
         "rate_limit on its members"),
        ("route: {receiver: y}\nreceivers: [{name: y}]\ntime_intervals: [{name: t, time_intervals: [{days_of_month: ['-3:5']}]}]\n", "days_of_month"),
        ("route: {receiver: y}\nreceivers: [{name: y, email_configs: [{to: a@b, from: c@d}]}]\n", "smarthost: no global SMTP smarthost"),
    ])
    func rejectsInvalidConfigurationNamingTheKey(_ yaml: String, _ expected: String) {
        do {
            _ = try Self.parse(yaml)
            Issue.record("accepted: \(yaml)")
        } catch {
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func keysAcceptedButNotHonouredAreWarnedAbout() throws {
        let (_, warnings) = try Self.parse("""
            route: {receiver: y}
            receivers:
              - name: y
                webhook_configs: [{url: 'https://hook', http_config: {tls_config: {ca_file: /ca.pem}, proxy_url: 'http://proxy:3128'}}]
                slack_configs: [{api_url: 'http://x', fields: [{title: a, value: b}]}]
                email_configs: [{to: a@b, from: c@d, smarthost: 'mail:25', auth_secret: s, tls_config: {ca_file: /ca.pem}}]
            """)
        let (_, newer) = try Self.parse("""
            global: {jira_api_url: 'http://jira'}
            route: {receiver: y}
            receivers: [{name: y, msteamsv2_configs: [{webhook_url: 'http://teams'}], jira_configs: [{project: X}]}]
            """)
        #expect(newer.contains { $0.contains("msteamsv2_configs") } && newer.contains { $0.contains("jira_api_url") }, "\(newer)")
        for key in ["http_config.tls_config", "http_config.proxy_url", "slack_configs[0].fields", "auth_secret", "tls_config.ca_file"] {
            #expect(warnings.contains { $0.contains(key) }, "\(key): \(warnings)")
        }
    }

    @Test func childrenOfIdenticalSiblingsGetDistinctIDs() throws {
        let (c, _) = try Self.parse("""
            route:
              receiver: a
              routes:
                - {receiver: a, continue: true, routes: [{matchers: [severity="critical"], receiver: a}]}
                - {receiver: b, routes: [{matchers: [severity="critical"], receiver: b}]}
            receivers: [{name: a}, {name: b}]
            """)
        let ids = c.route.routes.map { $0.routes[0].id }
        #expect(ids[0] != ids[1], "\(ids)")
        #expect(c.route.routes[0].routes[0].key == c.route.routes[1].routes[0].key, "keys stay Alertmanager's")
    }

    @Test func parsesMatchersInAlertmanagerSyntax() throws {
        let m = try AlertMatchers.parse(#"{alertname="Disk Full", severity=~"warn|crit", env!=prod, team !~ "a\"b"}"#)
        #expect(m.map(\.description) == [#"alertname="Disk Full""#, #"severity=~"warn|crit""#, #"env!="prod""#, #"team!~"a\"b""#])
        #expect(try AlertMatchers.parseOne("foo=bar").matches("bar"))
        #expect(throws: AlertMatchers.ParseError.self) { try AlertMatchers.parse("foo") }
        #expect(throws: AlertMatchers.ParseError.self) { try AlertMatchers.parse(#"foo="bar"#) }
        let re = try AlertMatchers.parseOne(#"a=~"b.*""#)
        #expect(re.matches("bcd") && !re.matches("abc"), "anchored")
    }

    @Test func timeIntervalsFollowTheirTimeZone() throws {
        let (c, _) = try Self.parse(Self.full)
        let nights = try #require(c.timeIntervals["nights"]?.first)
        // Tuesday 2026-11-24 04:30 in Berlin is 03:30 UTC; 06:30 Berlin is outside.
        #expect(nights.contains(Self.ms("2026-11-24T03:30:00Z")))
        #expect(!nights.contains(Self.ms("2026-11-24T05:30:00Z")))
        // Saturday night is outside monday:friday.
        #expect(!nights.contains(Self.ms("2026-11-28T03:30:00Z")))
        var lastDay = TimeIntervalSpec()
        lastDay.daysOfMonth = [(-1, -1)]
        var whole = TimeIntervalSpec()
        whole.daysOfMonth = [(1, -1)]
        #expect(whole.contains(Self.ms("2026-02-01T12:00:00Z")) && whole.contains(Self.ms("2026-02-15T12:00:00Z")))
        #expect(lastDay.contains(Self.ms("2026-02-28T12:00:00Z")) && !lastDay.contains(Self.ms("2026-02-27T12:00:00Z")))
    }

    @Test func weeklyRotationHandsOverAtLocalTimeAcrossDaylightSaving() throws {
        // Monday 2026-10-19 09:00 in Berlin (CEST); clocks go back on Sunday 2026-10-25.
        let tz = try #require(TimeZone(identifier: "Europe/Berlin"))
        let start = try #require(DispatcherConfigLoader.localTime("2026-10-19T09:00", tz))
        #expect(start == Self.ms("2026-10-19T07:00:00Z"))
        let r = RotationConfig(members: ["alice", "bob"], startMs: start, everyMs: 7 * 86_400_000, timeZone: "Europe/Berlin")
        #expect(r.member(at: Self.ms("2026-10-26T07:30:00Z")) == "alice", "08:30 CET: still the first shift")
        #expect(r.member(at: Self.ms("2026-10-26T08:00:00Z")) == "bob", "09:00 CET: handed over")
        #expect(r.member(at: Self.ms("2026-11-02T08:00:00Z")) == "alice")
        #expect(r.member(at: Self.ms("2026-10-12T08:00:00Z")) == "bob", "before the start the rotation runs backwards")
        let hourly = RotationConfig(members: ["a", "b", "c"], startMs: 0, everyMs: 3_600_000, timeZone: "UTC")
        #expect(hourly.member(at: 2 * 3_600_000 + 1) == "c")
    }

    @Test func defaultTemplatesRenderAlertmanagerStyleMessages() throws {
        let (c, _) = try Self.parse("route: {receiver: s}\nreceivers: [{name: s, slack_configs: [{api_url: 'http://x'}]}]\n")
        let slack = try #require(c.receiver("s")?.slacks.first)
        func alert(_ labels: [String: String], resolved: Bool = false) throws -> DispatchAlert {
            DispatchAlert(labels: try Labels(labels), annotations: try Labels(["summary": "disk almost full"]), startsAt: 1_000,
                          endsAt: resolved ? 2_000 : 10_000_000, updatedAt: 1_000, generatorURL: "http://prom/graph", timeout: false)
        }
        let alerts = [try alert(["alertname": "Disk", "severity": "warning", "instance": "a"]),
                      try alert(["alertname": "Disk", "severity": "critical", "instance": "b"]),
                      try alert(["alertname": "Disk", "severity": "warning", "instance": "c"], resolved: true)]
        let data = NotificationData(receiver: "s", alerts: alerts, groupLabels: try Labels(["alertname": "Disk"]),
                                    externalURL: "http://tm:9090", heldBack: [], now: 5_000)
        #expect(try data.render(slack.title) == "[FIRING:2] Disk")
        #expect(try data.render(slack.color) == "danger", "the most severe firing alert decides")
        let text = try data.render(slack.text)
        #expect(text.contains("Firing:") && text.contains("Resolved:") && text.contains("instance=b") && text.contains("disk almost full"), "\(text)")
        let one = NotificationData(receiver: "s", alerts: [alerts[0]], groupLabels: try Labels(["alertname": "Disk"]),
                                   externalURL: "", heldBack: [], now: 5_000)
        #expect(try one.render(slack.title) == "[FIRING:1] Disk (a warning)")
        #expect(try one.render(slack.color) == "warning")
        let custom = try Template(#"{{ range .Alerts.Firing }}{{ .Labels.instance }}{{ end }}|{{ .CommonLabels.Remove (stringSlice "severity") | len }}|{{ .GroupLabels.Names }}"#,
                                  name: "t", functions: .alertmanager)
        #expect(try data.render(custom) == "ab|1|[alertname]")
    }

    @Test func alertmanagersDefaultHTMLEmailTemplateRenders() throws {
        let (c, _) = try Self.parse("""
            route: {receiver: m}
            receivers:
              - name: m
                email_configs: [{to: a@example.org, from: tm@example.org, smarthost: 'localhost:25', html: '{{ template "email.default.html" . }}'}]
            """)
        let mail = try #require(c.receiver("m")?.emails.first)
        let html = try #require(mail.html)
        let alert = DispatchAlert(labels: try Labels(["alertname": "Disk", "path": "<root>"]), annotations: try Labels(["summary": "a & b"]),
                                  startsAt: 1_000, endsAt: 10_000_000, updatedAt: 1_000, generatorURL: "http://prom/graph", timeout: false)
        let data = NotificationData(receiver: "m", alerts: [alert], groupLabels: try Labels(["alertname": "Disk"]),
                                    externalURL: "http://tm:9090", heldBack: [], now: 5_000)
        let body = try data.render(html)
        #expect(body.contains("<html>") && body.contains("[FIRING:1] Disk (&lt;root&gt;)"), "\(body)")
        #expect(body.contains("path=&lt;root&gt;") && body.contains("a &amp; b"), "label values and annotations are escaped")
    }

    @Test func slackAndEmailCarryTheHeldBackSummary() throws {
        let (c, _) = try Self.parse("""
            route: {receiver: r}
            receivers:
              - name: r
                slack_configs: [{api_url: 'http://x'}]
                email_configs: [{to: a@example.org, from: tm@example.org, smarthost: 'localhost:25', html: '<p>hi</p>'}]
            """)
        let r = try #require(c.receiver("r"))
        let alert = DispatchAlert(labels: try Labels(["alertname": "Disk"]), annotations: Labels(sortedUnchecked: []),
                                  startsAt: 1_000, endsAt: 10_000_000, updatedAt: 1_000, generatorURL: "", timeout: false)
        let held = [ReceiverRateLimiter.Held(groupID: "g", groupLabels: try Labels(["alertname": "CPU"]), firing: 3, resolved: 1, count: 2)]
        let data = NotificationData(receiver: "r", alerts: [alert], groupLabels: try Labels(["alertname": "Disk"]),
                                    externalURL: "http://tm", heldBack: held, now: 5_000)
        let slack = String(decoding: try SlackPayload.encode(try #require(r.slacks.first), data: data), as: UTF8.self)
        #expect(slack.contains("held back") && slack.contains("alertname=CPU: 3 firing, 1 resolved"), "\(slack)")
        let mail = try EmailMessage.build(try #require(r.emails.first), data: data)
        // Bodies are base64: decode every base64 line run and look for the summary in both parts.
        let decoded = mail.text.components(separatedBy: "\r\n\r\n").compactMap { part -> String? in
            let b64 = part.components(separatedBy: "\r\n").prefix { !$0.hasPrefix("--") }.joined()
            return Data(base64Encoded: b64).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(decoded.filter { $0.contains("alertname=CPU: 3 firing, 1 resolved") }.count >= 2, "text and HTML parts: \(decoded)")
    }

    @Test func printsTimesAsGoDoes() {
        #expect(DispatcherTime.format(0) == "0001-01-01T00:00:00Z")
        #expect(DispatcherTime.format(Self.ms("2026-11-24T10:00:00Z")) == "2026-11-24T10:00:00Z")
        #expect(DispatcherTime.format(Self.ms("2026-11-24T10:00:00.120Z")) == "2026-11-24T10:00:00.12Z")
        #expect(DispatcherTime.format(-1) == "1969-12-31T23:59:59.999Z")
        #expect(DispatcherTime.parse("0001-01-01T00:00:00Z").map { $0 <= -62_135_596_800_000 } == true)
    }

    static func ms(_ s: String) -> Int64 { DispatcherTime.parse(s) ?? 0 }
}
