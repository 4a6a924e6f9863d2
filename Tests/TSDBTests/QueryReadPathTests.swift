import Foundation
import Testing
@testable import TSDB

/// The query read path: select's streaming merge of blocks and head, chained vs merged iteration,
/// partial chunk decoding, the varint fast paths, the block caches and the series cursor.
@Suite struct QueryReadPathTests {
    /// One block's content: label set → samples (time-sorted).
    typealias Content = [[String: String]: [Sample]]

    func writeBlock(_ content: Content, dir: String, minT: Int64, maxT: Int64) throws -> BlockReader {
        let sorted = content.map { (L($0.key), $0.value) }.sorted { $0.0 < $1.0 }
        // Small frames and chunk windows so series span several frames and chunks.
        var w = try BlockWriter(parentDirectory: dir, minTime: minT, maxTime: maxT,
                                options: BlockWriterOptions(frameSize: 512, chunkWindowMs: 7_000))
        for (labels, samples) in sorted {
            try w.add(labels: labels.pairs.map { ($0.name, $0.value) }, timestamps: samples.map(\.t), values: samples.map(\.v))
        }
        let meta = try w.finish()
        return try BlockReader(directory: dir + "/" + meta.ulid)
    }

    /// Random samples on a jittered grid within `[from, to)`; values of all codec modes.
    func randomSamples(_ rng: inout SeededRandom, from: Int64, to: Int64, kind: Int) -> [Sample] {
        var out: [Sample] = []
        var t = from + Int64.random(in: 0..<700, using: &rng)
        var v = Double(Int.random(in: 0..<1000, using: &rng))
        while t < to {
            switch kind {
            case 0: break                                           // constant
            case 1: v += Double(Int.random(in: 0..<50_000, using: &rng))  // counter, multi-byte deltas
            case 2: v = Double(Int.random(in: 0..<1000, using: &rng)) / 100  // decimals
            default: v = Double.random(in: -1e6...1e6, using: &rng)     // xor
            }
            out.append(Sample(t: t, v: v))
            t += Int64.random(in: 500...1500, using: &rng)
        }
        return out
    }

    /// Newest-wins merge of sources (oldest first) within `[mint, maxt]`.
    func expected(_ sources: [[Sample]], mint: Int64, maxt: Int64) -> [Sample] {
        var byT: [Int64: Double] = [:]
        for s in sources { for x in s where x.t >= mint && x.t <= maxt { byT[x.t] = x.v } }
        return byT.keys.sorted().map { Sample(t: $0, v: byT[$0] ?? 0) }
    }

