#if canImport(Glibc)
import Glibc
#endif

/// Small byte buffers carved from 64 KiB slabs, one size class per slab, outside the malloc heap:
/// the memory of the head's per-series buffers (open chunks, closed-chunk lists).
///
/// Why not malloc: a head's series grow and replace these buffers in step (every series of a
/// target gets a sample per scrape, and chunks are cut at the same boundaries), so under malloc
/// the buffers a size left behind stay as holes between live objects of every other kind, on
/// pages that never go back to the OS. Here the buffers of one size share their slabs with
/// nothing else: once every series has moved on from a size, its slabs are empty, and an empty
/// slab's pages are handed back at once.
///
/// Thread-safe: one lock per size class, taken once per buffer allocated or freed (a few times
/// per chunk, never per sample). Buffers are 16-byte aligned; their bytes are zero when handed
/// out. Requests above `maxSlotBytes` go to malloc.
public final class SlabAllocator: Sendable {
    /// Bytes per slab (a power of two: a slot's slab is its address rounded down).
    static let slabBytes = 64 * 1024
    /// The slab's own bookkeeping at its start (see `SlabHeader`), before the first slot.
    static let headerBytes = 64
    /// Slabs are carved from regions of this many bytes, mapped once and never unmapped (their
    /// empty slabs hold no memory).
    static let regionSlabs = 32
    /// The largest buffer served from slabs.
    public static let maxSlotBytes = 4096
    /// Number of size classes: 16-byte steps up to 256, then 8 per doubling up to 4 KiB.
    static let classCount = 48

    /// The allocator the head's series use.
    public static let shared = SlabAllocator()

    private struct ClassState {
        /// Slabs of this class with a free slot, linked through their headers (0 ends the list).
        var partial: UInt = 0
        /// Slabs taken out of allocation by `beginEvacuation`, until `endEvacuation`.
        var evacuating: [UInt] = []
        var slabs = 0
        var live = 0
    }

    private struct Pool {
        /// Empty slabs whose pages were handed back, ready for any class.
        var empty: [UInt] = []
        /// The next slab of the current region not yet used, and how many remain.
        var next: UInt = 0
        var remaining = 0
    }

    private let classes: [LockedValue<ClassState>]
    private let pool = LockedValue(Pool())

    /// A separate allocator (tests); the head uses `shared`.
    public init() {
        assert(MemoryLayout<SlabHeader>.size <= Self.headerBytes, "the slab header outgrew its room")
        classes = (0..<Self.classCount).map { _ in LockedValue(ClassState()) }
    }

    /// The size class serving `n` bytes (1 ≤ n ≤ `maxSlotBytes`).
    @inline(__always)
    static func sizeClass(_ n: Int) -> Int {
        if n <= 256 { return (n &+ 15) &>> 4 &- 1 }
        // n in (256 << (tier - 1), 256 << tier], in steps of 16 << tier.
        let tier = (Int.bitWidth &- (n &- 1).leadingZeroBitCount) &- 8
        let step = 16 &<< tier, base = 256 &<< (tier &- 1)
        return 16 &+ (tier &- 1) &* 8 &+ (n &- base &+ step &- 1) / step &- 1
    }

    /// The slot size of class `c`.
    @inline(__always)
    static func classSize(_ c: Int) -> Int {
        if c < 16 { return (c &+ 1) &<< 4 }
        let tier = (c &- 16) / 8 &+ 1, k = (c &- 16) % 8 &+ 1
        return (256 &<< (tier &- 1)) &+ k &* (16 &<< tier)
    }

    /// The bytes a request for `n` gets (what must be passed back to `free`).
    @inline(__always)
    public static func capacity(for n: Int) -> Int {
        let m = Swift.max(n, 1)
        return m > maxSlotBytes ? (m &+ 15) & ~15 : classSize(sizeClass(m))
    }

