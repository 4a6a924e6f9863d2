import Synchronization

/// Whether start-up (WAL replay) has finished; `/-/ready` answers 503 until it has.
final class Readiness: Sendable {
    private let ready = Atomic<Bool>(false)
    func markReady() { ready.store(true, ordering: .releasing) }
    var isReady: Bool { ready.load(ordering: .acquiring) }
}
