import CCPUHints
import Glibc
import Synchronization

/// A lock around a value for tiny critical sections that one thread holds at a time almost
/// always, like a head series' state: taking it is one compare-and-swap, releasing it one plain
/// store. `Mutex` also reads the thread id and releases with a second compare-and-swap (it
/// supports priority inheritance), which measured about 3× the cost per use here.
///
/// A waiter spins briefly, then yields its time slice, so a holder that was preempted gets the
/// processor back. Not for sections that block or run long.
public struct SpinMutex<Value: ~Copyable>: ~Copyable, @unchecked Sendable {
    // The value first: the 4-byte word then ends the struct, where an enclosing class can put
    // a 4-byte field after it instead of padding before the value (see `MemSeries`).
    @usableFromInline let cell: _Cell<Value>
    @usableFromInline let word = Atomic<UInt32>(0)

    /// A lock guarding `value`.
    public init(_ value: consuming sending Value) {
        cell = _Cell(value)
    }

    /// Runs `body` with the value while holding the lock.
    @inlinable @inline(__always)
    public borrowing func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        if !word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged { waitForLock() }
        defer { word.store(0, ordering: .releasing) }
        return try body(&cell._address.pointee)
    }

    /// The contended path: spin on plain loads (no cache-line ping-pong), then yield.
    @usableFromInline @inline(never)
    borrowing func waitForLock() {
        var spins = 0
        while true {
            if word.load(ordering: .relaxed) == 0,
               word.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged { return }
            spins += 1
            if spins < 100 { tidemark_cpu_relax() } else { sched_yield() }
        }
    }
}
