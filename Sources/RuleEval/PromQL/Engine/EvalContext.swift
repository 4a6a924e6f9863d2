import Synchronization
import TSDB

/// State shared by every (sub)evaluator of one query: settings, the outer query's range (for
/// `@ start()` / `@ end()`), the deadline and the sample budget. Used by one thread at a time.
final class EvalContext: @unchecked Sendable {
    // @unchecked: the mutable counters are used by the evaluating thread only; worker threads
    // touch only `let`s and the atomic flag.
    let options: EngineOptions
    let storage: any QueryStorage
    let queryStart: Int64
    let queryEnd: Int64
    let deadline: ContinuousClock.Instant
    /// Samples loaded from storage or held as points so far.
    private(set) var samples = 0
    private var checks = 0
    /// Set when the query's task is cancelled; read by worker threads, which cannot see the task.
    private let cancelled = Atomic<Bool>(false)
    /// The labels that name a metric and are dropped together: `__name__`, and with the
    /// type-and-unit feature `__type__` and `__unit__`.
    let nameLabels: Set<String>
    var warnings: [String] = []
    var infos: [String] = []

    init(options: EngineOptions, storage: any QueryStorage, queryStart: Int64, queryEnd: Int64) {
        self.options = options
        self.storage = storage
        self.queryStart = queryStart
        self.queryEnd = queryEnd
        deadline = ContinuousClock.now.advanced(by: options.timeout)
        nameLabels = options.typeAndUnitLabels ? ["__name__", "__type__", "__unit__"] : ["__name__"]
    }

    /// Counts `n` more samples against `--query.max-samples`.
    @inline(__always)
    func add(samples n: Int) throws(QueryError) {
        samples &+= n
        if samples > options.maxSamples { throw .tooManySamples(limit: options.maxSamples) }
    }

    /// Throws when the query is past its deadline or its task was cancelled. Cheap enough for inner
    /// loops: the clock is read every 64th call.
    @inline(__always)
    func check() throws(QueryError) {
        checks &+= 1
        if checks & 63 == 0 { try checkNow() }
    }

    func checkNow() throws(QueryError) {
        if Task.isCancelled { throw .canceled }
        try checkShared()
    }

    /// The deadline and cancellation check for any thread (reads only thread-safe state).
    func checkShared() throws(QueryError) {
        if cancelled.load(ordering: .relaxed) { throw .canceled }
        if ContinuousClock.now > deadline { throw .timeout(options.timeout) }
    }

    /// Marks the query cancelled (from the task's cancellation handler).
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    func resolve(_ at: AtModifier) -> Int64 {
        switch at {
        case .time(let t): return t
        case .start: return queryStart
        case .end: return queryEnd
        }
    }
}
