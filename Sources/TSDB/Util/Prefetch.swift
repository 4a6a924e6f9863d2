import CCPUHints

/// Cache-line prefetch hints, for batched lookups whose misses should overlap.
public enum Prefetch {
    /// Starts loading the cache line holding `p` without waiting for it.
    @inlinable @inline(__always) public static func read(_ p: UnsafeRawPointer) { tidemark_prefetch(p) }
}

extension MemSeries {
    /// Starts loading the object (its lock and sample state span two cache lines) ahead of an append.
    @inlinable @inline(__always) public static func prefetch(_ s: Unmanaged<MemSeries>) {
        let p = UnsafeRawPointer(s.toOpaque())
        Prefetch.read(p)
        Prefetch.read(p + 64)
    }
}

/// The two cache lines an open chunk append touches, captured while its series was locked; only
/// ever passed to `Prefetch.read`, never dereferenced.
struct ChunkTouchAddresses {
    let header: UnsafeRawPointer
    let write: UnsafeRawPointer

    @inline(__always) func prefetch() {
        Prefetch.read(header)
        Prefetch.read(write)
    }
}
