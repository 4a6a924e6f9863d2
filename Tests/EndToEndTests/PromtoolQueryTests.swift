import Foundation
import Testing

/// The real `tidemark` binary queried by Debian's `promtool` (Prometheus' own API client, which
/// sends queries as form POSTs and reads the JSON back): what it prints is what Prometheus gives.
@Suite(.serialized) struct PromtoolQueryTests {
    static let promtool = "/usr/bin/promtool"

    /// Runs promtool with `arguments`; its exit status, stdout and stderr.
    static func promtool(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promtool)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read before waiting: a full pipe would block the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func promtoolQueriesSeeThePushedData() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.promtool), "install prometheus (make test does): it brings promtool")
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n")
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()

        // Five samples 15 s apart, ending a minute ago (whole seconds, so promtool prints integers).
        let now = Int64(Date().timeIntervalSince1970)
        let t0 = (now - 120) / 60 * 60
        var body = ""
        for k in 0..<5 {
            let ms = (t0 + Int64(k) * 15) * 1000
            body += "up{job=\"e2e\",instance=\"x\"} 1 \(ms)\n"
            body += "up{job=\"e2e\",instance=\"y\"} 0 \(ms)\n"
            body += "e2e_requests_total{job=\"e2e\",code=\"200\"} \(Double(k) * 2.5) \(ms)\n"
        }
        let pushed = await HTTP.request(tm.base + "/api/v1/import/prometheus", method: "POST", body: Array(body.utf8),
                                        headers: ["Content-Type": "text/plain"])
        try #require(pushed?.0 == 204, "import failed: \(String(describing: pushed))")
        let t4 = t0 + 60

        let instant = try await Self.promtool(["query", "instant", "--time=\(t4)", tm.base, #"up{job="e2e"}"#])
        #expect(instant.status == 0, "\(instant.err)")
        let lines = Set(instant.out.split(separator: "\n").map(String.init))
        #expect(lines == [#"up{instance="x", job="e2e"} => 1 @[\#(t4)]"#, #"up{instance="y", job="e2e"} => 0 @[\#(t4)]"#], "\(instant.out)")

        let range = try await Self.promtool(["query", "range", "--start=\(t0)", "--end=\(t4)", "--step=15s", tm.base,
                                             #"e2e_requests_total{code="200"}"#])
        #expect(range.status == 0, "\(range.err)")
        let points = ["0", "2.5", "5", "7.5", "10"].enumerated().map { "\($0.element) @[\(t0 + Int64($0.offset) * 15)]" }
        #expect(range.out == #"e2e_requests_total{code="200", job="e2e"} =>"# + "\n" + points.joined(separator: "\n") + "\n", "\(range.out)")

        let series = try await Self.promtool(["query", "series", "--match=up", tm.base])
        #expect(series.status == 0, "\(series.err)")
        #expect(series.out == #"{__name__="up", instance="x", job="e2e"}"# + "\n" + #"{__name__="up", instance="y", job="e2e"}"# + "\n", "\(series.out)")

        let labels = try await Self.promtool(["query", "labels", tm.base, "instance"])
        #expect(labels.status == 0, "\(labels.err)")
        #expect(labels.out == "x\ny\n", "\(labels.out)")

        let names = try await Self.promtool(["query", "labels", "--match=e2e_requests_total", tm.base, "__name__"])
        #expect(names.out == "e2e_requests_total\n", "\(names.out)")

        // A query that does not parse: promtool fails and shows Prometheus' error type.
        let bad = try await Self.promtool(["query", "instant", tm.base, "sum(up"])
        #expect(bad.status != 0)
        #expect(bad.err.contains("bad_data") && bad.err.contains(#"invalid parameter "query""#), "\(bad.err)")
    }
}
