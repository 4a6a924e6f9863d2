import Dispatch

/// Fans independent per-series work out over the cores.
enum Parallel {
    /// Runs `body(i)` for every `i` in `0..<n`, concurrently; returns when all are done. `body`
    /// must be safe to run on several threads at once for different `i` (each writes only its own
    /// slot), which is what makes the unchecked hand-over below sound.
    static func forEach(_ n: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { escapable in
            let box = Unchecked(escapable)
            DispatchQueue.concurrentPerform(iterations: n) { i in box.value(i) }
        }
    }

    /// Results of `body(i)` for `i` in `0..<n`, computed concurrently, in index order.
    static func map<T>(_ n: Int, _ body: (Int) -> T) -> [T] {
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: n)
        slots.initialize(repeating: nil)
        defer { slots.deinitialize(); slots.deallocate() }
        let out = Unchecked(slots)
        forEach(n) { i in out.value[i] = body(i) }
        return slots.compactMap { $0 }
    }

    private struct Unchecked<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }
}
