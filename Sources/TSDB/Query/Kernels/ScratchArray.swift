/// A manually managed, growable array of trivial elements used as reusable kernel storage.
///
/// A value type holding a raw allocation so hot loops touch no ARC or exclusivity checks; the owner
/// (`WindowScratch`) frees it. Copies alias the same memory: exactly one copy may be used at a time.
@usableFromInline
struct ScratchArray<Element: BitwiseCopyable> {
    @usableFromInline var base: UnsafeMutablePointer<Element>
    @usableFromInline var capacity: Int

    @usableFromInline
    init(capacity: Int) {
        let c = Swift.max(capacity, 16)
        base = .allocate(capacity: c)
        self.capacity = c
    }

    @usableFromInline
    func deallocate() { base.deallocate() }

    @inlinable
    subscript(i: Int) -> Element {
        @inline(__always) get { base[i] }
        @inline(__always) nonmutating set { base[i] = newValue }
    }

    /// Moves `count` elements from index `from` to index `to` (ranges may overlap).
    @inlinable @inline(__always)
    func move(from: Int, to: Int, count: Int) {
        guard count > 0, from != to else { return }
        UnsafeMutableRawPointer(base + to).copyMemory(
            from: UnsafeRawPointer(base + from), byteCount: count * MemoryLayout<Element>.stride)
    }

    /// Reallocates to at least `minimumCapacity`, keeping `count` elements from `from` at index `to`.
    @usableFromInline @inline(never)
    mutating func grow(minimumCapacity: Int, keeping from: Int, count: Int, to: Int) {
        var c = Swift.max(capacity, 16)
        while c < minimumCapacity { c *= 2 }
        let fresh = UnsafeMutablePointer<Element>.allocate(capacity: c)
        if count > 0 {
            UnsafeMutableRawPointer(fresh + to).copyMemory(
                from: UnsafeRawPointer(base + from), byteCount: count * MemoryLayout<Element>.stride)
        }
        base.deallocate()
        base = fresh
        capacity = c
    }

    /// Ensures room for `n` elements without preserving contents.
    @inlinable @inline(__always)
    mutating func reserveDiscarding(_ n: Int) {
        if n > capacity { grow(minimumCapacity: n, keeping: 0, count: 0, to: 0) }
    }
}
