import Synchronization

/// Bounds how many queries evaluate at once; the rest wait in arrival order (Prometheus'
/// `--query.max-concurrency` queue). Thread-safe.
final class QueryGate: Sendable {
    private struct State {
        var active = 0
        var waiters: [(id: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []
        var nextID: UInt64 = 0
    }
    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) { self.limit = max(1, limit) }

    /// Waits for a slot; false when the waiting task was cancelled (no slot taken).
    func enter() async -> Bool {
        let id: UInt64? = state.withLock { s in
            if s.active < limit { s.active += 1; return nil }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let resumeNow: Bool = state.withLock { s in
                    if Task.isCancelled { return true }
                    s.waiters.append((id, c))
                    return false
                }
                if resumeNow { c.resume(returning: false) }
            }
        } onCancel: {
            let c: CheckedContinuation<Bool, Never>? = state.withLock { s in
                guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return s.waiters.remove(at: i).continuation
            }
            c?.resume(returning: false)
        }
    }

    /// Frees a slot taken by a successful `enter`, handing it to the oldest waiter.
    func leave() {
        let next: CheckedContinuation<Bool, Never>? = state.withLock { s in
            if s.waiters.isEmpty { s.active -= 1; return nil }
            return s.waiters.removeFirst().continuation
        }
        next?.resume(returning: true)
    }

    /// Queries evaluating now.
    var active: Int { state.withLock { $0.active } }
}
