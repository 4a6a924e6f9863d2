import ArgumentParser
import Foundation
import TSDB

/// `tidemark-bench promql-diff`: writes the same series to Tidemark and to a real Prometheus,
/// asks both the same PromQL (instant queries at several times, range queries at two steps) and
/// reports every answer that differs: series, timestamps, values, or one failing where the
/// other answers.
struct PromQLDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql-diff",
        abstract: "Tidemark's PromQL answers against a real Prometheus on the same data."
    )

    @Option(help: "Minutes of data (15 s interval).") var minutes = 50
    @Option(help: "Data seed.") var seed: UInt64 = 7
    @Option(help: "tidemark binary (default: next to this executable).") var binary: String?
    @Option(help: "prometheus binary (default: the one on PATH).") var prometheus: String?
    @Option(help: "A file of extra expressions, one per line (# starts a comment).") var queries: String?
    @Flag(help: "Only the expressions of --queries (and --random), not the built-in set.") var onlyQueries = false
    @Option(help: "Also this many random well-typed expressions (seeded by --seed).") var random = 0
    @Flag(help: "Print every query, not only the differing ones.") var verbose = false

    func run() throws {
        guard minutes >= 20 && minutes <= 55 else {
            throw ValidationError("--minutes must be 20...55 (Prometheus' head takes samples up to an hour older than its newest)")
        }
        var exprs = onlyQueries ? [] : DiffQueries.standard
        if let queries {
            let text = try String(contentsOfFile: queries, encoding: .utf8)
            exprs += text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        }
        if random > 0 {
            var generator = RandomExpressions(seed: seed)
            exprs += generator.make(random)
        }
        guard !exprs.isEmpty else { throw ValidationError("no expressions to ask") }
        guard let promExe = prometheus ?? BenchSystem.prometheus.executable(tidemarkBinary: nil) else {
            throw BenchError("prometheus is not installed (apt install prometheus): nothing to compare with")
        }
        guard let tidemarkExe = BenchSystem.tidemark.executable(tidemarkBinary: binary) else {
            throw BenchError("tidemark binary not found: build it with `swift build -c release --product tidemark` or pass --binary")
        }

        let minute: Int64 = 60_000
        let nowMinute = Int64(Date().timeIntervalSince1970 * 1000) / minute * minute
        let start = nowMinute - Int64(minutes + 2) * minute
        let data = try DiffDataset(start: start, minutes: minutes, seed: seed)
        let requests = data.requests()
        let plan = DiffPlan(start: start, minutes: minutes)
        print("\(data.series.count) series, \(data.series.reduce(0) { $0 + $1.samples.count }) samples over \(minutes) min; \(exprs.count) expressions × \(plan.evaluations.count) evaluations")

        let tidemark = try Self.answers(of: .tidemark, executable: tidemarkExe, requests: requests, exprs: exprs, plan: plan)
        let reference = try Self.answers(of: .prometheus, executable: promExe, requests: requests, exprs: exprs, plan: plan)

        var differing = 0, compared = 0
        let bothFailed = tidemark.filter { k, v in
            if case .failure = v, case .failure? = reference[k] { return true }
            return false
        }.count
        for path in plan.metadataPaths {
            guard let mine = tidemark[path], let theirs = reference[path] else { continue }
            compared += 1
            let diffs = Self.differences(mine, theirs)
            if diffs.isEmpty {
                if verbose { print("ok    \(path)") }
                continue
            }
            differing += 1
            print("DIFF  \(path)\n" + diffs.map { "        " + $0 }.joined(separator: "\n"))
        }
        for expr in exprs {
            for ev in plan.evaluations {
                let key = DiffPlan.key(expr, ev)
                guard let mine = tidemark[key], let theirs = reference[key] else { continue }
                compared += 1
                let diffs = Self.differences(mine, theirs)
                if diffs.isEmpty {
                    if verbose { print("ok    \(ev.label) \(expr)") }
                    continue
                }
                differing += 1
                print("DIFF  \(ev.label) \(expr)\n" + diffs.map { "        " + $0 }.joined(separator: "\n"))
            }
        }
        print("\(compared) answers compared (\(bothFailed) of them errors on both sides), \(differing) differ")
        if differing > 0 { throw ExitCode(1) }
    }

    /// One system's outcome per expression and evaluation: an answer or the error it gave.
    static func answers(of system: BenchSystem, executable: String, requests: [[UInt8]], exprs: [String],
                        plan: DiffPlan) throws -> [String: Result<QueryAnswer, BenchError>] {
        let server = try system.start(executable: executable)
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.port)
        let headers = ["Content-Encoding: snappy", "Content-Type: application/x-protobuf", "X-Prometheus-Remote-Write-Version: 0.1.0"]
        for body in requests {
            let r = try client.request("POST", "/api/v1/write", headers: headers, body: body)
            guard (200..<300).contains(r.status) else {
                throw BenchError("\(system.displayName) rejected a write: \(r.status) \(String(decoding: r.body.prefix(300), as: UTF8.self))")
            }
        }
        var out: [String: Result<QueryAnswer, BenchError>] = [:]
        for path in plan.metadataPaths {
            let reply = try client.request("GET", path, body: [])
            out[path] = reply.status == 200
                ? Result { try QueryAnswer(metadataJSON: reply.body) }.mapError { BenchError("\($0)") }
                : .failure(BenchError("\(reply.status) \(String(decoding: reply.body.prefix(200), as: UTF8.self))"))
        }
        for expr in exprs {
            for ev in plan.evaluations {
                let q = CompareQuery(name: expr, expr: expr, range: ev.step != nil)
                let reply = try client.request("GET", q.path(time: ev.end, start: ev.start, step: ev.step ?? 0), body: [])
                if reply.status == 200 {
                    out[DiffPlan.key(expr, ev)] = Result { try QueryAnswer(json: reply.body) }.mapError { BenchError("\($0)") }
                } else {
                    out[DiffPlan.key(expr, ev)] = .failure(BenchError("\(reply.status) \(String(decoding: reply.body.prefix(200), as: UTF8.self))"))
                }
            }
        }
        return out
    }

    /// What differs between Tidemark's outcome and the reference's (empty when they agree; two
    /// failures agree, whatever their messages).
    static func differences(_ mine: Result<QueryAnswer, BenchError>, _ theirs: Result<QueryAnswer, BenchError>) -> [String] {
        switch (mine, theirs) {
        case (.failure, .failure): return []
        case (.failure(let e), .success): return ["Tidemark failed, Prometheus answered: \(e)"]
        case (.success, .failure(let e)): return ["Tidemark answered, Prometheus failed: \(e)"]
        case (.success(let a), .success(let b)): return a.differences(from: b, relativeTolerance: 1e-9, absoluteTolerance: 1e-12, limit: 4)
        }
    }
}