    func bitEqual(_ a: [Sample], _ b: [Sample]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.bitEqual($1) }
    }

    @Test(arguments: [false, true])
    func selectAgreesWithANaiveMerge(overlapping: Bool) throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        var rng = SeededRandom(seed: overlapping ? 7 : 8)
        // Three blocks (overlapping in time or not) and a head; series sets differ per source.
        let ranges: [(Int64, Int64)] = overlapping
            ? [(0, 40_000), (30_000, 70_000), (35_000, 90_000)]
            : [(0, 30_000), (30_000, 60_000), (60_000, 90_000)]
        var contents: [Content] = []
        var blocks: [BlockReader] = []
        for (b, r) in ranges.enumerated() {
            var c: Content = [:]
            for i in 0..<40 where (i + b) % 5 != 0 {
                let labels = ["__name__": i % 3 == 0 ? "alpha" : "beta_total", "i": "\(i)", "job": i % 2 == 0 ? "a" : "bb"]
                c[labels] = randomSamples(&rng, from: r.0, to: r.1, kind: i % 4)
            }
            contents.append(c)
            blocks.append(try writeBlock(c, dir: dir.path, minT: r.0, maxT: r.1))
        }
        let head = Head()
        var app = head.appender()
        var headContent: Content = [:]
        for i in stride(from: 0, to: 45, by: 2) {
            let labels = ["__name__": i % 3 == 0 ? "alpha" : "beta_total", "i": "\(i)", "job": i % 2 == 0 ? "a" : "bb"]
            let s = randomSamples(&rng, from: overlapping ? 85_000 : 90_000, to: 100_000, kind: i % 4)
            for x in s { app.append(L(labels), t: x.t, v: x.v) }
            headContent[labels] = s
        }
        _ = try app.commit()

        for (mint, maxt) in [(Int64(0), Int64(100_000)), (Int64(20_000), Int64(65_000)), (Int64(50_000), Int64(95_000))] {
            let q = Querier(head: head, blocks: blocks, mint: mint, maxt: maxt)
            let got = q.select([try Matcher(.regex, "__name__", ".+")])
            // Sorted, unique, every label set with samples in range present with the merged samples.
            for k in got.indices.dropFirst() { #expect(got[k - 1].labels < got[k].labels) }
            var all = Set<[String: String]>()
            for c in contents + [headContent] { all.formUnion(c.keys) }
            var wanted = 0
            for labels in all {
                let sources = (contents + [headContent]).map { $0[labels] ?? [] }
                let want = expected(sources, mint: mint, maxt: maxt)
                if want.isEmpty { continue }
                wanted += 1
                guard let s = got.first(where: { $0.labels == L(labels) }) else {
                    Issue.record("missing \(labels) in [\(mint), \(maxt)]"); continue
                }
                #expect(s.labels.stableHash == L(labels).stableHash)
                #expect(bitEqual(s.samples(), want), "\(labels) [\(mint), \(maxt)]")
                if !overlapping { #expect(s.chained, "disjoint sources should chain: \(labels)") }
                // Bulk drain gives the same samples, chunk by chunk or merged.
                var drained = s.makeIterator()
                var dt: [Int64] = [], dv: [Double] = []
                drained.drain(into: &dt, &dv)
                #expect(bitEqual(zip(dt, dv).map { Sample(t: $0, v: $1) }, want), "drain \(labels) [\(mint), \(maxt)]")
                let exhausted = !drained.next()
                #expect(exhausted)
                // Seeks land where the naive model says, also after next() and backwards.
                var it = s.makeIterator()
                var pos = 0
                for _ in 0..<6 {
                    let target = Int64.random(in: (mint - 1000)...(maxt + 1000), using: &rng)
                    let cur = pos < want.count ? want[pos].t : Int64.max
                    let idx = target <= cur ? pos : (want.firstIndex { $0.t >= target } ?? want.count)
                    let ok = it.seek(to: target)
                    #expect(ok == (idx < want.count), "\(labels) seek \(target)")
                    guard ok, idx < want.count else { break }
                    #expect(it.timestamp == want[idx].t && it.value.bitPattern == want[idx].v.bitPattern)
                    pos = idx
                    if it.next() { pos += 1; #expect(pos < want.count && it.timestamp == want[pos].t) } else {
                        #expect(pos + 1 == want.count); break
                    }
                }
            }
            #expect(got.filter { !$0.samples().isEmpty }.count == wanted)
            if overlapping && mint == 0 { #expect(got.contains { !$0.chained }, "the merge path is exercised") }
        }
    }

    @Test func partialValueDecodingMatchesFullDecoding() throws {
        var rng = SeededRandom(seed: 3)
        var enc = ColdValueEncoder()
        for round in 0..<200 {
            let n = Int.random(in: 1...300, using: &rng)
            var values: [Double] = []
            var v = Double(Int.random(in: -100...100, using: &rng))
            for i in 0..<n {
                switch round % 6 {
                case 0: break
                case 1: v += Double(Int.random(in: 0..<100_000, using: &rng))
                case 2: v += Double(i) * 3 + Double(Int.random(in: 0..<2, using: &rng))   // delta-of-delta
                case 3: v = Double(Int.random(in: 0..<10_000, using: &rng)) / 1000
                case 4: v = i % 17 == 0 ? Double.random(in: 0..<1, using: &rng) : Double(i) / 10  // exceptions
                default: v = Double.random(in: -1e9...1e9, using: &rng)
                }
                values.append(v)
            }
            var w = ColdByteWriter()
            values.withUnsafeBufferPointer { enc.encode($0, into: &w) }
            try w.bytes.withUnsafeBytes { raw in
                var full = [Double](repeating: 0, count: n)
                var r = ColdByteReader(raw)
                try full.withUnsafeMutableBufferPointer { try ColdValueCodec.decode(&r, count: n, into: $0.baseAddress!) }
                #expect(zip(full, values).allSatisfy { $0.bitPattern == $1.bitPattern })
                for _ in 0..<5 {
                    let lo = Int.random(in: 0..<n, using: &rng), hi = Int.random(in: lo...n, using: &rng)
                    var part = [Double](repeating: -7, count: n)
                    var r2 = ColdByteReader(raw)
                    try part.withUnsafeMutableBufferPointer {
                        try ColdValueCodec.decode(&r2, count: n, range: lo..<hi, into: $0.baseAddress!)
                    }
                    for i in 0..<n {
                        #expect(part[i].bitPattern == (i >= lo && i < hi ? values[i] : -7).bitPattern, "round \(round) [\(lo), \(hi)) at \(i)")
                    }
                }
            }
        }
    }

    @Test func varintsDecodeAtEveryLengthAndBufferEnd() throws {
        var rng = SeededRandom(seed: 11)
        var values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, UInt64.max]
        for _ in 0..<500 { values.append(UInt64.random(in: 0...UInt64.max, using: &rng) >> UInt64.random(in: 0...63, using: &rng)) }
        for v in values {
            // The varint alone, then followed by 0–4 bytes, so each fast path meets the buffer's end.
            for pad in 0...4 {
                var w = ColdByteWriter()
                w.uvarint(v)
                let len = w.count
                for _ in 0..<pad { w.u8(0xff) }
                try w.bytes.withUnsafeBytes { raw in
                    var r = ColdByteReader(raw)
                    let got = try r.uvarint()
                    #expect(got == v)
                    #expect(r.position == len)
                }
            }
        }
        // Truncated varints throw instead of reading past the end.
        for bytes in [[UInt8(0x80)], [0x80, 0x80], [0xff, 0xff, 0xff]] {
            bytes.withUnsafeBytes { raw in
                var r = ColdByteReader(raw)
                #expect(throws: ColdFormatError.truncated) { try r.uvarint() }
            }
        }
    }

    @Test func lruCacheSurvivesHintCollisionsAndEvictsTheOldest() {
        let cache = BlockLRUCache<Int>(capacity: 4)
        // Ids a multiple of the hint table size apart share a hint slot.
        let stride = UInt32(cache.mask + 1)
        for k in 0..<4 { cache.put(UInt32(k) * stride, k) }
        for k in 0..<4 { #expect(cache.get(UInt32(k) * stride) == k) }
        _ = cache.get(0)                            // 0 is now the most recent
        cache.put(99, 99)                           // evicts 1 * stride, the least recent
        #expect(cache.get(stride) == nil)
        #expect(cache.get(0) == 0 && cache.get(99) == 99 && cache.get(3 * stride) == 3)
        #expect(cache.put(99, -1) == 99)            // present: the cached value wins
        cache.removeAll()
        #expect(cache.get(0) == nil)
    }

    @Test func seriesCursorMatchesRandomAccess() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        var rng = SeededRandom(seed: 5)
        var c: Content = [:]
        for i in 0..<70 {
            c[["__name__": "m\(i % 4)", "host": "h\(i)", "x": i % 3 == 0 ? "long-value-\(i)-padding" : "s"]] =
                randomSamples(&rng, from: 0, to: 20_000, kind: i % 4)
        }
        let reader = try writeBlock(c, dir: dir.path, minT: 0, maxT: 20_000)
        var cursor = BlockSeriesCursor(index: reader.index)
        var ordinals = (0..<reader.seriesCount).filter { _ in Bool.random(using: &rng) }
        ordinals += [3, 2, 40, 17, 69, 0]          // backwards jumps restart the group
        for o in ordinals {
            try cursor.seek(o)
            let want = try reader.record(of: UInt32(o))
            #expect(cursor.current.labels == want.labels && cursor.current.chunks == want.chunks, "ordinal \(o)")
        }
        #expect(throws: ColdFormatError.self) { try cursor.seek(reader.seriesCount) }
    }
}
