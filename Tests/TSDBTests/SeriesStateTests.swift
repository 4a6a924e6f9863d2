import Foundation
import Testing
@testable import TSDB

/// The head's compact per-series chunk storage: an open chunk in memory, closed chunks in the
/// chunk store (files, or memory).
@Suite struct SeriesStateTests {
    /// A store with files in a fresh temporary directory, or in memory.
    private func makeStore(onDisk: Bool) -> HeadChunkStore {
        HeadChunkStore(directory: onDisk ? NSTemporaryDirectory() + "tm-chunks-\(UUID().uuidString)" : nil)
    }

    /// Jittered timestamps and a mix of constant, stepping, random and special values.
    private func samples(_ n: Int, seed: UInt64) -> [Sample] {
        var rng = WorkloadRandom(seed)
        var t: Int64 = 1_700_000_000_000
        var out: [Sample] = []
        for i in 0..<n {
            t += 15_000 + Int64(rng.next() % 7) - 3
            if rng.next() % 97 == 0 { t += Int64(rng.next() % 5_000_000) }  // gaps
            let v: Double
            switch i % 9 {
            case 0: v = Double(bitPattern: StaleNaN.bits)
            case 1: v = -0.0
            case 2: v = .infinity
            case 3, 4: v = 42
            default: v = rng.uniform(-1e6, 1e6)
            }
            out.append(Sample(t: t, v: v))
        }
        return out
    }

    private func read(_ chunks: [SealedXORChunk]) -> [Sample] {
        var it = HeadChunksIterator(chunks)
        var got: [Sample] = []
        while it.next() { got.append(Sample(t: it.timestamp, v: it.value)) }
        return got
    }

