import ArgumentParser
import Foundation
import TSDB

/// The built-in dispatcher under load, over HTTP as alert sources use it: a `tidemark` server gets
/// N alerts across G aggregation groups through `POST /api/v2/alerts` (batches of 64, as
/// Prometheus sends them, over C connections), routes them (with silences and an inhibition rule
/// to check) and notifies a webhook sink on loopback. Reports ingestion in alerts/s and the
/// dispatch latency per group: from the POST that created the group being acknowledged to the
/// group's notification arriving at the receiver (`group_wait: 0s`, so all of it is Tidemark's).
/// Then every alert is posted again, as senders re-send firing alerts, which must notify nothing.
struct AlertDispatchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alert ingestion (POST /api/v2/alerts) and dispatch latency of the built-in dispatcher."
    )

    @Option(help: "Active alerts.") var alerts = 10_000
    @Option(help: "Aggregation groups the alerts fall into.") var groups = 1_000
    @Option(help: "Concurrent client connections.") var connections = 4
    @Option(help: "Alerts per POST.") var batch = 64
    @Option(help: "tidemark binary (default: next to this one).") var binary: String?

    @Option(help: "Systems to measure, comma-separated: tidemark, alertmanager (Debian's prometheus-alertmanager, when installed).")
    var systems = "tidemark,alertmanager"

    static let alertmanagerBinary = "/usr/bin/prometheus-alertmanager"

    /// One system's figures.
    struct Result {
        var name: String
        var newPerSecond: Double
        var resentPerSecond: Double
        var cpuNew: Double
        var cpuResent: Double
        var p50: Double, p90: Double, p99: Double, max: Double
        var groupsNotified: Int
        var extraNotifications: Int
    }

    func run() async throws {
        let bodies = Self.bodies(alerts: alerts, groups: groups, batch: batch)
        print("\(alerts) alerts in \(groups) groups, \(bodies.count) POSTs of up to \(batch) alerts over \(connections) connections")
        var results: [Result] = []
        for name in systems.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if name == "alertmanager" && !FileManager.default.isExecutableFile(atPath: Self.alertmanagerBinary) {
                print("alertmanager: skipped (\(Self.alertmanagerBinary) not installed)")
                continue
            }
            guard name == "tidemark" || name == "alertmanager" else { throw ValidationError("unknown system \(name)") }
            let r = try await measure(name, bodies: bodies)
            results.append(r)
            print(String(format: "%@: new alerts %.0f/s (server CPU %.2f s), re-sent %.0f/s (CPU %.2f s); dispatch latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms; %d groups notified, %d extra after re-sending",
                         r.name, r.newPerSecond, r.cpuNew, r.resentPerSecond, r.cpuResent, r.p50, r.p90, r.p99, r.max, r.groupsNotified, r.extraNotifications))
        }
        print("\n| system | new alerts/s | server CPU-s per 10 k new | re-sent alerts/s | dispatch p50 | p90 | p99 | max |")
        print("|---|---|---|---|---|---|---|---|")
        for r in results {
            print(String(format: "| %@ | %.0f | %.2f | %.0f | %.1f ms | %.1f ms | %.1f ms | %.1f ms |", r.name, r.newPerSecond,
                         r.cpuNew / Double(alerts) * 10_000, r.resentPerSecond, r.p50, r.p90, r.p99, r.max))
        }
        guard let t = results.first(where: { $0.name == "tidemark" }) else { return }
        let met = t.groupsNotified == groups && t.p99 < 100 && t.extraNotifications == 0
        print("\nbar (issue #8): every group notified once, p99 dispatch latency under 100 ms → \(met ? "met" : "MISSED")")
        if t.groupsNotified < groups || t.extraNotifications != 0 { throw ExitCode(1) }
    }

    private func measure(_ name: String, bodies: [(groups: [String], body: [UInt8])]) async throws -> Result {
        let firstSeen = LockedValue<[String: Date]>([:])
        let sink = try WebhookSink { r in
            guard let g = (r.json?["groupLabels"] as? [String: String])?["group"] else { return }
            firstSeen.withLock { if $0[g] == nil { $0[g] = r.at } }
        }
        defer { sink.stop() }
        let config = Self.dispatcherConfig(sinkPort: sink.port)
        let server: ServerUnderTest
        if name == "alertmanager" {
            server = try ServerUnderTest(name: "alertmanager", executable: Self.alertmanagerBinary, readyPath: "/-/ready",
                                         prepare: { try config.write(toFile: $0 + "/am.yml", atomically: true, encoding: .utf8) },
                                         arguments: { port, dir in
                                             ["--config.file=\(dir)/am.yml", "--storage.path=\(dir)", "--web.listen-address=127.0.0.1:\(port)",
                                              "--cluster.listen-address=", "--log.level=warn"]
                                         })
        } else {
            let dir = NSTemporaryDirectory() + "tidemark-bench-alerts-\(UUID().uuidString).yml"
            try config.write(toFile: dir, atomically: true, encoding: .utf8)
            server = try ServerUnderTest(binary: binary, config: "global: {scrape_interval: 1h}\n", extraArgs: ["--dispatcher.config.file", dir])
        }
        defer { server.stop() }
        // Silences to check every alert against (none matches the workload).
        let client = try RawHTTPClient(port: server.port)
        for k in 0..<10 {
            let s = #"{"matchers":[{"name":"group","value":"none\#(k)","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"bench","comment":"bench"}"#
            guard try client.request("POST", "/api/v2/silences", headers: ["Content-Type: application/json"], body: Array(s.utf8)).status == 200 else {
                throw BenchError("\(name): could not create a silence")
            }
        }
        let cpu0 = server.cpuSeconds
        let (seconds1, acked) = try post(bodies, port: server.port)
        let cpu1 = server.cpuSeconds
        // Wait for every group's first notification.
        let deadline = Date().addingTimeInterval(60)
        while firstSeen.withLock({ $0.count }) < groups && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let seen = firstSeen.withLock { $0 }
        var latencies: [Double] = []
        for (g, at) in seen { if let a = acked[g] { latencies.append(max(0, at.timeIntervalSince(a))) } }
        latencies.sort()
        let notifiedBefore = sink.requests.count
        let cpu2 = server.cpuSeconds
        let (seconds2, _) = try post(bodies, port: server.port)
        let cpu3 = server.cpuSeconds
        try await Task.sleep(for: .seconds(2))
        func pct(_ p: Double) -> Double { latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
        return Result(name: name, newPerSecond: Double(alerts) / seconds1, resentPerSecond: Double(alerts) / seconds2,
                      cpuNew: cpu1 - cpu0, cpuResent: cpu3 - cpu2, p50: pct(0.5), p90: pct(0.9), p99: pct(0.99),
                      max: (latencies.last ?? .nan) * 1000, groupsNotified: seen.count, extraNotifications: sink.requests.count - notifiedBefore)
    }

    /// POSTs every body over `connections` connections; returns the wall time and, per group, when
    /// its first alert's POST was acknowledged.
    private func post(_ bodies: [(groups: [String], body: [UInt8])], port: Int) throws -> (Double, [String: Date]) {
        let acked = LockedValue<[String: Date]>([:])
        let failure = LockedValue<String?>(nil)
        let next = LockedValue(0)
        let t0 = Date()
        DispatchQueue.concurrentPerform(iterations: connections) { _ in
            guard let c = try? RawHTTPClient(port: port) else { failure.withLock { $0 = "cannot connect" }; return }
            while true {
                let i = next.withLock { n -> Int in n += 1; return n - 1 }
                guard i < bodies.count else { return }
                do {
                    let r = try c.request("POST", "/api/v2/alerts", headers: ["Content-Type: application/json"], body: bodies[i].body)
                    guard r.status == 200 else { failure.withLock { $0 = "status \(r.status)" }; return }
                } catch {
                    failure.withLock { $0 = "\(error)" }
                    return
                }
                let now = Date()
                acked.withLock { for g in bodies[i].groups where $0[g] == nil { $0[g] = now } }
            }
        }
        if let f = failure.withLock({ $0 }) { throw BenchError("POST /api/v2/alerts failed: \(f)") }
        return (Date().timeIntervalSince(t0), acked.withLock { $0 })
    }

    /// The alerts as JSON batches, round-robin over the groups so groups are created throughout.
    static func bodies(alerts: Int, groups: Int, batch: Int) -> [(groups: [String], body: [UInt8])] {
        var out: [(groups: [String], body: [UInt8])] = []
        var i = 0
        while i < alerts {
            let n = min(batch, alerts - i)
            var gs: [String] = []
            var s = "["
            for k in 0..<n {
                let a = i + k
                let g = "g\(a % groups)"
                gs.append(g)
                if k > 0 { s += "," }
                s += #"{"labels":{"alertname":"BenchAlert","group":"\#(g)","instance":"host-\#(a / groups)","severity":"warning"},"#
                s += #""annotations":{"summary":"bench alert \#(a)"},"generatorURL":"http://bench/graph"}"#
            }
            s += "]"
            out.append((gs, Array(s.utf8)))
            i += n
        }
        return out
    }

    static func dispatcherConfig(sinkPort: Int) -> String {
        """
        route:
          receiver: sink
          group_by: [alertname, group]
          group_wait: 0s
          group_interval: 5m
          repeat_interval: 4h
        inhibit_rules:
          - source_matchers: [severity="critical"]
            target_matchers: [severity="warning"]
            equal: [group]
        receivers:
          - name: sink
            webhook_configs:
              - url: http://127.0.0.1:\(sinkPort)/alerts

        """
    }
}
