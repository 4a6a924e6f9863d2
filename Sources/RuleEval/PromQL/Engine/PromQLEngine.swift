import Foundation
import TSDB

/// Evaluates PromQL instant and range queries over a `QueryStorage` with Prometheus' semantics.
///
/// Thread-safe; queries run concurrently up to `EngineOptions.maxConcurrentQueries`, each bounded
/// by the timeout and the sample limit. Timestamps are milliseconds since the epoch.
public final class PromQLEngine: Sendable {
    public let options: EngineOptions
    let storage: any QueryStorage
    let gate: QueryGate

    public init(storage: any QueryStorage, options: EngineOptions = EngineOptions()) {
        self.storage = storage
        self.options = options
        gate = QueryGate(limit: options.maxConcurrentQueries)
    }

    /// Parses `query`, rejecting experimental functions unless enabled.
    public func parse(_ query: String) throws(QueryError) -> Expr {
        let expr: Expr
        do { expr = try PromQLParser.parse(query) } catch { throw .parse(error) }
        if !options.experimentalFunctions, let name = Self.firstExperimentalFunction(expr) {
            throw .badData("function \"\(name)\" is not enabled: it is experimental (--enable-feature=promql-experimental-functions)")
        }
        return expr
    }

    /// Evaluates `query` at `time`.
    public func instantQuery(_ query: String, at time: Int64) async throws(QueryError) -> QueryResult {
        try await instant(parse(query), at: time)
    }

    /// Evaluates `query` at `start`, `start+step`, … ≤ `end`; the result is a matrix sorted by labels.
    public func rangeQuery(_ query: String, start: Int64, end: Int64, step: Int64) async throws(QueryError) -> QueryResult {
        try await range(parse(query), start: start, end: end, step: step)
    }

    /// Evaluates a parsed expression at `time`.
    public func instant(_ expr: Expr, at time: Int64) async throws(QueryError) -> QueryResult {
        try await run(start: time, end: time) { (ctx) throws(QueryError) -> QueryResult in
            try Evaluator(ctx: ctx, start: time, end: time, interval: 0).instantResult(expr)
        }
    }

    /// Evaluates a parsed expression over a range.
    public func range(_ expr: Expr, start: Int64, end: Int64, step: Int64) async throws(QueryError) -> QueryResult {
        guard step > 0 else {
            throw .badData("zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        guard end >= start else { throw .badData("end timestamp must not be before start time") }
        // Every step holds at least one value: a grid the sample limit cannot hold is refused
        // before anything is allocated for it.
        let (span, overflow) = end.subtractingReportingOverflow(start)
        if overflow || span / step >= Int64(options.maxSamples) { throw .tooManySamples(limit: options.maxSamples) }
        switch expr.type {
        case .scalar, .instantVector: break
        default:
            throw .badData("invalid expression type \"\(expr.type.rawValue)\" for range query, must be Scalar or instant Vector")
        }
        return try await run(start: start, end: end) { (ctx) throws(QueryError) -> QueryResult in
            try Evaluator(ctx: ctx, start: start, end: end, interval: step).rangeResult(expr)
        }
    }

    /// Runs `body` inside a concurrency slot, under the timeout and the caller's cancellation
    /// (which reaches the evaluation through the context's flag), on a dedicated thread.
    private func run(start: Int64, end: Int64,
                     _ body: @escaping @Sendable (EvalContext) throws(QueryError) -> QueryResult) async throws(QueryError) -> QueryResult {
        guard await gate.enter() else { throw .canceled }
        defer { gate.leave() }
        if Task.isCancelled { throw .canceled }
        let ctx = EvalContext(options: options, storage: storage, queryStart: start, queryEnd: end)
        let result: Result<QueryResult, QueryError> = await withTaskCancellationHandler {
            await Self.onDedicatedThread { () -> Result<QueryResult, QueryError> in
                do throws(QueryError) { return .success(try body(ctx)) } catch { return .failure(error) }
            }
        } onCancel: {
            ctx.cancel()
        }
        return try result.get()
    }

    /// Evaluates `expr` at `time` on the calling thread, outside the concurrency gate: for callers
    /// already on a thread of their own (a rule group's iteration), so they pay no thread per query.
    public func instantOnCurrentThread(_ expr: Expr, at time: Int64) throws(QueryError) -> QueryResult {
        let ctx = EvalContext(options: options, storage: storage, queryStart: time, queryEnd: time)
        return try Evaluator(ctx: ctx, start: time, end: time, interval: 0).instantResult(expr)
    }

    /// Runs synchronous CPU work on a thread of its own and returns its result.
    ///
    /// Not on the caller's thread: Swift's cooperative pool has one thread per core, and two long
    /// evaluations holding them would stall every other task of the process. Not a Dispatch worker
    /// either: Dispatch runs about one CPU-bound item per core too, so cheap work would queue
    /// behind long work.
    public static func onDedicatedThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (done: CheckedContinuation<T, Never>) in
            let thread = Thread { done.resume(returning: body()) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    static func firstExperimentalFunction(_ e: Expr) -> String? {
        switch e {
        case .call(let c):
            if c.function.experimental { return c.function.name }
            for a in c.args { if let n = firstExperimentalFunction(a) { return n } }
            return nil
        case .aggregate(let a):
            if a.op == .limitk || a.op == .limitRatio { return a.op.rawValue }
            return firstExperimentalFunction(a.expr) ?? a.param.flatMap(firstExperimentalFunction)
        case .binary(let b): return firstExperimentalFunction(b.lhs) ?? firstExperimentalFunction(b.rhs)
        case .negate(let x), .paren(let x): return firstExperimentalFunction(x)
        case .subquery(let s): return firstExperimentalFunction(s.expr)
        default: return nil
        }
    }
}

