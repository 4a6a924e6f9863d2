import Testing
@testable import TSDB

/// The slab allocator behind the head's chunk buffers: sizes, zeroed and disjoint buffers,
/// empty slabs handed back, and evacuation packing sparse slabs.
@Suite struct SlabAllocatorTests {
    @Test func everyRequestGetsTheSmallestClassThatHoldsIt() {
        var previous = 0
        for c in 0..<SlabAllocator.classCount {
            let size = SlabAllocator.classSize(c)
            #expect(size > previous && size % 16 == 0, "class \(c): \(size)")
            #expect(SlabAllocator.sizeClass(size) == c)
            if c > 0 { #expect(SlabAllocator.sizeClass(previous + 1) == c) }
            previous = size
        }
        #expect(previous == SlabAllocator.maxSlotBytes)
        for n in 1...SlabAllocator.maxSlotBytes {
            let cap = SlabAllocator.capacity(for: n)
            #expect(cap >= n && cap - n < max(16, n / 8), "\(n) → \(cap)")
        }
        #expect(SlabAllocator.capacity(for: 5000) == 5008)
    }

    /// Fills buffers with a pattern derived from their index, to check none overlaps another.
    private func fill(_ p: UnsafeMutableRawPointer, _ n: Int, _ tag: Int) {
        for i in 0..<n { p.storeBytes(of: UInt8(truncatingIfNeeded: tag &* 31 &+ i), toByteOffset: i, as: UInt8.self) }
    }

    private func intact(_ p: UnsafeMutableRawPointer, _ n: Int, _ tag: Int) -> Bool {
        (0..<n).allSatisfy { p.load(fromByteOffset: $0, as: UInt8.self) == UInt8(truncatingIfNeeded: tag &* 31 &+ $0) }
    }

    @Test func buffersAreZeroedDisjointAndComeBackZeroedAfterReuse() {
        let slabs = SlabAllocator()
        let sizes = [1, 16, 17, 100, 255, 256, 257, 1000, 4096, 4097, 9000]
        var held: [(UnsafeMutableRawPointer, Int, Int)] = []
        for round in 0..<3 {
            for (i, n) in sizes.enumerated() {
                for k in 0..<50 {
                    let p = slabs.allocate(n)
                    let cap = SlabAllocator.capacity(for: n)
                    #expect((0..<cap).allSatisfy { p.load(fromByteOffset: $0, as: UInt8.self) == 0 }, "size \(n), round \(round)")
                    #expect(Int(bitPattern: p) % 16 == 0)
                    let tag = round * 100_000 + i * 1000 + k
                    fill(p, cap, tag)
                    held.append((p, cap, tag))
                }
            }
            #expect(held.allSatisfy { intact($0.0, $0.1, $0.2) })
            // Free every other buffer; the next round reuses their slots.
            var kept: [(UnsafeMutableRawPointer, Int, Int)] = []
            for (j, h) in held.enumerated() { if j % 2 == 0 { slabs.free(h.0, capacity: h.1) } else { kept.append(h) } }
            held = kept
        }
        #expect(held.allSatisfy { intact($0.0, $0.1, $0.2) })
        for h in held { slabs.free(h.0, capacity: h.1) }
        #expect(slabs.slabsInUse.count == 0)
    }

    @Test func emptySlabsAreHandedBack() {
        let slabs = SlabAllocator()
        let perSlab = (SlabAllocator.slabBytes - SlabAllocator.headerBytes) / 64
        let ps = (0..<(perSlab * 3)).map { _ in slabs.allocate(64) }
        #expect(slabs.slabsInUse.count == 3)
        // Holes in every slab: none goes.
        for (i, p) in ps.enumerated() where i % 3 == 0 { slabs.free(p, capacity: 64) }
        #expect(slabs.slabsInUse.count == 3)
        // Emptied in any order, a slab goes as soon as its last buffer does.
        for (i, p) in ps.enumerated().reversed() where i % 3 != 0 && i < perSlab * 2 { slabs.free(p, capacity: 64) }
        #expect(slabs.slabsInUse.count == 1)
        for (i, p) in ps.enumerated() where i % 3 != 0 && i >= perSlab * 2 { slabs.free(p, capacity: 64) }
        #expect(slabs.slabsInUse.count == 0)
        // A released slab serves again.
        let again = slabs.allocate(200)
        #expect(slabs.slabsInUse.count == 1)
        slabs.free(again, capacity: SlabAllocator.capacity(for: 200))
    }

    /// Eight slabs' worth of `size`-byte buffers, each filled with its index.
    private func eightFullSlabs(_ slabs: SlabAllocator, size: Int) -> (perSlab: Int, buffers: [(UnsafeMutableRawPointer, Int)]) {
        let perSlab = (SlabAllocator.slabBytes - SlabAllocator.headerBytes) / size
        let all = (0..<(perSlab * 8)).map { i -> (UnsafeMutableRawPointer, Int) in
            let p = slabs.allocate(size)
            fill(p, size, i)
            return (p, i)
        }
        return (perSlab, all)
    }

    @Test func evacuationPacksSparseSlabsAndKeepsTheBytes() {
        let slabs = SlabAllocator()
        let size = 80
        let (perSlab, filled) = eightFullSlabs(slabs, size: size)
        var all = filled
        // Keep one buffer in ten: eight slabs about a tenth full.
        for (j, b) in all.enumerated() where j % 10 != 0 { slabs.free(b.0, capacity: size) }
        all = all.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)
        #expect(slabs.slabsInUse.count == 8)
        #expect(slabs.beginEvacuation() == 8)
        var moved = 0
        for i in all.indices {
            if let q = slabs.relocate(all[i].0, capacity: size) {
                all[i].0 = q
                moved += 1
            }
        }
        // Allocation during the evacuation goes to slabs not being evacuated.
        let extra = slabs.allocate(size)
        #expect(slabs.relocate(extra, capacity: size) == nil)
        slabs.endEvacuation()
        #expect(moved == all.count)
        #expect(all.allSatisfy { intact($0.0, size, $0.1) })
        let needed = (all.count + 1 + perSlab - 1) / perSlab
        #expect(slabs.slabsInUse.count == needed, "\(slabs.slabsInUse.count) slabs for \(all.count + 1) buffers")
        // After the evacuation, buffers stay put.
        #expect(slabs.relocate(all[0].0, capacity: size) == nil)
        for b in all { slabs.free(b.0, capacity: size) }
        slabs.free(extra, capacity: size)
        #expect(slabs.slabsInUse.count == 0)
    }

