import Synchronization

/// A `Mutex` in a class box, so locks can live in arrays (lock striping); `Mutex` itself is non-copyable.
final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    @inline(__always) func withLock<R>(_ body: (inout sending Value) throws -> sending R) rethrows -> R {
        try mutex.withLock(body)
    }
}
