import Foundation
import Testing

/// `tidemark-bench promql-diff` against the real Prometheus installed by the set-up: the same
/// series written to both, the same PromQL asked of both, every answer compared.
@Suite(.serialized) struct PromQLDiffTests {
    /// Runs `tidemark-bench promql-diff` with `arguments`; returns its exit status and output.
    func diff(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let bench = try #require(ProductLocator.path(of: "tidemark-bench"), "tidemark-bench not built")
        // Debian's 2.42, the version the left-out expressions are chosen for.
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus"), "prometheus not installed: `make test-deps` installs it")
        let out = NSTemporaryDirectory() + "tidemark-promql-diff-\(UUID().uuidString).txt"
        defer { try? FileManager.default.removeItem(atPath: out) }
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bench)
        p.arguments = ["promql-diff", "--prometheus", "/usr/bin/prometheus"] + arguments
        let handle = try #require(FileHandle(forWritingAtPath: out))
        defer { try? handle.close() }
        p.standardOutput = handle
        p.standardError = handle
        // Waits without blocking a thread of the cooperative pool, which other tests need.
        let (exits, exited) = AsyncStream.makeStream(of: Void.self)
        p.terminationHandler = { _ in exited.yield(); exited.finish() }
        try p.run()
        for await _ in exits {}
        return (p.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    @Test func answersAgreeWithPrometheus() async throws {
        let (status, output) = try await diff(["--random", "300"])
        #expect(status == 0, "answers differ from Prometheus':\n\(output)")
        // The built-in set plus 300 random expressions, six evaluations each, plus the metadata lookups.
        let compared = output.split(separator: "\n").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 0
        #expect(compared > 2_500, "\(output.suffix(300))")
        #expect(output.contains(", 0 differ"))
    }

    /// The comparison is not vacuous: an expression whose answer differs between Prometheus 2.42
    /// and Prometheus 3 (which Tidemark follows) is reported and fails the run.
    @Test func aKnownDifferenceIsReported() async throws {
        let file = NSTemporaryDirectory() + "tidemark-promql-diff-\(UUID().uuidString).promql"
        defer { try? FileManager.default.removeItem(atPath: file) }
        // 2.42 keeps the metric name of an atan2 between vectors; Prometheus 3 drops it.
        try "# one known difference\ndt_temperature_celsius atan2 dt_temperature_celsius\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (status, output) = try await diff(["--only-queries", "--queries", file])
        #expect(status == 1, "\(output)")
        #expect(output.contains("DIFF  instant +16m dt_temperature_celsius atan2 dt_temperature_celsius"))
        #expect(output.contains("__name__=\"dt_temperature_celsius\""))
    }
}
