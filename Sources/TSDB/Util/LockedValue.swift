import Synchronization

/// A `Mutex` in a class box, so locks can live in arrays (lock striping) and be shared by
/// reference between tasks; `Mutex` itself is non-copyable.
public final class LockedValue<Value: Sendable>: Sendable {
    @usableFromInline let mutex: Mutex<Value>
    /// A lock guarding `value`.
    public init(_ value: Value) { mutex = Mutex(value) }
    /// Runs `body` with exclusive access to the value.
    // Inlinable so callers in other modules get a specialised lock, not a generic call that
    // instantiates metadata on every use (it showed up in remote-write profiles).
    @inlinable @inline(__always)
    public func withLock<R>(_ body: (inout sending Value) throws -> sending R) rethrows -> R {
        try mutex.withLock(body)
    }
}