    /// A zeroed buffer of `capacity(for: n)` bytes.
    public func allocate(_ n: Int) -> UnsafeMutableRawPointer {
        let size = Self.capacity(for: n)
        if size > Self.maxSlotBytes {
            guard let p = calloc(1, size) else { fatalError("out of memory allocating \(size) bytes") }
            return p
        }
        let c = Self.sizeClass(size)
        let slot: UInt = classes[c].withLock { st in
            if st.partial == 0 {
                let slab = takeSlab()
                SlabHeader.at(slab).initialize(to: SlabHeader(sizeClass: UInt32(c)))
                st.partial = slab
                st.slabs &+= 1
            }
            let slab = st.partial
            let h = SlabHeader.at(slab)
            let offset: UInt32
            if h.pointee.freeHead != 0 {
                offset = h.pointee.freeHead
                h.pointee.freeHead = UnsafeRawPointer(bitPattern: slab &+ UInt(offset)).unsafelyUnwrapped.load(as: UInt32.self)
            } else {
                offset = h.pointee.bump
                h.pointee.bump = offset &+ UInt32(truncatingIfNeeded: size)
            }
            h.pointee.live &+= 1
            st.live &+= 1
            // Full: out of the list until a slot comes back.
            if h.pointee.freeHead == 0 && Int(h.pointee.bump) &+ size > Self.slabBytes { unlink(h, slab, &st) }
            return slab &+ UInt(offset)
        }
        let p = UnsafeMutableRawPointer(bitPattern: slot).unsafelyUnwrapped
        p.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        return p
    }

    /// Gives back a buffer from `allocate`; `capacity` is `capacity(for:)` of the request.
    public func free(_ p: UnsafeMutableRawPointer, capacity: Int) {
        if capacity > Self.maxSlotBytes {
            Glibc.free(p)
            return
        }
        let c = Self.sizeClass(capacity)
        let address = UInt(bitPattern: p)
        let slab = address & ~UInt(Self.slabBytes &- 1)
        let release: Bool = classes[c].withLock { st in
            let h = SlabHeader.at(slab)
            p.storeBytes(of: h.pointee.freeHead, as: UInt32.self)
            h.pointee.freeHead = UInt32(truncatingIfNeeded: address &- slab)
            h.pointee.live &-= 1
            st.live &-= 1
            if h.pointee.live == 0 {
                // Empty: its pages go back (an evacuating slab is in no list).
                if h.pointee.evacuating {
                    if let i = st.evacuating.firstIndex(of: slab) {
                        st.evacuating.swapAt(i, st.evacuating.count &- 1)
                        st.evacuating.removeLast()
                    }
                } else if h.pointee.listed {
                    unlink(h, slab, &st)
                }
                st.slabs &-= 1
                return true
            }
            if !h.pointee.listed && !h.pointee.evacuating { link(h, slab, &st) }
            return false
        }
        if release {
            _ = madvise(UnsafeMutableRawPointer(bitPattern: slab), Self.slabBytes, MADV_DONTNEED)
            pool.withLock { $0.empty.append(slab) }
        }
    }

    /// Puts a slab at the head of its class's list of slabs with room.
    private func link(_ h: UnsafeMutablePointer<SlabHeader>, _ slab: UInt, _ st: inout ClassState) {
        h.pointee.next = st.partial
        h.pointee.previous = 0
        if st.partial != 0 { SlabHeader.at(st.partial).pointee.previous = slab }
        st.partial = slab
        h.pointee.listed = true
    }

    /// Takes a slab out of that list.
    private func unlink(_ h: UnsafeMutablePointer<SlabHeader>, _ slab: UInt, _ st: inout ClassState) {
        if h.pointee.previous != 0 { SlabHeader.at(h.pointee.previous).pointee.next = h.pointee.next } else { st.partial = h.pointee.next }
        if h.pointee.next != 0 { SlabHeader.at(h.pointee.next).pointee.previous = h.pointee.previous }
        h.pointee.previous = 0
        h.pointee.next = 0
        h.pointee.listed = false
    }

    /// Takes the slabs that are less than half full out of allocation, in each class with more
    /// than one slab, so that moving their buffers elsewhere (`relocate`) packs them into fewer
    /// slabs and the emptied ones go back. Buffers of a size series have mostly moved on from
    /// are left scattered, a few per slab, otherwise. With `fully` (when appends pause), the
    /// sparsest slabs go as long as the free slots of the rest can take their buffers: the
    /// class ends with at most one slab's worth of holes. Returns the number of slabs taken out.
    public func beginEvacuation(fully: Bool = false) -> Int {
        var marked = 0
        for c in classes.indices {
            let slots = (Self.slabBytes &- Self.headerBytes) / Self.classSize(c)
            marked &+= classes[c].withLock { st in
                guard st.slabs > 1 else { return 0 }
                var partial: [(slab: UInt, live: Int)] = []
                var s = st.partial
                while s != 0 {
                    let h = SlabHeader.at(s)
                    partial.append((s, Int(h.pointee.live)))
                    s = h.pointee.next
                }
                var chosen: [UInt] = []
                if fully {
                    partial.sort { $0.live < $1.live }
                    var free = partial.reduce(0) { $0 &+ (slots &- $1.live) }, moving = 0
                    for p in partial {
                        // Emptying `p` takes its holes out of the destinations and adds its buffers.
                        let rest = free &- (slots &- p.live)
                        if moving &+ p.live > rest { break }
                        free = rest
                        moving &+= p.live
                        chosen.append(p.slab)
                    }
                } else {
                    chosen = partial.filter { $0.live &* 2 < slots }.map(\.slab)
                }
                for s in chosen {
                    let h = SlabHeader.at(s)
                    unlink(h, s, &st)
                    h.pointee.evacuating = true
                    st.evacuating.append(s)
                }
                return chosen.count
            }
        }
        return marked
    }

