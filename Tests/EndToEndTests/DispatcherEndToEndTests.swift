@testable import Bench
import Foundation
import Testing

/// The built-in dispatcher in a real `tidemark`, notifying real receivers on loopback (a webhook
/// sink, a Slack-compatible sink, an `aiosmtpd` SMTP server) and driven by a real `amtool`.
@Suite(.serialized) struct DispatcherEndToEndTests {
    static let amtool = "/usr/bin/amtool"
    static let systemPython = "/usr/bin/python3"

    @Test func groupsWaitsAndRepeatsLikeAlertmanager() async throws {
        let sink = try WebhookSink()
        defer { sink.stop() }
        let templates = NSTemporaryDirectory() + "tm-templates-\(UUID().uuidString).tmpl"
        defer { try? FileManager.default.removeItem(atPath: templates) }
        try #"{{ define "custom.title" }}{{ .GroupLabels.alertname }} at {{ .ExternalURL }}{{ end }}"#
            .write(toFile: templates, atomically: true, encoding: .utf8)
        let h = try await DispatcherHarness.start("""
            templates: ['\(templates)']
            route:
              receiver: team
              group_by: [alertname]
              group_wait: 1s
              group_interval: 2s
              repeat_interval: 5s
            receivers:
              - name: team
                webhook_configs:
                  - url: http://127.0.0.1:\(sink.port)/hook
                  - url: http://127.0.0.1:\(sink.port)/limited
                    max_alerts: 1
                    http_config: {authorization: {credentials: s3cret}}
                slack_configs:
                  - api_url: http://127.0.0.1:\(sink.port)/slack
                    channel: '#alerts'
                    send_resolved: true
                  - api_url: http://127.0.0.1:\(sink.port)/custom
                    title: '{{ template "custom.title" . }}'
            """)
        defer { h.tm.stop() }
        let posted = Date()
        #expect(await h.post([["alertname": "Disk", "instance": "a", "severity": "critical"],
                              ["alertname": "Disk", "instance": "b", "severity": "critical"],
                              ["alertname": "CPU", "instance": "a", "severity": "warning"]]) == 200)
        #expect(await sink.wait { r in r.filter { $0.path == "/hook" }.count >= 2 }, "two groups notified")
        let first = sink.notifications("/hook")
        #expect(Set(first.map(Webhook.group)) == ["Disk", "CPU"], "one notification per group")
        let disk = try #require(first.first { Webhook.group($0) == "Disk" })
        #expect(Webhook.instances(disk) == ["a", "b"])
        #expect(disk["version"] as? String == "4")
        #expect(disk["status"] as? String == "firing")
        #expect((disk["groupKey"] as? String) == "{}:{alertname=\"Disk\"}")
        #expect((disk["commonLabels"] as? [String: String])?["severity"] == "critical")
        let firstAt = try #require(sink.requests.first { $0.path == "/hook" }).at
        #expect(firstAt.timeIntervalSince(posted) >= 0.9, "group_wait is respected")

        // Slack: templated title and text, colour from severity.
        let slack = sink.notifications("/slack")
        let diskSlack = try #require(slack.first { (($0["attachments"] as? [[String: Any]])?.first?["title"] as? String)?.contains("Disk") == true })
        let att = try #require((diskSlack["attachments"] as? [[String: Any]])?.first)
        #expect(att["title"] as? String == "[FIRING:2] Disk (critical)")
        #expect(att["color"] as? String == "danger")
        #expect((att["text"] as? String)?.contains("instance=b") == true)
        #expect(diskSlack["channel"] as? String == "#alerts")

        // max_alerts truncates (and says how many were left out); http_config's credentials are sent.
        #expect(await sink.wait { r in r.contains { $0.path == "/limited" && $0.json.map(Webhook.group) == "Disk" } })
        let limited = try #require(sink.requests.first { $0.path == "/limited" && $0.json.map(Webhook.group) == "Disk" })
        #expect(limited.headers["authorization"] == "Bearer s3cret")
        #expect((limited.json?["alerts"] as? [Any])?.count == 1)
        #expect(limited.json?["truncatedAlerts"] as? Int == 1)
        // A template from the `templates` files, with the notification data's ExternalURL.
        #expect(await sink.wait { r in r.contains { $0.path == "/custom" } })
        let custom = sink.notifications("/custom").compactMap { (($0["attachments"] as? [[String: Any]])?.first?["title"] as? String) }
        #expect(custom.contains { $0.hasPrefix("Disk at http") }, "\(custom)")

        // A new alert in a group: sent at the next group_interval, not before and not at once.
        let before = sink.notifications("/hook").count
        #expect(await h.post([["alertname": "Disk", "instance": "c", "severity": "critical"],
                              ["alertname": "Disk", "instance": "a", "severity": "critical"],
                              ["alertname": "Disk", "instance": "b", "severity": "critical"]]) == 200)
        #expect(await sink.wait { r in r.filter { $0.path == "/hook" }.count > before })
        let update = try #require(sink.requests.filter { $0.path == "/hook" }.dropFirst(before).first)
        #expect(update.json.map(Webhook.instances) == ["a", "b", "c"])
        #expect(update.at.timeIntervalSince(firstAt) >= 1.8, "updates wait for group_interval")

        // Nothing changes: the next one is the repeat, repeat_interval after the last.
        let beforeRepeat = sink.requests.filter { $0.path == "/hook" && $0.json.map(Webhook.group) == "Disk" }.count
        #expect(await sink.wait(12) { r in r.filter { $0.path == "/hook" && $0.json.map(Webhook.group) == "Disk" }.count > beforeRepeat })
        let repeated = try #require(sink.requests.filter { $0.path == "/hook" && $0.json.map(Webhook.group) == "Disk" }.last)
        #expect(repeated.at.timeIntervalSince(update.at) >= 4.5, "repeats wait for repeat_interval")

        // Resolving: a resolved notification (send_resolved defaults to true for webhooks).
        #expect(await h.post([["alertname": "CPU", "instance": "a", "severity": "warning"]], endsAt: Date()) == 200)
        #expect(await sink.wait { r in r.contains { $0.path == "/hook" && $0.json?["status"] as? String == "resolved" } })
        let resolved = try #require(sink.notifications("/hook").first { $0["status"] as? String == "resolved" })
        #expect(Webhook.group(resolved) == "CPU")
        #expect(await h.metric("tidemark_dispatcher_notifications_total{integration=\"webhook\"") >= 4)
    }

    @Test func silencesAndInhibitionWithAmtool() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.amtool), "install prometheus-alertmanager (make test does)")
        let sink = try WebhookSink()
        defer { sink.stop() }
        let h = try await DispatcherHarness.start("""
            route:
              receiver: hook
              group_by: [alertname]
              group_wait: 500ms
              group_interval: 1s
            inhibit_rules:
              - source_matchers: [severity="critical"]
                target_matchers: [severity="warning"]
                equal: [cluster]
            receivers:
              - name: hook
                webhook_configs:
                  - url: http://127.0.0.1:\(sink.port)/hook
            """)
        defer { h.tm.stop() }
        let (addStatus, idOut) = try h.amtool(["silence", "add", "alertname=Muted", "-c", "maintenance", "-a", "e2e", "-d", "1h"])
        #expect(addStatus == 0)
        let silenceID = idOut.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(silenceID.count == 36, "amtool prints the new silence's ID: \(idOut)")
        #expect(await h.post([["alertname": "Muted", "severity": "critical", "cluster": "m"],
                              ["alertname": "Source", "severity": "critical", "cluster": "a"],
                              ["alertname": "Target", "severity": "warning", "cluster": "a"],
                              ["alertname": "Elsewhere", "severity": "warning", "cluster": "b"]]) == 200)
        #expect(await sink.wait { r in Set(r.compactMap { $0.json.map(Webhook.group) }).isSuperset(of: ["Source", "Elsewhere"]) })
        try await Task.sleep(for: .seconds(2))
        let groups = Set(sink.notifications("/hook").map(Webhook.group))
        #expect(!groups.contains("Muted"), "silenced")
        #expect(!groups.contains("Target"), "inhibited by Source (same cluster)")

        // amtool sees the same: the silence, and which alerts are suppressed by what.
        let (_, query) = try h.amtool(["silence", "query"])
        #expect(query.contains(silenceID) && query.contains("alertname=\"Muted\""), "\(query)")
        let (_, active) = try h.amtool(["alert", "query"])
        #expect(active.contains("Source") && active.contains("Elsewhere") && !active.contains("Muted"), "\(active)")
        let (_, all) = try h.amtool(["alert", "query", "--silenced", "--inhibited"])
        #expect(all.contains("Muted") && all.contains("Target"), "\(all)")
        let alerts = await h.list("/api/v2/alerts")
        let target = try #require(alerts.first { ($0["labels"] as? [String: String])?["alertname"] == "Target" })
        let status = try #require(target["status"] as? [String: Any])
        #expect(status["state"] as? String == "suppressed")
        #expect((status["inhibitedBy"] as? [String])?.count == 1)

        // One silence by ID, and the status document, as Alertmanager's API gives them.
        let one = await HTTP.request(h.tm.base + "/api/v2/silence/\(silenceID)")
        #expect(one?.0 == 200)
        let silence = try JSONSerialization.jsonObject(with: Data((one?.1 ?? "{}").utf8)) as? [String: Any]
        #expect(silence?["id"] as? String == silenceID)
        #expect((silence?["status"] as? [String: Any])?["state"] as? String == "active")
        #expect(await HTTP.request(h.tm.base + "/api/v2/silence/00000000-0000-0000-0000-000000000000")?.0 == 404)
        let statusDoc = await HTTP.request(h.tm.base + "/api/v2/status")
        let statusJSON = try JSONSerialization.jsonObject(with: Data((statusDoc?.1 ?? "{}").utf8)) as? [String: Any]
        #expect(((statusJSON?["config"] as? [String: Any])?["original"] as? String)?.contains("route:") == true)
        #expect(statusJSON?["versionInfo"] != nil && statusJSON?["uptime"] != nil && statusJSON?["cluster"] != nil)

        // Expired through amtool: the silenced alert is notified at the next flush.
        #expect(try h.amtool(["silence", "expire", silenceID]).0 == 0)
        let (_, afterExpire) = try h.amtool(["silence", "query"])
        #expect(!afterExpire.contains(silenceID))
        let (_, expired) = try h.amtool(["silence", "query", "--expired"])
        #expect(expired.contains(silenceID))
        #expect(await sink.wait { r in r.contains { $0.json.map(Webhook.group) == "Muted" } }, "notified once the silence expired")

        // The source resolves: the inhibited target is notified.
        #expect(await h.post([["alertname": "Source", "severity": "critical", "cluster": "a"]], endsAt: Date()) == 200)
        #expect(await sink.wait { r in r.contains { $0.json.map(Webhook.group) == "Target" } }, "no longer inhibited")
    }

    @Test func fingerprintsMatchAlertmanager() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: AlertingEndToEndTests.alertmanagerBinary))
        let amPort = ServerStartupTests.freePort()
        let am = try AlertingEndToEndTests.alertmanager(port: amPort)
        defer { am.stop() }
        try await am.waitReady("/-/ready")
        let h = try await DispatcherHarness.start("route: {receiver: r}\nreceivers: [{name: r}]\n")
        defer { h.tm.stop() }
        let labels = [["alertname": "FP", "instance": "host:9100", "job": "node", "x": "ü\"\\"]]
        let body = try JSONSerialization.data(withJSONObject: labels.map { ["labels": $0] })
        #expect(await HTTP.request(am.base + "/api/v2/alerts", method: "POST", body: Array(body), headers: ["Content-Type": "application/json"])?.0 == 200)
        #expect(await h.post(labels) == 200)
        var theirs: String?
        _ = await PeerProcess.eventually(10) {
            theirs = await AlertingEndToEndTests.alertmanagerAlerts(am).first?["fingerprint"] as? String
            return theirs != nil
        }
        let ours = await h.list("/api/v2/alerts").first?["fingerprint"] as? String
        #expect(theirs != nil && ours == theirs)
    }

    @Test func escalatesUntilAcknowledged() async throws {
        let sink = try WebhookSink()
        defer { sink.stop() }
        let h = try await DispatcherHarness.start("""
            route:
              receiver: primary
              group_by: [alertname]
              group_wait: 200ms
              group_interval: 1s
              routes:
                - matchers: [severity="page"]
                  escalation_policy: oncall
            escalation_policies:
              - name: oncall
                steps:
                  - receiver: primary
                    delay: 2s
                  - receiver: secondary
            receivers:
              - name: primary
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/primary'}]
              - name: secondary
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/secondary'}]
            """)
        defer { h.tm.stop() }
        #expect(await h.post([["alertname": "Unacked", "severity": "page"], ["alertname": "Acked", "severity": "page"],
                              ["alertname": "Reopened", "severity": "page"]]) == 200)
        #expect(await sink.wait { r in r.filter { $0.path == "/primary" }.count >= 3 }, "the first step is notified")
        let ackID = try #require(await h.groupID("Acked"))
        let ack = await HTTP.request(h.tm.base + "/api/v2/alerts/groups/\(ackID)/ack", method: "POST",
                                     body: Array(#"{"ackedBy":"alice","comment":"on it"}"#.utf8), headers: ["Content-Type": "application/json"])
        #expect(ack?.0 == 200, "\(String(describing: ack))")
        let reopenedID = try #require(await h.groupID("Reopened"))
        #expect(await HTTP.request(h.tm.base + "/api/v2/alerts/groups/\(reopenedID)/ack", method: "POST")?.0 == 200)
        let primaryAt = try #require(sink.requests.first { $0.path == "/primary" }).at
        #expect(await sink.wait(8) { r in r.contains { $0.path == "/secondary" } }, "unacknowledged: the second step is notified")
        let escalated = try #require(sink.requests.first { $0.path == "/secondary" })
        #expect(escalated.json.map(Webhook.group) == "Unacked")
        #expect(escalated.at.timeIntervalSince(primaryAt) >= 1.8, "after the first step's delay")
        try await Task.sleep(for: .seconds(2))
        #expect(!sink.notifications("/secondary").contains { Webhook.group($0) == "Acked" }, "acknowledged: no escalation")
        let group = await h.list("/api/v2/alerts/groups").first { ($0["id"] as? String) == ackID }
        #expect((group?["escalation"] as? [String: Any])?["acknowledgedBy"] as? String == "alice")
        // Withdrawing an acknowledgement (DELETE …/ack) resumes escalation, the step's delay counted anew.
        #expect(!sink.notifications("/secondary").contains { Webhook.group($0) == "Reopened" }, "acknowledged: no escalation")
        let unackedAt = Date()
        #expect(await HTTP.request(h.tm.base + "/api/v2/alerts/groups/\(reopenedID)/ack", method: "DELETE")?.0 == 200)
        #expect(await sink.wait(10) { r in r.contains { $0.path == "/secondary" && $0.json.map(Webhook.group) == "Reopened" } })
        let reopened = sink.requests.first { $0.path == "/secondary" && $0.json.map(Webhook.group) == "Reopened" }
        #expect((reopened?.at.timeIntervalSince(unackedAt) ?? 0) >= 1.5, "the step's delay restarts at the withdrawal")
        #expect(await HTTP.request(h.tm.base + "/api/v2/alerts/groups/nosuchgroup/unack", method: "POST")?.0 == 404)

        // The acknowledged group changes (a new alert): the acknowledgement lapses and escalation resumes.
        #expect(await h.post([["alertname": "Acked", "severity": "page", "instance": "new"], ["alertname": "Acked", "severity": "page"]]) == 200)
        #expect(await sink.wait(10) { r in r.contains { $0.path == "/secondary" && $0.json.map(Webhook.group) == "Acked" } })
        #expect(await HTTP.request(h.tm.base + "/api/v2/alerts/groups/nosuchgroup/ack", method: "POST")?.0 == 404)
    }

    @Test func rotationHandsOver() async throws {
        let sink = try WebhookSink()
        defer { sink.stop() }
        // Shifts of 3 s starting on a whole multiple of 3 s: the hand-over time is known.
        let now = Date().timeIntervalSince1970
        let start = (now / 3).rounded(.down) * 3 - 30
        let h = try await DispatcherHarness.start("""
            route:
              receiver: oncall
              group_wait: 100ms
              group_interval: 500ms
              repeat_interval: 500ms
            receivers:
              - name: oncall
                rotation:
                  members: [alice, bob]
                  start: '\(DispatcherHarness.rfc3339(Date(timeIntervalSince1970: start)))'
                  every: 3s
              - name: alice
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/alice'}]
              - name: bob
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/bob'}]
            """)
        defer { h.tm.stop() }
        #expect(await h.post([["alertname": "Pager"]]) == 200)
        #expect(await sink.wait(10) { r in Set(r.map(\.path)) == ["/alice", "/bob"] }, "both members paged as the shift changes")
        // Every notification went to whoever was on call when it was sent.
        for r in sink.requests {
            let shift = Int(((r.at.timeIntervalSince1970 - start) / 3).rounded(.down))
            let expected = shift % 2 == 0 ? "/alice" : "/bob"
            // Just after a hand-over, a delivery decided before it may still be arriving: skip that second.
            let offset = (r.at.timeIntervalSince1970 - start).truncatingRemainder(dividingBy: 3)
            if offset > 1.0 && offset < 2.9 { #expect(r.path == expected, "at \(r.at): \(r.path)") }
        }
    }

    @Test func rateLimitHoldsBackAndSummarises() async throws {
        let sink = try WebhookSink()
        defer { sink.stop() }
        let h = try await DispatcherHarness.start("""
            route:
              receiver: limited
              group_by: [alertname]
              group_wait: 100ms
              group_interval: 1s
            receivers:
              - name: limited
                rate_limit: {max: 2, interval: 3s}
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/limited'}]
            """)
        defer { h.tm.stop() }
        #expect(await h.post((1...5).map { ["alertname": "A\($0)"] }) == 200)
        // The first two go out at once; how many follow when is checked by their spacing below
        // (a fixed sleep here would depend on how busy the machine is).
        #expect(await sink.wait(10) { $0.count >= 2 }, "the first two of the window")
        #expect(await sink.wait(15) { r in Set(r.compactMap { $0.json.map(Webhook.group) }).count == 5 }, "none dropped")
        let held = sink.notifications("/limited").compactMap { $0["heldBack"] as? [[String: Any]] }
        #expect(!held.isEmpty, "a later notification summarises what was held back")
        let heldGroups = Set(held.flatMap { $0.compactMap { ($0["groupLabels"] as? [String: String])?["alertname"] } })
        #expect(heldGroups.count >= 2, "\(heldGroups)")
        #expect(await h.metric("tidemark_dispatcher_notifications_held_back_total") >= 3)
        // Spaced as the limit demands: never more than 2 within 3 s.
        let times = sink.requests.map(\.at).sorted()
        for i in 2..<times.count { #expect(times[i].timeIntervalSince(times[i - 2]) >= 2.9) }
    }

    @Test func integrationsKeepTheirOwnNotificationLog() async throws {
        let sink = try WebhookSink()
        let failing = try WebhookSink()
        failing.respond(with: 500)
        defer { sink.stop(); failing.stop() }
        let h = try await DispatcherHarness.start("""
            route:
              receiver: multi
              group_by: [alertname]
              group_wait: 100ms
              group_interval: 1s
            receivers:
              - name: multi
                webhook_configs:
                  - {url: 'http://127.0.0.1:\(sink.port)/resolved'}
                  - {url: 'http://127.0.0.1:\(sink.port)/firing-only', send_resolved: false}
                  - {url: 'http://127.0.0.1:\(failing.port)/broken', timeout: 1s}
            """)
        defer { h.tm.stop() }
        #expect(await h.post([["alertname": "Multi", "instance": "a"], ["alertname": "Multi", "instance": "b"]]) == 200)
        #expect(await sink.wait { r in Set(r.map(\.path)) == ["/resolved", "/firing-only"] })
        try await Task.sleep(for: .seconds(2.5))
        #expect(sink.requests.filter { $0.path == "/resolved" }.count == 1, "a failing sibling integration does not make this one repeat")
        #expect(await h.post([["alertname": "Multi", "instance": "b"]], endsAt: Date()) == 200)
        #expect(await sink.wait { r in r.filter { $0.path == "/resolved" }.count == 2 }, "the resolution goes to the integration that wants it")
        try await Task.sleep(for: .seconds(2.5))
        #expect(sink.requests.filter { $0.path == "/firing-only" }.count == 1, "and not, as a repeat, to the one that does not")
        #expect(failing.requests.count >= 2, "the failing one is retried")
    }

    @Test func retriesAfterReceiverOutage() async throws {
        let sink = try WebhookSink(listenNow: false)
        let h = try await DispatcherHarness.start("""
            route:
              receiver: flaky
              group_wait: 100ms
              group_interval: 20s
            receivers:
              - name: flaky
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/flaky', timeout: 1s}]
            """)
        defer { h.tm.stop(); sink.stop() }
        #expect(await h.post([["alertname": "Outage"]]) == 200)
        #expect(await PeerProcess.eventually(10) { await h.metric("tidemark_dispatcher_notifications_failed_total") >= 2 },
                "failed attempts are counted")
        try sink.start()
        #expect(await sink.wait(15) { r in r.contains { $0.path == "/flaky" } }, "delivered once the receiver is back, before the next group_interval")
    }

    @Test func emailThroughRealSMTPServer() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.systemPython), "python3 needed")
        let dir = NSTemporaryDirectory() + "tm-smtp-\(UUID().uuidString)"
        // aiosmtpd's Mailbox handler creates the maildir (and its cur/new/tmp) itself.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let certOK = Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                                                   "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        try #require(certOK, "openssl needed for the STARTTLS server")
        let port = ServerStartupTests.freePort()
        let smtp = try PeerProcess(binary: Self.systemPython, arguments: [
            "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "--tlscert", dir + "/cert.pem", "--tlskey", dir + "/key.pem",
            "-c", "aiosmtpd.handlers.Mailbox", dir + "/maildir",
        ], port: port, dir: dir)
        defer { smtp.kill9() }  // aiosmtpd does not exit on SIGTERM
        #expect(await PeerProcess.eventually(10) { Self.canConnect(port) }, "aiosmtpd listening (install python3-aiosmtpd; make test does)")
        let h = try await DispatcherHarness.start("""
            global:
              smtp_smarthost: '127.0.0.1:\(port)'
              smtp_from: 'Tidemark <alerts@example.org>'
            route:
              receiver: mail
              group_by: [alertname]
              group_wait: 100ms
            receivers:
              - name: mail
                email_configs:
                  - to: 'oncall@example.org, lead@example.org'
                    tls_config: {insecure_skip_verify: true}
                    headers: {Subject: 'Tidemark: {{ .CommonLabels.alertname }} is {{ .Status }}'}
            """)
        defer { h.tm.stop() }
        #expect(await h.post([["alertname": "MailMe", "instance": "db1", "severity": "critical"]]) == 200)
        var message = ""
        let arrived = await PeerProcess.eventually(15) {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/maildir/new")) ?? []
            guard let f = files.first else { return false }
            message = (try? String(contentsOfFile: dir + "/maildir/new/" + f, encoding: .utf8)) ?? ""
            return true
        }
        #expect(arrived, "a message reached the SMTP server over STARTTLS")
        #expect(message.contains("Subject: Tidemark: MailMe is firing"), "\(message)")
        #expect(message.contains("To: oncall@example.org, lead@example.org"))
        let body = message.components(separatedBy: "\n\n").dropFirst().joined().replacingOccurrences(of: "\n", with: "")
        let decoded = Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) } ?? ""
        #expect(decoded.contains("instance=db1"), "templated body: \(decoded)")
    }

    @Test func restartMidEscalationKeepsStateAfterKill() async throws {
        let sink = try WebhookSink()
        defer { sink.stop() }
        let config = """
            route:
              receiver: primary
              group_by: [alertname]
              group_wait: 100ms
              group_interval: 1s
              repeat_interval: 1h
              escalation_policy: oncall
            escalation_policies:
              - name: oncall
                steps:
                  - {receiver: primary, delay: 4s}
                  - {receiver: secondary}
            receivers:
              - name: primary
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/primary'}]
              - name: secondary
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/secondary'}]
            """
        let dir = NSTemporaryDirectory() + "tm-dispatch-restart-\(UUID().uuidString)"
        var h = try await DispatcherHarness.start(config, dir: dir)
        let alerts = [["alertname": "Escalating"], ["alertname": "AckedBefore"]]
        let ends = Date().addingTimeInterval(3600)
        #expect(await h.post(alerts, endsAt: ends) == 200)
        #expect(await sink.wait { r in r.filter { $0.path == "/primary" }.count == 2 })
        let primaryAt = try #require(sink.requests.first { $0.path == "/primary" }).at
        let ackID = try #require(await h.groupID("AckedBefore"))
        #expect(await HTTP.request(h.tm.base + "/api/v2/alerts/groups/\(ackID)/ack", method: "POST")?.0 == 200)
        let (_, silenceOut) = try h.amtool(["silence", "add", "alertname=Quiet", "-c", "kept", "-a", "e2e"])
        let silenceID = silenceOut.trimmingCharacters(in: .whitespacesAndNewlines)
        // Halfway through the first step's 4 s: a fresh start would wait 4 s again, the kept schedule about 2.
        try await Task.sleep(for: .seconds(max(0, 2 - Date().timeIntervalSince(primaryAt))))
        h.tm.kill9()

        // Back up on the same data; senders re-post their firing alerts as they do every minute.
        h = try await DispatcherHarness.start(config, dir: dir)
        let restarted = Date()
        defer { h.tm.stop() }
        #expect(await h.post(alerts, endsAt: ends) == 200)
        #expect(await sink.wait(10) { r in r.contains { $0.path == "/secondary" } }, "the escalation continues after the restart")
        let secondary = try #require(sink.requests.first { $0.path == "/secondary" })
        #expect(secondary.json.map(Webhook.group) == "Escalating")
        // Started afresh, the step would wait its whole 4 s delay after the restart.
        #expect(secondary.at.timeIntervalSince(restarted) < 3.3, "on the original schedule, not restarted from the first step")
        #expect(secondary.at.timeIntervalSince(primaryAt) >= 3.8, "not before the step's delay")
        try await Task.sleep(for: .seconds(1.5))
        #expect(sink.requests.filter { $0.path == "/primary" }.count == 2, "nothing re-sent: the notification log survived")
        #expect(!sink.notifications("/secondary").contains { Webhook.group($0) == "AckedBefore" }, "the acknowledgement survived")
        let (_, query) = try h.amtool(["silence", "query"])
        #expect(!silenceID.isEmpty && query.contains(silenceID), "the silence survived: \(query)")
    }

    @Test func rulesNotifyTheDispatcherInProcess() async throws {
        let sink = try WebhookSink()
        defer { sink.stop() }
        let rules = NSTemporaryDirectory() + "tm-rules-\(UUID().uuidString).yml"
        try AlertingEndToEndTests.highRule.replacingOccurrences(of: "for: 2s", with: "for: 0s").write(toFile: rules, atomically: true, encoding: .utf8)
        let h = try await DispatcherHarness.start("""
            route:
              receiver: hook
              group_wait: 100ms
            receivers:
              - name: hook
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/rules'}]
            """, prometheusConfig: "global: {evaluation_interval: 1s, external_labels: {cluster: e2e}}\nrule_files: ['\(rules)']\n")
        defer { h.tm.stop() }
        try await AlertingEndToEndTests.push(h.tm, 10)
        #expect(await sink.wait(20) { r in r.contains { $0.json.map(Webhook.alertnames) == ["ValueHigh"] } })
        let n = try #require(sink.notifications("/rules").first)
        let alert = try #require((n["alerts"] as? [[String: Any]])?.first)
        #expect((alert["labels"] as? [String: String])?["cluster"] == "e2e", "external labels attached")
        #expect((alert["annotations"] as? [String: String])?["summary"] == "value 10 from pusher")
        #expect((alert["generatorURL"] as? String)?.contains("/graph?g0.expr=") == true)

        // A broken dispatcher file on reload: 500, the old configuration stays.
        try "route: {receiver: nobody}\nreceivers: []\n".write(toFile: h.configFile, atomically: true, encoding: .utf8)
        let reload = await HTTP.request(h.tm.base + "/-/reload", method: "POST")
        #expect(reload?.0 == 500 && reload?.1.contains("undefined receiver") == true, "\(String(describing: reload))")
        #expect(await h.list("/api/v2/receivers").compactMap { $0["name"] as? String } == ["hook"])
    }

    @Test func realPrometheusSendsAlertsToTheDispatcher() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: IngestionTests.prometheus), "install prometheus (make test does)")
        let sink = try WebhookSink()
        defer { sink.stop() }
        let h = try await DispatcherHarness.start("""
            route:
              receiver: hook
              group_wait: 100ms
            receivers:
              - name: hook
                webhook_configs: [{url: 'http://127.0.0.1:\(sink.port)/fromprom'}]
            """)
        defer { h.tm.stop() }
        let promDir = NSTemporaryDirectory() + "tm-prom-sender-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: promDir, withIntermediateDirectories: true)
        try "groups: [{name: g, rules: [{alert: FromPrometheus, expr: vector(1), labels: {severity: info}, annotations: {summary: 'sent by Prometheus'}}]}]\n"
            .write(toFile: promDir + "/rules.yml", atomically: true, encoding: .utf8)
        try """
            global: {evaluation_interval: 1s}
            rule_files: [rules.yml]
            alerting:
              alertmanagers:
                - api_version: v2
                  static_configs: [{targets: ['127.0.0.1:\(h.tm.port)']}]
            """.write(toFile: promDir + "/prometheus.yml", atomically: true, encoding: .utf8)
        let promPort = ServerStartupTests.freePort()
        let prom = try PeerProcess(binary: IngestionTests.prometheus, arguments: [
            "--config.file=\(promDir)/prometheus.yml", "--storage.tsdb.path=\(promDir)/data", "--web.listen-address=127.0.0.1:\(promPort)",
            // Its first send can come before discovery has found the target; resend soon after.
            "--rules.alert.resend-delay=1s",
        ], port: promPort, dir: promDir)
        defer { prom.stop() }
        #expect(await sink.wait(30) { r in r.contains { $0.json.map(Webhook.alertnames) == ["FromPrometheus"] } }, "Prometheus' alert notified")
        let alert = await h.list("/api/v2/alerts").first { ($0["labels"] as? [String: String])?["alertname"] == "FromPrometheus" }
        #expect((alert?["annotations"] as? [String: String])?["summary"] == "sent by Prometheus")
        #expect((alert?["generatorURL"] as? String)?.contains(":\(promPort)/graph") == true)
    }

    @Test func emailWithSMTPAuthentication() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.systemPython), "python3 needed")
        let dir = NSTemporaryDirectory() + "tm-smtp-auth-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // aiosmtpd with an authenticator (its CLI has none): records who logged in with each message.
        try """
            import sys, time
            from aiosmtpd.controller import Controller
            from aiosmtpd.smtp import AuthResult
            class Handler:
                async def handle_DATA(self, server, session, envelope):
                    user = session.auth_data.decode() if isinstance(session.auth_data, bytes) else str(session.auth_data)
                    with open(sys.argv[2], "a") as f:
                        f.write("LOGIN " + user + "\\n" + envelope.content.decode("utf8", "replace") + "\\n")
                    return "250 OK"
            def auth(server, session, envelope, mechanism, data):
                ok = data.login == b"alerts" and data.password == b"s3cret"
                return AuthResult(success=ok, auth_data=data.login if ok else None)
            c = Controller(Handler(), hostname="127.0.0.1", port=int(sys.argv[1]), authenticator=auth, auth_require_tls=False)
            c.start()
            while True: time.sleep(1)
            """.write(toFile: dir + "/server.py", atomically: true, encoding: .utf8)
        let port = ServerStartupTests.freePort()
        let smtp = try PeerProcess(binary: Self.systemPython, arguments: [dir + "/server.py", "\(port)", dir + "/mail.txt"], port: port, dir: dir)
        defer { smtp.kill9() }
        #expect(await PeerProcess.eventually(10) { Self.canConnect(port) })
        let h = try await DispatcherHarness.start("""
            route:
              receiver: mail
              group_wait: 100ms
            receivers:
              - name: mail
                email_configs:
                  - to: 'oncall@example.org'
                    from: 'alerts@example.org'
                    smarthost: '127.0.0.1:\(port)'
                    require_tls: false
                    auth_username: alerts
                    auth_password: s3cret
            """)
        defer { h.tm.stop() }
        #expect(await h.post([["alertname": "AuthMail"]]) == 200)
        var text = ""
        #expect(await PeerProcess.eventually(15) {
            text = (try? String(contentsOfFile: dir + "/mail.txt", encoding: .utf8)) ?? ""
            return !text.isEmpty
        }, "delivered after AUTH")
        #expect(text.hasPrefix("LOGIN alerts"), "\(text.prefix(200))")
        #expect(text.contains("Subject: [FIRING:1] "), "default subject")
    }

    static func run(_ binary: String, _ args: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } } == 0
    }
}
