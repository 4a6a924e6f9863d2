import Foundation
import Testing

/// `tidemark-bench compare --scale small` against the real peers installed by the set-up: the
/// harness runs end to end, every system's answers agree with Tidemark's, and the results files
/// hold every figure.
@Suite(.serialized) struct BenchCompareTests {
    @Test func smallComparisonRunsAndAnswersAgree() async throws {
        let bench = try #require(ProductLocator.path(of: "tidemark-bench"), "tidemark-bench not built")
        let out = NSTemporaryDirectory() + "tidemark-compare-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: out) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bench)
        p.arguments = ["compare", "--scale", "small", "--runs", "2", "--output", out]
        _ = FileManager.default.createFile(atPath: out + "/stdout.txt", contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out + "/stdout.txt")
        p.standardError = FileHandle.nullDevice
        // Waits without blocking a thread of the cooperative pool, which other tests need.
        let (exits, exited) = AsyncStream.makeStream(of: Void.self)
        p.terminationHandler = { _ in exited.yield(); exited.finish() }
        try p.run()
        for await _ in exits {}
        let text = (try? String(contentsOfFile: out + "/stdout.txt", encoding: .utf8)) ?? ""
        // Exit 0 means no answer differed beyond the known MetricsQL differences and no request was rejected.
        #expect(p.terminationStatus == 0, "compare failed:\n\(text)")
        #expect(text.contains("| Tidemark"))

        let data = try #require(FileManager.default.contents(atPath: out + "/compare-small.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let parameters = try #require(report["parameters"] as? [String: Any])
        let samples = try #require(parameters["samples"] as? Int)
        #expect(samples > 2_000_000)
        let runs = try #require(report["runs"] as? [[String: Any]])
        let systems = try #require(runs.first?["systems"] as? [[String: Any]])
        let installed = ["tidemark"]
            + (FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") ? ["prometheus"] : [])
            + (FileManager.default.isExecutableFile(atPath: "/usr/bin/victoria-metrics") ? ["victoriametrics"] : [])
        for name in installed {
            let s = try #require(systems.first { $0["system"] as? String == name }, "\(name) missing")
            #expect(s["skipped"] == nil, "\(name) skipped: \(s["skipped"] ?? "")")
            let ingest = try #require(s["ingest"] as? [String: Any], "\(name): no ingest figures")
            #expect(ingest["samples"] as? Int == samples)
            #expect(ingest["rejectedRequests"] as? Int == 0, "\(name) rejected requests: \(ingest["failures"] ?? "")")
            let storage = try #require(s["storage"] as? [String: Any])
            #expect((storage["bytes"] as? Int ?? 0) > 0)
            let queries = try #require(s["queries"] as? [String: Any])
            #expect(queries.count == 7)
        }
        let medians = try #require(report["medians"] as? [String: [String: Double]])
        #expect((medians["tidemark"]?["bytes/sample on disk"] ?? 0) > 0)
        let svg = try String(contentsOfFile: out + "/compare-small.svg", encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("Tidemark"))
    }
}
