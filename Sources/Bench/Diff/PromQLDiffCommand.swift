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
        // The evaluations start 16 minutes in (windows of up to 15 m start after the data) and
        // the middle one must come after that; beyond 2 h Prometheus would cut a block meanwhile.
        guard minutes >= 34 && minutes <= 120 else { throw ValidationError("--minutes must be 34...120") }
        guard random >= 0 else { throw ValidationError("--random must not be negative") }
        var exprs = onlyQueries ? [] : DiffQueries.standard
        if let queries {
            let text = try String(contentsOfFile: queries, encoding: .utf8)
            exprs += text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
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
            throw BenchError("tidemark binary not found at \(binary ?? ServerUnderTest.sibling("tidemark")): build it with `swift build -c release --product tidemark` or pass --binary")
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
        // (A pair of failures agrees when status and error type agree: see `differences`.)
        // Each answer's key and how a difference names it.
        let checks = plan.metadataPaths.map { (key: $0, name: $0) }
            + exprs.flatMap { expr in plan.evaluations.map { (key: DiffPlan.key(expr, $0), name: "\($0.label) \(expr)") } }
        for check in checks {
            guard let mine = tidemark[check.key], let theirs = reference[check.key] else { continue }
            compared += 1
            let diffs = Self.differences(mine, theirs)
            if diffs.isEmpty {
                if verbose {
                    if case .failure(let e) = mine { print("ok    \(check.name) (both failed: \(e.status) \(e.type))") } else { print("ok    \(check.name)") }
                }
                continue
            }
            differing += 1
            print("DIFF  \(check.name)\n" + diffs.map { "        " + $0 }.joined(separator: "\n"))
        }
        print("\(compared) answers compared (\(bothFailed) of them errors on both sides), \(differing) differ")
        if differing > 0 { throw ExitCode(1) }
    }

    /// One system's outcome per expression and evaluation: an answer or the error it gave.
    static func answers(of system: BenchSystem, executable: String, requests: [[UInt8]], exprs: [String],
                        plan: DiffPlan) throws -> [String: Result<QueryAnswer, QueryFailure>] {
        let server = try system.start(executable: executable)
        defer { server.stop() }
        if system == .prometheus {
            let version = system.version(server)
            // The exclusions (see `DiffQueries`) are tuned to 2.42; another version differs elsewhere.
            print("reference: Prometheus \(version) (\(executable))" + (version.hasPrefix("2.42") ? "" : "; the expressions left out are those where 2.42 differs from Prometheus 3, so expect other differences"))
        }
        let client = try RawHTTPClient(port: server.port)
        for body in requests {
            let r = try client.request("POST", "/api/v1/write", headers: RemoteWriteIngest.headers, body: body)
            guard (200..<300).contains(r.status) else {
                throw BenchError("\(system.displayName) rejected a write: \(r.status) \(String(decoding: r.body.prefix(300), as: UTF8.self))")
            }
        }
        var out: [String: Result<QueryAnswer, QueryFailure>] = [:]
        for path in plan.metadataPaths {
            out[path] = outcome(try client.request("GET", path, body: [])) { try QueryAnswer(metadataJSON: $0) }
        }
        for expr in exprs {
            for ev in plan.evaluations {
                let q = CompareQuery(name: expr, expr: expr, range: ev.step != nil)
                let reply = try client.request("GET", q.path(time: ev.end, start: ev.start, step: ev.step ?? 0), body: [])
                out[DiffPlan.key(expr, ev)] = outcome(reply) { try QueryAnswer(json: $0) }
            }
        }
        return out
    }

    /// The answer `parse` reads from a 200 reply, or the failure the reply reports.
    static func outcome(_ reply: RawHTTPClient.Reply, _ parse: ([UInt8]) throws -> QueryAnswer) -> Result<QueryAnswer, QueryFailure> {
        if reply.status == 200 {
            do { return .success(try parse(reply.body)) } catch {
                return .failure(QueryFailure(status: 200, type: "unreadable answer", message: "\(error)"))
            }
        }
        let root = try? JSONSerialization.jsonObject(with: Data(reply.body)) as? [String: Any]
        return .failure(QueryFailure(status: reply.status, type: root?["errorType"] as? String ?? "?",
                                     message: root?["error"] as? String ?? String(decoding: reply.body.prefix(200), as: UTF8.self)))
    }

    /// What differs between Tidemark's outcome and the reference's (empty when they agree). Two
    /// failures agree when their HTTP status and error type do (the wording may differ).
    static func differences(_ mine: Result<QueryAnswer, QueryFailure>, _ theirs: Result<QueryAnswer, QueryFailure>) -> [String] {
        switch (mine, theirs) {
        case (.failure(let a), .failure(let b)):
            return a.status == b.status && a.type == b.type ? [] : ["both failed, differently: Tidemark \(a), Prometheus \(b)"]
        case (.failure(let e), .success): return ["Tidemark failed, Prometheus answered: \(e)"]
        case (.success, .failure(let e)): return ["Tidemark answered, Prometheus failed: \(e)"]
        case (.success(let a), .success(let b)):
            // Values are compared as numbers; how Prometheus wrote them is checked on its own.
            let formatting = b.otherlyFormatted.map { "Prometheus wrote \"\($0)\", Tidemark would write that value otherwise" }
            return formatting + a.differences(from: b, relativeTolerance: 1e-9, absoluteTolerance: 1e-12, limit: 4)
        }
    }
}

/// A query that failed: HTTP status, the API's `errorType` and its message.
struct QueryFailure: Error, CustomStringConvertible {
    var status: Int
    var type: String
    var message: String
    var description: String { "\(status) \(type): \(message.prefix(160))" }
}

/// When the expressions are evaluated: instant queries inside, at the end of and just after the
/// data, and range queries over it at a whole-minute and an odd step. Evaluations start 16 minutes
/// in, so windows of up to 15 m start after the data does: where a series starts inside a `rate`
/// window, 2.42 and Prometheus 3 can extrapolate differently. (A few built-in expressions reach
/// further back, `changes(…[30m])` or a subquery's inner `rate` windows; their answers do not
/// depend on the extrapolation there.)
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