    /// Puts the slabs still holding buffers after an evacuation back into allocation.
    public func endEvacuation() {
        for c in classes.indices {
            classes[c].withLock { st in
                for s in st.evacuating {
                    let h = SlabHeader.at(s)
                    h.pointee.evacuating = false
                    link(h, s, &st)
                }
                st.evacuating.removeAll()
            }
        }
    }

    /// When the buffer at `p` (of `capacity(for:)` bytes) is in a slab being evacuated: a copy
    /// of it in another slab (the old one is freed), else nil.
    public func relocate(_ p: UnsafeMutableRawPointer, capacity: Int) -> UnsafeMutableRawPointer? {
        guard capacity <= Self.maxSlotBytes else { return nil }
        let slab = UInt(bitPattern: p) & ~UInt(Self.slabBytes &- 1)
        guard classes[Self.sizeClass(capacity)].withLock({ _ in SlabHeader.at(slab).pointee.evacuating }) else { return nil }
        let q = allocate(capacity)
        q.copyMemory(from: p, byteCount: capacity)
        free(p, capacity: capacity)
        return q
    }

    /// An empty slab: a released one, or the next of the current region (a new region when none).
    private func takeSlab() -> UInt {
        pool.withLock { p in
            if let s = p.empty.popLast() { return s }
            if p.remaining == 0 {
                // One slab more than needed, so the region can start on a slab boundary.
                let bytes = (Self.regionSlabs &+ 1) &* Self.slabBytes
                guard let m = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                      m != MAP_FAILED else { fatalError("out of memory mapping \(bytes) bytes") }
                // Small pages only: a huge page would keep 2 MiB resident for one live slab.
                _ = madvise(m, bytes, MADV_NOHUGEPAGE)
                let mask = UInt(Self.slabBytes &- 1)
                p.next = (UInt(bitPattern: m) &+ mask) & ~mask
                p.remaining = Self.regionSlabs
            }
            let s = p.next
            p.next &+= UInt(Self.slabBytes)
            p.remaining &-= 1
            return s
        }
    }

    /// Per size class in use: slot size, slabs, buffers handed out.
    public var classUsage: [(size: Int, slabs: Int, buffers: Int)] {
        classes.indices.compactMap { c in
            let (n, live) = classes[c].withLock { ($0.slabs, $0.live) }
            return n > 0 ? (Self.classSize(c), n, live) : nil
        }
    }

    /// Slabs holding at least one buffer, and their bytes.
    public var slabsInUse: (count: Int, bytes: Int) {
        let n = classes.reduce(0) { n, c in n &+ c.withLock { $0.slabs } }
        return (n, n &* Self.slabBytes)
    }
}

/// The bookkeeping at the start of a slab, read and written in place (under its class's lock).
private struct SlabHeader {
    /// Slots handed out.
    var live: UInt32 = 0
    /// Offset of the first free slot (each free slot starts with the next one's offset), 0 when none.
    var freeHead: UInt32 = 0
    /// Offset of the first slot never handed out.
    var bump = UInt32(SlabAllocator.headerBytes)
    var sizeClass: UInt32
    /// Whether the slab is in its class's list of slabs with room.
    var listed = true
    /// Whether the slab is out of allocation until its buffers have moved (see `beginEvacuation`).
    var evacuating = false
    /// Neighbours in that list (slab addresses, 0 for none).
    var previous: UInt = 0
    var next: UInt = 0

    /// The header of the slab at `address`.
    static func at(_ address: UInt) -> UnsafeMutablePointer<SlabHeader> {
        UnsafeMutablePointer(bitPattern: address).unsafelyUnwrapped
    }
}