    private func same(_ a: [Sample], _ b: [Sample]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.t == $1.t && $0.v.bitPattern == $1.v.bitPattern }
    }

    @Test func stateStaysSmall() {
        // One per active series: every byte here is a byte per series.
        #expect(MemoryLayout<SeriesState>.size <= 80)
        #expect(MemoryLayout<OpenHeadChunk>.size <= 32)
    }

    @Test func aSeriesObjectFitsA128ByteHeapChunk() throws {
        // glibc rounds a request plus its 8-byte header up to 16: 120 bytes is the most that
        // fits 128 (what `malloc_usable_size` then reports); one byte more costs 144.
        let s = MemSeries(ref: 1, labels: try Labels(["__name__": "up", "instance": "a:9100"]), logged: false)
        let size = withExtendedLifetime(s) { mallocUsableSize(Unmanaged.passUnretained(s).toOpaque()) }
        // 0 would mean the object was not a heap block of its own.
        #expect(size > 0 && size <= 120, "\(size)")
    }

    /// A series holding `input`, appended with `samplesPerChunk` and `blockRange`.
    private func series(_ input: some Sequence<Sample>, samplesPerChunk: Int = 120, blockRange: Int64 = 7_200_000,
                        store: HeadChunkStore) -> MemSeries {
        let ms = MemSeries(ref: 1, labels: Labels(sortedUnchecked: [Label(name: "__name__", value: "m")]), logged: true)
        ms.state.withLock { st in
            for s in input { st.commit(s.t, s.v, samplesPerChunk: samplesPerChunk, blockRange: blockRange, store: store) }
        }
        return ms
    }

    @Test func aFullChunkGivesBackItsAppendRoom() {
        let store = makeStore(onDisk: false)
        let input = samples(240, seed: 7)
        let ms = series(input.prefix(119), blockRange: .max / 4, store: store)
        let growing = ms.state.withLock { st in st.open.map { $0.allocatedByteCount - $0.byteCount } ?? 0 }
        #expect(growing > BitReader.validStreamPadding + 15)
        ms.state.withLock { $0.commit(input[119].t, input[119].v, samplesPerChunk: 120, blockRange: .max / 4, store: store) }
        // Full: only the readers' padding is left past the encoded bytes (rounded up to a slab
        // slot size).
        let (allocated, used) = ms.state.withLock { st in (st.open?.allocatedByteCount ?? 0, st.open?.byteCount ?? 0) }
        #expect(allocated == SlabAllocator.capacity(for: used + BitReader.validStreamPadding), "\(allocated) for \(used)")
        // The next chunk starts small and grows as it needs.
        ms.state.withLock { st in
            for s in input.dropFirst(120) { st.commit(s.t, s.v, samplesPerChunk: 120, blockRange: .max / 4, store: store) }
        }
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), input))
    }

    @Test(arguments: [1, 2, 3, 119, 120, 121, 1000, 5000], [false, true])
    func everySampleReadsBackBitExact(n: Int, onDisk: Bool) {
        let store = makeStore(onDisk: onDisk)
        defer { if let d = store.directory { try? FileManager.default.removeItem(atPath: d) } }
        let input = samples(n, seed: UInt64(n))
        let ms = series(input, store: store)
        #expect(store.segmentCounts.inMemory == (onDisk ? 0 : store.segmentCounts.total))
        let all = ms.chunks(mint: .min, maxt: .max, store: store)
        #expect(same(read(all), input))
        for c in all {
            #expect(c.numSamples <= 120)
            #expect(c.minTime / 7_200_000 == c.maxTime / 7_200_000, "a chunk crosses a block boundary")
        }
        // A time range returns exactly the chunks overlapping it.
        if n > 10 {
            let lo = input[n / 3].t, hi = input[2 * n / 3].t
            let part = ms.chunks(mint: lo, maxt: hi, store: store)
            #expect(part.allSatisfy { $0.maxTime >= lo && $0.minTime <= hi })
            #expect(part.count == all.filter { $0.maxTime >= lo && $0.minTime <= hi }.count)
        }
    }

    @Test func chunksLargerThanASlabSlotReadBackBitExact() {
        // Long chunks of random values outgrow the largest slab slot (4 KiB) and move to malloc;
        // the capacity the chunk records must be exactly what it was given.
        let store = makeStore(onDisk: false)
        var rng = WorkloadRandom(5)
        var t: Int64 = 1_700_000_000_000
        let input = (0..<3000).map { _ -> Sample in
            t += 15_000 + Int64(rng.next() % 7) - 3
            return Sample(t: t, v: rng.uniform(-1e12, 1e12))
        }
        let ms = series(input, samplesPerChunk: 2500, blockRange: .max / 4, store: store)
        let (allocated, used) = ms.state.withLock { st in (st.open?.allocatedByteCount ?? 0, st.open?.byteCount ?? 0) }
        #expect(used > 4096 && allocated >= used)
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), input))
    }

    @Test func openChunksSpillTheirCompletedBytesToFiles() {
        // Small segments, so that releasing old ones is a real test of the prefix's lifetime.
        let store = HeadChunkStore(directory: NSTemporaryDirectory() + "tm-chunks-\(UUID().uuidString)", segmentBytes: 4096)
        defer { if let d = store.directory { try? FileManager.default.removeItem(atPath: d) } }
        // Random values (~8 bytes a sample) in long chunks: the open chunk spills many times,
        // its prefix rewritten each time, while memory keeps only the stream after it.
        var rng = WorkloadRandom(11)
        var t: Int64 = 1_700_000_000_000
        let input = (0..<700).map { _ -> Sample in
            t += 15_000 + Int64(rng.next() % 7) - 3
            return Sample(t: t, v: rng.uniform(-1e9, 1e9))
        }
        let ms = series(input.prefix(450), samplesPerChunk: 500, blockRange: .max / 4, store: store)
        let (spilled, allocated, used) = ms.state.withLock { st in
            (st.open?.isSpilled ?? false, st.open?.allocatedByteCount ?? 0, st.open?.byteCount ?? 0)
        }
        #expect(spilled)
        #expect(used > 3000 && allocated <= used / 2, "\(allocated) bytes in memory for \(used)")
        #expect(store.segmentCounts.total > 2)
        // Superseded prefixes are not counted as live bytes.
        #expect(store.fileBytes < Int64(used) * 2)
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), Array(input.prefix(450))))
        // A pause spills what is complete (a long prefix waits for 256 new bytes).
        ms.state.withLock { $0.spillOpenChunk(store: store, minimum: 1) }
        let left = ms.state.withLock { $0.open?.allocatedByteCount ?? 0 }
        #expect(left <= SlabAllocator.capacity(for: OpenHeadChunk.spilledHeaderBytes + 256 + OpenHeadChunk.appendRoom + OpenHeadChunk.growthStep))
        #expect(ms.state.withLock { $0.open?.minTime } == input[0].t)
        // Releasing segments up to the newest sample keeps the open chunk's prefix, though a
        // chunk filling a segment of its own has made the prefix's segment an older one.
        let filler = [UInt8](repeating: 7, count: 4096)
        for _ in 0..<2 {
            _ = filler.withUnsafeBytes { store.append($0.baseAddress!, count: 4096, samples: 1, maxTime: input[0].t) }
        }
        let before = store.segmentCounts.total
        store.release(before: input[449].t)
        #expect(store.segmentCounts.total == before - 1, "the first filler's segment goes, the prefixes' stay")
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), Array(input.prefix(450))))
        // Appends go on after the spill, and the chunk closes whole from prefix and tail.
        ms.state.withLock { st in
            for s in input.dropFirst(450) { st.commit(s.t, s.v, samplesPerChunk: 500, blockRange: .max / 4, store: store) }
        }
        let all = ms.chunks(mint: .min, maxt: .max, store: store)
        #expect(all.map(\.numSamples) == [500, 200])
        #expect(same(read(all), input))
        // A range in the middle of the open chunk reads through the spilled prefix too.
        let part = ms.chunks(mint: input[600].t, maxt: input[650].t, store: store)
        #expect(part.count == 1 && part.first?.minTime == input[500].t)
    }

    @Test func aPauseLeavesAShortOpenChunkOnlyItsUnfinishedByte() {
        let store = makeStore(onDisk: true)
        defer { if let d = store.directory { try? FileManager.default.removeItem(atPath: d) } }
        // Values that encode in a few bits: well under the 160 bytes of a spill while appending.
        var t: Int64 = 1_700_000_000_000
        let input = (0..<100).map { i -> Sample in
            t += 15_000
            return Sample(t: t, v: Double(i / 10))
        }
        let ms = series(input, samplesPerChunk: 120, blockRange: .max / 4, store: store)
        #expect(ms.state.withLock { $0.open?.isSpilled } == false)
        ms.state.withLock { $0.spillOpenChunk(store: store, minimum: 1) }
        #expect(ms.state.withLock { $0.open?.isSpilled } == true)
        let left = ms.state.withLock { $0.open?.allocatedByteCount ?? 0 }
        #expect(left <= SlabAllocator.capacity(for: OpenHeadChunk.spilledHeaderBytes + 1))
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), input))
        // The next append grows the buffer again.
        let next = Sample(t: t + 15_000, v: 42)
        ms.state.withLock { $0.commit(next.t, next.v, samplesPerChunk: 120, blockRange: .max / 4, store: store) }
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), input + [next]))
    }

    @Test func openChunksStayInMemoryWithoutFiles() {
        let store = makeStore(onDisk: false)
        let input = samples(119, seed: 4)
        let ms = series(input, store: store)
        ms.state.withLock { $0.spillOpenChunk(store: store, minimum: 1) }
        #expect(ms.state.withLock { $0.open?.isSpilled } == false)
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), input))
    }

    @Test func truncateDropsWholeChunksAndCountsTheirSamples() {
        let store = makeStore(onDisk: false)
        let input = samples(1000, seed: 7)
        let ms = series(input, store: store)
        let mid = input[500].t
        let dropped = ms.state.withLock { $0.truncate(before: mid) }
        #expect(dropped > 0 && dropped <= 500)
        let rest = read(ms.chunks(mint: .min, maxt: .max, store: store))
        // Exactly the samples of the chunks that end at or after `mid` remain.
        #expect(same(rest, Array(input[dropped...])))
        #expect(ms.state.withLock { $0.minTime } == input[dropped].t)
        // Appending after a truncation continues the same series.
        let next = Sample(t: input[999].t + 15_000, v: 1)
        ms.state.withLock { $0.commit(next.t, next.v, samplesPerChunk: 120, blockRange: 7_200_000, store: store) }
        #expect(ms.state.withLock { $0.lastT } == next.t)
        #expect(same(read(ms.chunks(mint: .min, maxt: .max, store: store)), Array(input[dropped...]) + [next]))
        // Dropping everything leaves an empty state.
        #expect(ms.state.withLock { $0.truncate(before: .max) } == 1000 - dropped + 1)
        #expect(ms.state.withLock { $0.isEmpty && $0.minTime == nil })
    }

    @Test func readersKeepTheirViewWhileTheSeriesMovesOn() {
        let store = makeStore(onDisk: true)
        defer { if let d = store.directory { try? FileManager.default.removeItem(atPath: d) } }
        let input = samples(400, seed: 3)
        let ms = MemSeries(ref: 1, labels: Labels(sortedUnchecked: [Label(name: "__name__", value: "m")]), logged: true)
        for s in input[..<200] { ms.state.withLock { $0.commit(s.t, s.v, samplesPerChunk: 120, blockRange: 7_200_000, store: store) } }
        let view = ms.chunks(mint: .min, maxt: .max, store: store)
        for s in input[200...] { ms.state.withLock { $0.commit(s.t, s.v, samplesPerChunk: 120, blockRange: 7_200_000, store: store) } }
        _ = ms.state.withLock { $0.truncate(before: input[300].t) }
        store.release(before: input[300].t)
        #expect(same(read(view), Array(input[..<200])))
    }
}

// glibc's malloc_usable_size is not exported by the Glibc module map.
@_silgen_name("malloc_usable_size")
private func mallocUsableSize(_ pointer: UnsafeMutableRawPointer?) -> Int
