import Synchronization

/// A `Mutex` in a class box, so locks can live in arrays (lock striping) and be shared by
/// reference between tasks; `Mutex` itself is non-copyable.
public final class LockedValue<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    /// A lock guarding `value`.
    public init(_ value: Value) { mutex = Mutex(value) }
    /// Runs `body` with exclusive access to the value.
    @inline(__always) public func withLock<R>(_ body: (inout sending Value) throws -> sending R) rethrows -> R {
        try mutex.withLock(body)
    }
}
