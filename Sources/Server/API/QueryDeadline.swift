import Dispatch
import RuleEval
import Synchronization

/// Runs an engine call under a deadline: when `timeout` passes first, the evaluating task is
/// cancelled (the engine checks `Task.isCancelled` and stops) and the call fails with
/// `QueryError.timeout`; when the caller's task is cancelled, the evaluation is too.
///
/// The timer runs on a private Dispatch queue, not as a Swift task nor on a global queue:
/// evaluation is CPU-bound and synchronous, and with every core busy evaluating, a sleeping
/// task, and on Linux a global queue's work item, would only run after the queries it should
/// stop. A private queue targets the overcommitting root queue, which always gets a thread. This returns once the evaluation has stopped, so a
/// timed-out query keeps neither a concurrency slot nor CPU behind the response.
enum QueryDeadline {
    private static let timers = DispatchQueue(label: "tidemark.query-deadline")

    private final class Expiry: Sendable {
        let fired = Atomic<Bool>(false)
    }

    static func run(timeout: Duration,
                    _ evaluate: @escaping @Sendable () async throws(QueryError) -> QueryResult) async throws(QueryError) -> QueryResult {
        // A deadline already passed (`timeout=0`) fails before evaluating, not by a race with it.
        guard timeout > .zero else { throw .timeout(timeout) }
        let task = Task { () -> Result<QueryResult, QueryError> in
            do throws(QueryError) { return .success(try await evaluate()) } catch { return .failure(error) }
        }
        let expiry = Expiry()
        let timer = DispatchWorkItem {
            expiry.fired.store(true, ordering: .sequentiallyConsistent)
            task.cancel()
        }
        timers.asyncAfter(deadline: .now() + dispatchInterval(timeout), execute: timer)
        let result = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        timer.cancel()
        switch result {
        case .success(let r): return r
        case .failure(.canceled) where expiry.fired.load(ordering: .sequentiallyConsistent): throw .timeout(timeout)
        case .failure(let e): throw e
        }
    }

    static func dispatchInterval(_ d: Duration) -> DispatchTimeInterval {
        let (s, atto) = d.components
        let (ns, overflow) = s.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow, ns < Int64.max - 1_000_000_000 else { return .never }
        return .nanoseconds(Int(ns + atto / 1_000_000_000))
    }
}