/// When the expressions are evaluated: instant queries inside, at the end of and just after the
/// data, and range queries over it at a whole-minute and an odd step. Windows (15 m at most)
/// start after the data does: where a series starts inside a `rate` window, 2.42 and
/// Prometheus 3 extrapolate differently.
struct DiffPlan {
    struct Evaluation {
        var label: String
        var start: Int64
        var end: Int64
        /// nil for an instant query.
        var step: Int64?
    }
    let evaluations: [Evaluation]
    /// Label names, label values and series lookups (what Grafana's query editor asks), over the
    /// whole data and over a part of it. (Label values with a matcher over a part of the data are
    /// left out: Prometheus answers them from every series in its head, whatever the time range;
    /// Tidemark only from series with samples in it.)
    let metadataPaths: [String]

    init(start: Int64, minutes: Int) {
        let m: Int64 = 60_000
        let end = start + Int64(minutes) * m
        let whole = "start=\(start / 1000)&end=\(end / 1000 + 300)"
        // dt_sparse{instance="i1"} only starts half-way: the first ten minutes do not hold it.
        let early = "start=\(start / 1000)&end=\(start / 1000 + 600)"
        metadataPaths = [
            "/api/v1/labels?\(whole)",
            "/api/v1/labels?match[]=dt_up&\(whole)",
            "/api/v1/label/instance/values?\(whole)",
            "/api/v1/label/__name__/values?\(whole)",
            "/api/v1/label/kind/values?match[]=%7Bkind%3D~%22n.%2A%22%7D&\(whole)",
            "/api/v1/series?match[]=dt_up&\(whole)",
            "/api/v1/series?match[]=dt_sparse&\(early)",
            "/api/v1/series?match[]=dt_build_info&match[]=%7B__name__%3D~%22dt_up%7Cdt_special%22%2Ckind%21%3D%22nan%22%7D&\(whole)",
        ]
        evaluations = [
            Evaluation(label: "instant +16m", start: 0, end: start + 16 * m, step: nil),
            Evaluation(label: "instant +\(minutes / 2)m", start: 0, end: start + Int64(minutes / 2) * m, step: nil),
            Evaluation(label: "instant end", start: 0, end: end, step: nil),
            Evaluation(label: "instant end+3m", start: 0, end: end + 3 * m, step: nil),
            Evaluation(label: "range 60s", start: start + 16 * m, end: end + 2 * m, step: 60_000),
            Evaluation(label: "range 37s", start: start + 16 * m, end: end, step: 37_000),
        ]
    }

    static func key(_ expr: String, _ ev: Evaluation) -> String { ev.label + "\u{0}" + expr }
}
