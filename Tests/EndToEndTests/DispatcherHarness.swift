@testable import Bench
import Foundation
import Testing

/// A real `tidemark` with its built-in dispatcher configured from `yaml`, plus helpers to post
/// alerts, run `amtool` against it and wait for notifications.
struct DispatcherHarness {
    let tm: PeerProcess
    let configFile: String

    /// Starts tidemark; `dir` reuses a data directory (a restart).
    static func start(_ yaml: String, dir: String? = nil, prometheusConfig: String? = nil) async throws -> DispatcherHarness {
        let file = NSTemporaryDirectory() + "tm-dispatcher-\(UUID().uuidString).yml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let tm = try PeerProcess.tidemark(config: prometheusConfig, dir: dir,
                                          extra: ["--dispatcher.config.file", file, "--web.enable-lifecycle"])
        try await tm.waitReady()
        return DispatcherHarness(tm: tm, configFile: file)
    }

    /// POSTs alerts to `/api/v2/alerts`; `alerts` are (labels, extra fields such as endsAt).
    @discardableResult
    func post(_ alerts: [[String: String]], endsAt: Date? = nil, startsAt: Date? = nil) async -> Int {
        let list: [[String: Any]] = alerts.map { l in
            var a: [String: Any] = ["labels": l, "annotations": ["summary": "summary of \(l["alertname"] ?? "")"]]
            if let endsAt { a["endsAt"] = Self.rfc3339(endsAt) }
            if let startsAt { a["startsAt"] = Self.rfc3339(startsAt) }
            return a
        }
        let body = (try? JSONSerialization.data(withJSONObject: list)) ?? Data()
        return await HTTP.request(tm.base + "/api/v2/alerts", method: "POST", body: Array(body),
                                  headers: ["Content-Type": "application/json"])?.0 ?? 0
    }

    static func rfc3339(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }

    /// GETs a JSON array from the dispatcher's API.
    func list(_ path: String) async -> [[String: Any]] {
        guard let (code, body) = await HTTP.request(tm.base + path), code == 200 else { return [] }
        return (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [[String: Any]]) ?? []
    }

    /// The short ID of the alert group whose labels include `alertname`.
    func groupID(_ alertname: String) async -> String? {
        await list("/api/v2/alerts/groups").first { ($0["labels"] as? [String: String])?["alertname"] == alertname }?["id"] as? String
    }

    /// Runs `amtool` against this server; returns (exit status, stdout).
    func amtool(_ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/amtool")
        p.arguments = ["--alertmanager.url=\(tm.base)"] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A metric's value from `/metrics` (sum over series whose line starts with `prefix`).
    func metric(_ prefix: String) async -> Double {
        guard let (_, body) = await HTTP.request(tm.base + "/metrics") else { return 0 }
        return body.split(separator: "\n").filter { $0.hasPrefix(prefix) }.compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
    }
}

extension WebhookSink {
    /// Alertmanager webhook bodies received on `path`.
    func notifications(_ path: String) -> [[String: Any]] {
        requests.filter { $0.path == path }.compactMap(\.json)
    }

    /// Waits until `check` holds for the requests received, or `seconds` pass.
    func wait(_ seconds: Double = 15, _ check: ([WebhookSink.Received]) -> Bool) async -> Bool {
        await PeerProcess.eventually(seconds) { check(self.requests) }
    }
}

/// Fields of an Alertmanager webhook body.
enum Webhook {
    static func alertnames(_ n: [String: Any]) -> [String] {
        ((n["alerts"] as? [[String: Any]]) ?? []).compactMap { ($0["labels"] as? [String: String])?["alertname"] }.sorted()
    }

    static func instances(_ n: [String: Any]) -> [String] {
        ((n["alerts"] as? [[String: Any]]) ?? []).compactMap { ($0["labels"] as? [String: String])?["instance"] }.sorted()
    }

    static func group(_ n: [String: Any]) -> String { (n["groupLabels"] as? [String: String])?["alertname"] ?? "" }
}