    @Test func fullEvacuationPacksSlabsThatAreMostlyFull() {
        let slabs = SlabAllocator()
        let size = 80
        let (perSlab, filled) = eightFullSlabs(slabs, size: size)
        var all = filled
        // Free three buffers in ten: eight slabs about 70 % full, none sparse enough for the
        // usual pass, 2.4 slabs' worth of holes in all.
        for (j, b) in all.enumerated() where j % 10 < 3 { slabs.free(b.0, capacity: size) }
        all = all.enumerated().filter { $0.offset % 10 >= 3 }.map(\.element)
        #expect(slabs.beginEvacuation() == 0)
        slabs.endEvacuation()
        #expect(slabs.beginEvacuation(fully: true) == 2)
        for i in all.indices {
            if let q = slabs.relocate(all[i].0, capacity: size) { all[i].0 = q }
        }
        slabs.endEvacuation()
        #expect(all.allSatisfy { intact($0.0, size, $0.1) })
        // The buffers fit the holes of the slabs left: no new slab was taken.
        #expect(slabs.slabsInUse.count == (all.count + perSlab - 1) / perSlab)
        for b in all { slabs.free(b.0, capacity: size) }
        #expect(slabs.slabsInUse.count == 0)
    }

    @Test func aClassWithOneSlabIsNotEvacuated() {
        let slabs = SlabAllocator()
        let p = slabs.allocate(48)
        #expect(slabs.beginEvacuation() == 0)
        #expect(slabs.relocate(p, capacity: 48) == nil)
        slabs.endEvacuation()
        slabs.free(p, capacity: 48)
    }

    @Test func concurrentUseKeepsEveryBufferIntact() async {
        let slabs = SlabAllocator()
        let ok = await withTaskGroup(of: Bool.self) { group in
            for t in 0..<4 {
                group.addTask {
                    var rng = WorkloadRandom(UInt64(t + 1))
                    var held: [(UnsafeMutableRawPointer, Int, Int)] = []
                    var good = true
                    for k in 0..<20_000 {
                        if held.count > 200 || (!held.isEmpty && rng.next() % 3 == 0) {
                            let h = held.remove(at: Int(rng.next() % UInt64(held.count)))
                            good = good && intact(h.0, h.1, h.2)
                            slabs.free(h.0, capacity: h.1)
                        } else {
                            let n = Int(rng.next() % 600) + 1
                            let p = slabs.allocate(n)
                            let cap = SlabAllocator.capacity(for: n)
                            fill(p, cap, t * 1_000_000 + k)
                            held.append((p, cap, t * 1_000_000 + k))
                        }
                        if k % 5000 == 0 {
                            // Evacuations from other tasks may move nothing of ours; ours move theirs.
                            _ = slabs.beginEvacuation()
                            for i in held.indices { if let q = slabs.relocate(held[i].0, capacity: held[i].1) { held[i].0 = q } }
                            slabs.endEvacuation()
                        }
                    }
                    for h in held {
                        good = good && intact(h.0, h.1, h.2)
                        slabs.free(h.0, capacity: h.1)
                    }
                    return good
                }
            }
            var all = true
            for await r in group { all = all && r }
            return all
        }
        #expect(ok)
        #expect(slabs.slabsInUse.count == 0)
    }
}
