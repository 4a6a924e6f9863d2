import Testing
import Foundation
@testable import TSDB

/// A scratch directory removed when the test ends.
private final class TempDir {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "tidemark-block-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

private typealias LabelSet = [(name: String, value: String)]

private struct TestSeries {
    var labels: LabelSet
    var ts: [Int64]
    var vs: [Double]
}

/// Random values drawn from every float class the format must keep bit-exact.
private func randomValues(_ n: Int, _ rng: inout WorkloadRandom) -> [Double] {
    let kind = rng.next() % 8
    var out: [Double] = []
    var x = Double(rng.next() % 1000)
    for i in 0..<n {
        switch kind {
        case 0: out.append(42.5)                                               // constant
        case 1: x += Double(rng.next() % 100) / 100; out.append(x)             // counter, 2 decimals
        case 2: out.append(Double(bitPattern: rng.next()))                     // random bits (NaNs incl.)
        case 3: out.append([.nan, -.nan, .infinity, -.infinity, -0.0, 0.0, StaleNaN.value,
                            Double(bitPattern: 0x7ff8_dead_beef_0001), .leastNonzeroMagnitude, .greatestFiniteMagnitude][Int(rng.next() % 10)])
        case 4: out.append(Double(Int64(bitPattern: rng.next()) >> 12) * 4096) // page-granular
        case 5: out.append(i == n - 1 ? StaleNaN.value : 7)                    // constant then stale
        case 6: out.append(rng.uniform(-1e6, 1e6))                              // noise
        default: out.append(Double(rng.next() % 5) / 1000)                      // small decimals
        }
    }
    return out
}

private func randomTimestamps(_ n: Int, from start: Int64, _ rng: inout WorkloadRandom) -> [Int64] {
    var out: [Int64] = []
    var t = start
    for _ in 0..<n {
        out.append(t)
        t += rng.next() % 3 == 0 ? 15_000 : Int64(1 + rng.next() % 40_000)
    }
    return out
}

private func makeSeries(count: Int, seed: UInt64, minT: Int64, samples: Int = 300) -> [TestSeries] {
    var rng = WorkloadRandom(seed)
    var sets: [LabelSet] = []
    var seen = Set<String>()
    let names = ["__name__", "a", "job", "zone", "ünï"]
    while sets.count < count {
        var ls: LabelSet = [("__name__", "m\(rng.next() % 7)")]
        for n in names.dropFirst() where rng.next() % 2 == 0 {
            ls.append((n, ["", "x", "y", "värde", "10", "9", "a b"][Int(rng.next() % 7)]))
        }
        let key = ls.map { "\($0.name)\u{0}\($0.value)" }.joined(separator: "\u{1}")
        if seen.insert(key).inserted { sets.append(ls) }
    }
    sets.sort { BlockLabelOrder.less($0, $1) }
    return sets.map { ls in
        let n = 1 + Int(rng.next() % UInt64(samples))
        return TestSeries(labels: ls, ts: randomTimestamps(n, from: minT + Int64(rng.next() % 1000), &rng), vs: randomValues(n, &rng))
    }
}

private func writeBlock(_ series: [TestSeries], dir: String, minT: Int64, maxT: Int64,
                        options: BlockWriterOptions = BlockWriterOptions()) throws -> BlockMeta {
    var w = try BlockWriter(parentDirectory: dir, minTime: minT, maxTime: maxT, options: options)
    for s in series { try w.add(labels: s.labels, timestamps: s.ts, values: s.vs) }
    return try w.finish()
}

private func readSamples(_ r: BlockReader, _ s: UInt32, mint: Int64 = .min, maxt: Int64 = .max) throws -> [Sample] {
    var it = try r.iterator(for: s, mint: mint, maxt: maxt)
    var out: [Sample] = []
    while it.next() { out.append(Sample(t: it.timestamp, v: it.value)) }
    #expect(it.error == nil)
    return out
}

private func same(_ a: [Sample], _ b: [Sample]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.bitEqual($1) }
}

private func same(_ a: LabelSet, _ b: LabelSet) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.name.utf8.elementsEqual($1.name.utf8) && $0.value.utf8.elementsEqual($1.value.utf8) }
}

@Suite struct BlockTests {
    @Test func roundTripIsBitExact() throws {
        let tmp = TempDir()
        let minT: Int64 = -5_000_000, maxT: Int64 = 400_000_000_000
        let series = makeSeries(count: 300, seed: 1, minT: minT)
        // Small frames and windows so many frames, chunks and columns are exercised.
        let meta = try writeBlock(series, dir: tmp.path, minT: minT, maxT: maxT,
                                  options: BlockWriterOptions(frameSize: 2048, zstdLevel: 3, chunkWindowMs: 600_000, maxSamplesPerChunk: 50))
        #expect(meta.stats.numSeries == 300)
        #expect(meta.stats.numSamples == UInt64(series.reduce(0) { $0 + $1.ts.count }))
        #expect(meta.compaction.level == 1 && meta.compaction.sources == [meta.ulid])
        #expect(ULID.isValid(meta.ulid))
        #expect(!FileManager.default.fileExists(atPath: tmp.path + "/" + meta.ulid + ".tmp-for-creation"))
        let r = try BlockReader(directory: tmp.path + "/" + meta.ulid)
        #expect(r.meta == meta)
        #expect(r.seriesCount == 300)
        #expect(r.sizeOnDisk > 0)
        for (i, s) in series.enumerated() {
            #expect(same(try r.labels(of: UInt32(i)), s.labels))
            #expect(same(try readSamples(r, UInt32(i)), zip(s.ts, s.vs).map { Sample(t: $0, v: $1) }))
        }
        #expect(throws: BlockError.seriesNotFound(300)) { try r.labels(of: 300) }
        r.close()
        #expect(throws: BlockError.closed) { try r.iterator(for: 0) }
    }

    @Test func extremeTimestampsAndSingleSamples() throws {
        let tmp = TempDir()
        let series = [
            TestSeries(labels: [("__name__", "a")], ts: [Int64.min, Int64.min + 1, -1, 0, 1, Int64.max - 2], vs: [1, 2, 3, 4, 5, 6]),
            TestSeries(labels: [("__name__", "b")], ts: [7], vs: [-0.0]),
            TestSeries(labels: [("__name__", "c")], ts: [7, 8], vs: [StaleNaN.value, 1e300]),
        ]
        let meta = try writeBlock(series, dir: tmp.path, minT: .min, maxT: .max)
        let r = try BlockReader(directory: tmp.path + "/" + meta.ulid)
        for (i, s) in series.enumerated() {
            #expect(same(try readSamples(r, UInt32(i)), zip(s.ts, s.vs).map { Sample(t: $0, v: $1) }))
        }
    }

    @Test func postingsAndLabelValuesMatchBruteForce() throws {
        let tmp = TempDir()
        let series = makeSeries(count: 400, seed: 2, minT: 0, samples: 5)
        let meta = try writeBlock(series, dir: tmp.path, minT: 0, maxT: 1 << 40)
        let r = try BlockReader(directory: tmp.path + "/" + meta.ulid)
        var names = Set<String>()
        var values: [String: Set<String>] = [:]
        for s in series { for l in s.labels { names.insert(l.name); values[l.name, default: []].insert(l.value) } }
        let byteOrder: (String, String) -> Bool = { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(r.labelNames() == names.sorted(by: byteOrder))
        for n in names {
            #expect(r.labelValues(for: n) == values[n]!.sorted(by: byteOrder))
            let expectAny = series.indices.filter { i in series[i].labels.contains { $0.name == n } }.map { UInt32($0) }
            #expect(r.postings(forName: n) == expectAny)
            for v in values[n]! {
                let expect = series.indices.filter { i in series[i].labels.contains { $0.name == n && $0.value == v } }.map { UInt32($0) }
                #expect(r.postings(name: n, value: v) == expect)
            }
        }
        #expect(r.postings(name: "job", value: "absent") == [])
        #expect(r.postings(name: "absent", value: "x") == [])
        #expect(r.labelValues(for: "absent") == [])
        #expect(r.allPostings() == (0..<UInt32(400)).map { $0 })
    }

    @Test func iteratorBoundsAndSeek() throws {
        let tmp = TempDir()
        let ts = (0..<1000).map { Int64($0) * 1000 }
        let vs = (0..<1000).map { Double($0) / 4 }
        let meta = try writeBlock([TestSeries(labels: [("__name__", "x")], ts: ts, vs: vs)], dir: tmp.path, minT: 0, maxT: 1_000_000,
                                  options: BlockWriterOptions(chunkWindowMs: 100_000, maxSamplesPerChunk: 64))
        let r = try BlockReader(directory: tmp.path + "/" + meta.ulid)
        let all = zip(ts, vs).map { Sample(t: $0, v: $1) }
        for (lo, hi) in [(Int64.min, Int64.max), (0, 0), (1, 999), (500, 250_500), (123_456, 654_321), (999_000, .max), (1_000_000, .max), (5, 4)] {
            let expect = all.filter { $0.t >= lo && $0.t <= hi }
            #expect(same(try readSamples(r, 0, mint: lo, maxt: hi), expect), "range \(lo)...\(hi)")
        }
        var it = try r.iterator(for: 0, mint: 10_000, maxt: 800_000)
        #expect(it.seek(to: 0) && it.timestamp == 10_000)
        #expect(it.seek(to: 300_500) && it.timestamp == 301_000 && it.value == 301 / 4)
        #expect(it.seek(to: 5) && it.timestamp == 301_000)     // never backwards
        #expect(it.next() && it.timestamp == 302_000)
        #expect(it.seek(to: 799_999) && it.timestamp == 800_000)
        let more = it.next()
        #expect(!more)
        var it2 = try r.iterator(for: 0, mint: 0, maxt: 500_000)
        let found = it2.seek(to: 500_001)
        #expect(!found)
    }

    @Test func writerRejectsMisuse() throws {
        let tmp = TempDir()
        var w = try BlockWriter(parentDirectory: tmp.path, minTime: 0, maxTime: 100)
        try w.add(labels: [("__name__", "b")], timestamps: [1], values: [1])
        #expect(throws: BlockError.self) { try w.add(labels: [("__name__", "a")], timestamps: [1], values: [1]) }
        #expect(throws: BlockError.self) { try w.add(labels: [("__name__", "b")], timestamps: [1], values: [1]) }
        #expect(throws: BlockError.self) { try w.add(labels: [("z", "1"), ("a", "2")], timestamps: [1], values: [1]) }
        #expect(throws: BlockError.self) { try w.add(labels: [("__name__", "c")], timestamps: [2, 2], values: [1, 1]) }
        #expect(throws: BlockError.self) { try w.add(labels: [("__name__", "d")], timestamps: [100], values: [1]) }
        #expect(throws: BlockError.self) { try w.add(labels: [("__name__", "e")], timestamps: [1], values: []) }
        try w.add(labels: [("__name__", "f")], timestamps: [99], values: [1])
        let meta = try w.finish()
        #expect(meta.stats.numSeries == 2)
        #expect(throws: BlockError.closed) { try w.finish() }
        var w2 = try BlockWriter(parentDirectory: tmp.path, minTime: 0, maxTime: 100)
        try w2.add(labels: [("__name__", "b")], timestamps: [1], values: [1])
        try w2.abort()
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path) == [meta.ulid])
        // An empty block is valid and empty.
        let empty = try BlockWriter(parentDirectory: tmp.path, minTime: 0, maxTime: 100).finish()
        let r = try BlockReader(directory: tmp.path + "/" + empty.ulid)
        #expect(r.seriesCount == 0 && r.labelNames().isEmpty && r.allPostings().isEmpty && r.postings(name: "a", value: "b").isEmpty)
    }

    @Test func corruptBlocksThrowTypedErrors() throws {
        let tmp = TempDir()
        let series = makeSeries(count: 50, seed: 3, minT: 0)
        let meta = try writeBlock(series, dir: tmp.path, minT: 0, maxT: 1 << 40)
        let good = tmp.path + "/" + meta.ulid
        let fm = FileManager.default
        func copy() throws -> String {
            let d = tmp.path + "/" + ULID.make()
            try fm.copyItem(atPath: good, toPath: d)
            return d
        }
        let index = try Data(contentsOf: URL(fileURLWithPath: good + "/index"))

        // Truncated index.
        for keep in [0, 7, 100, index.count / 2, index.count - 1] {
            let d = try copy()
            try index.prefix(keep).write(to: URL(fileURLWithPath: d + "/index"))
            #expect(throws: BlockError.self) { _ = try BlockReader(directory: d) }
        }
        // A flipped byte anywhere in the index is caught by a CRC or a structure check.
        var rng = WorkloadRandom(9)
        for _ in 0..<10 {
            let d = try copy()
            var bytes = index
            let at = Int(rng.next() % UInt64(bytes.count))
            bytes[at] ^= UInt8(1 << (rng.next() % 8))
            try bytes.write(to: URL(fileURLWithPath: d + "/index"))
            do {
                _ = try BlockReader(directory: d)
                Issue.record("flipped byte at \(at) not detected")
            } catch let e as BlockError {
                if case .corrupt(let file, _) = e { #expect(file.hasSuffix("/index")) } else { Issue.record("unexpected \(e)") }
            }
        }
        // Exhaustively: every single flipped bit of a small block's index is detected at open.
        do {
            let small = TempDir()
            let m = try writeBlock(Array(series.prefix(3)), dir: small.path, minT: 0, maxT: 1 << 40)
            let d = small.path + "/" + m.ulid
            let original = try Data(contentsOf: URL(fileURLWithPath: d + "/index"))
            var undetected: [Int] = []
            for at in 0..<original.count {
                var bytes = original
                bytes[at] ^= UInt8(1 << (at % 8))
                try bytes.write(to: URL(fileURLWithPath: d + "/index"))
                if (try? BlockReader(directory: d)) != nil { undetected.append(at) }
            }
            #expect(undetected.isEmpty, "undetected flips at \(undetected.prefix(10))")
            try original.write(to: URL(fileURLWithPath: d + "/index"))
            #expect((try? BlockReader(directory: d)) != nil)
        }
        // Missing or garbage meta.
        do {
            let d = try copy()
            try fm.removeItem(atPath: d + "/meta.json")
            #expect(throws: BlockError.missingFile(path: d + "/meta.json")) { _ = try BlockReader(directory: d) }
            try Data("{\"ulid\": 3".utf8).write(to: URL(fileURLWithPath: d + "/meta.json"))
            #expect(throws: BlockError.self) { _ = try BlockReader(directory: d) }
        }
        // Missing index, missing chunk file.
        do {
            let d = try copy()
            try fm.removeItem(atPath: d + "/index")
            #expect(throws: BlockError.missingFile(path: d + "/index")) { _ = try BlockReader(directory: d) }
            let d2 = try copy()
            try fm.removeItem(atPath: d2 + "/chunks/000001")
            #expect(throws: BlockError.self) { _ = try BlockReader(directory: d2) }
        }
        // A half-written block: writer never finished; its tmp dir is not a block.
        do {
            var w = try BlockWriter(parentDirectory: tmp.path, minTime: 0, maxTime: 100)
            try w.add(labels: [("__name__", "x")], timestamps: [1], values: [1])
            let tmpDir = tmp.path + "/" + w.ulid + ".tmp-for-creation"
            #expect(fm.fileExists(atPath: tmpDir))
            #expect(throws: BlockError.self) { _ = try BlockReader(directory: tmpDir) }
            // Even renamed into place, it lacks meta.json.
            let fake = tmp.path + "/" + ULID.make()
            try fm.copyItem(atPath: tmpDir, toPath: fake)
            #expect(throws: BlockError.self) { _ = try BlockReader(directory: fake) }
            try w.abort()
        }
        // Damaged chunk data: open succeeds (index is fine), iteration stops with an error, no crash.
        var chunk = try Data(contentsOf: URL(fileURLWithPath: good + "/chunks/000001"))
        var detected = 0
        for k in 0..<8 {
            let d = try copy()
            let at = 8 + Int(rng.next() % UInt64(chunk.count - 8))
            chunk[at] ^= 0x5a
            try chunk.write(to: URL(fileURLWithPath: d + "/chunks/000001"))
            chunk[at] ^= 0x5a
            let r = try BlockReader(directory: d)
            var sawError = false
            for s in 0..<UInt32(r.seriesCount) {
                var it = try r.iterator(for: s)
                while it.next() {}
                if it.error != nil { sawError = true }
            }
            if sawError { detected += 1 }
            _ = k
        }
        #expect(detected == 8)
        // Truncated chunk file: frames beyond the end are detected at open.
        do {
            let d = try copy()
            try chunk.prefix(chunk.count / 2).write(to: URL(fileURLWithPath: d + "/chunks/000001"))
            #expect(throws: BlockError.self) { _ = try BlockReader(directory: d) }
        }
        // The original still reads fine.
        let r = try BlockReader(directory: good)
        #expect(same(try readSamples(r, 0), zip(series[0].ts, series[0].vs).map { Sample(t: $0, v: $1) }))
    }

    @Test func compactionMergesOverlappingAndAdjacentBlocks() throws {
        let tmp = TempDir()
        // Three blocks: A [0, 1e6), B overlaps A [5e5, 1.5e6), C adjacent [1.5e6, 2e6).
        var rng = WorkloadRandom(11)
        let labelSets: [LabelSet] = (0..<40).map { [("__name__", "m"), ("i", String(format: "%03d", $0))] }
        func block(_ lo: Int64, _ hi: Int64, _ pick: (Int) -> Bool, _ tag: Double) throws -> (BlockReader, [String: [Sample]]) {
            var w = try BlockWriter(parentDirectory: tmp.path, minTime: lo, maxTime: hi)
            var content: [String: [Sample]] = [:]
            for (i, ls) in labelSets.enumerated() where pick(i) {
                var ts: [Int64] = []
                var t = lo + Int64(rng.next() % 2) * 5000
                while t < hi { ts.append(t); t += 10_000 + Int64(rng.next() % 3) * 5000 }
                let vs = ts.map { Double($0 % 977) + tag }
                try w.add(labels: ls, timestamps: ts, values: vs)
                content[ls[1].value] = zip(ts, vs).map { Sample(t: $0, v: $1) }
            }
            let m = try w.finish()
            return (try BlockReader(directory: tmp.path + "/" + m.ulid), content)
        }
        let (a, ca) = try block(0, 1_000_000, { $0 % 3 != 0 }, 0.25)
        let (b, cb) = try block(500_000, 1_500_000, { $0 % 2 == 0 }, 0.5)
        let (c, cc) = try block(1_500_000, 2_000_000, { $0 % 5 != 1 }, 0.75)
        let meta = try BlockCompactor.compact([a, b, c], into: tmp.path)
        #expect(meta.minTime == 0 && meta.maxTime == 2_000_000)
        #expect(meta.compaction.level == 2)
        #expect(meta.compaction.sources == [a.meta.ulid, b.meta.ulid, c.meta.ulid].sorted())
        let r = try BlockReader(directory: tmp.path + "/" + meta.ulid)
        // Expected: union by time; on equal timestamps the later input (b over a) wins.
        var expected: [(LabelSet, [Sample])] = []
        for ls in labelSets {
            var byT: [Int64: Double] = [:]
            for content in [ca, cb, cc] { for s in content[ls[1].value] ?? [] { byT[s.t] = s.v } }
            if !byT.isEmpty { expected.append((ls, byT.keys.sorted().map { Sample(t: $0, v: byT[$0]!) })) }
        }
        #expect(r.seriesCount == expected.count)
        var overlaps = 0
        for (i, e) in expected.enumerated() {
            #expect(same(try r.labels(of: UInt32(i)), e.0))
            #expect(same(try readSamples(r, UInt32(i)), e.1))
            let k = e.0[1].value
            overlaps += (ca[k]?.count ?? 0) + (cb[k]?.count ?? 0) + (cc[k]?.count ?? 0) - e.1.count
        }
        #expect(overlaps > 0, "the test must exercise duplicate timestamps")
        #expect(meta.stats.numSamples == UInt64(expected.reduce(0) { $0 + $1.1.count }))
        // Compacting the result again with nothing else is the identity on data.
        let again = try BlockCompactor.compact([r], into: tmp.path)
        #expect(again.compaction.level == 3 && again.stats == meta.stats)
    }

    /// Pins the cold sample encoding: changing it breaks every existing block.
    @Test func formatBytesArePinned() throws {
        func enc(_ vs: [Double]) -> [UInt8] {
            var e = ColdValueEncoder(), w = ColdByteWriter()
            vs.withUnsafeBufferPointer { e.encode($0, into: &w) }
            return w.bytes
        }
        // Constant decimal: mode 0, zigzag(425)=850 → 0xd2 0x06, exponent 1.
        #expect(enc([42.5, 42.5, 42.5]) == [0x00, 0xd2, 0x06, 0x01])
        // Constant raw (stale marker): mode 1 + 8 bytes little-endian.
        #expect(enc([StaleNaN.value, StaleNaN.value]) == [0x01, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f])
        // Counter 1.5, 1.75, 2.0, 2.25 → k=2, mantissas 150,175,200,225, deltas 25 → gcd 25 → deltas 1
        // (delta-of-delta is not cheaper): mode 2, k=2, g=25, zz(150)=300 → 0xac 0x02, zz(1)=2 ×3.
        #expect(enc([1.5, 1.75, 2.0, 2.25]) == [0x02, 0x02, 0x19, 0xac, 0x02, 0x02, 0x02, 0x02])
        // Steady large rate: delta-of-delta wins (flag 0x08): k=0, g=1, zz(1000), zz(1000), dods 0, 1, 0.
        #expect(enc([1000, 2000, 3000, 4001, 5002]) == [0x0a, 0x00, 0x01, 0xd0, 0x0f, 0xd0, 0x0f, 0x00, 0x02, 0x00])
        // Random walk with an exception (NaN at index 1): decimal|exceptions, k=0, 1 exception at 1,
        // g=1, zz(3)=6, deltas: 0 (carried), -1 → 1, +5 → 10.
        let nanBits: UInt64 = 0x7ff8_0000_0000_0001
        #expect(enc([3, Double(bitPattern: nanBits), 2, 7]) ==
                [0x12, 0x00, 0x01, 0x01, 0x01, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x01, 0x06, 0x00, 0x01, 0x0a])
        // XOR fallback: first raw, then ctrl byte tz<<4|n and the n middle bytes.
        let a = Double(bitPattern: 0x3ff1_1111_1111_1111), b = Double(bitPattern: 0x3ff1_1111_2211_1111)
        #expect(enc([a, b, b]) == [0x03, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0xf1, 0x3f, 0x31, 0x33, 0x00])
        // Timestamp column: count, zz(t0), zz(d1), zz(dod)…
        var w = ColdByteWriter()
        [Int64(1000), 16000, 31001, 46000].withUnsafeBufferPointer { ColdTimestampCodec.encode($0, into: &w) }
        #expect(w.bytes == [0x04, 0xd0, 0x0f, 0xb0, 0xea, 0x01, 0x02, 0x03])
        // And they decode back.
        var decoded = [Double](repeating: 0, count: 4)
        let bytes: [UInt8] = [0x12, 0x00, 0x01, 0x01, 0x01, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x01, 0x06, 0x00, 0x01, 0x0a]
        try bytes.withUnsafeBytes { raw in
            var r = ColdByteReader(raw)
            try decoded.withUnsafeMutableBufferPointer { try ColdValueCodec.decode(&r, count: 4, into: $0.baseAddress!) }
        }
        #expect(decoded.map(\.bitPattern) == [3, Double(bitPattern: nanBits), 2, 7].map(\.bitPattern))
    }

    @Test func decimalDecompositionIsExact() {
        var rng = WorkloadRandom(5)
        for _ in 0..<20_000 {
            let v: Double
            switch rng.next() % 4 {
            case 0: v = Double(Int64(bitPattern: rng.next()) % 10_000_000) / ColdDecimal.powers[Int(rng.next() % 10)]
            case 1: v = Double(bitPattern: rng.next())
            case 2: v = Double(Int64(bitPattern: rng.next()) >> 11)
            default: v = rng.uniform(-1, 1)
            }
            if let d = ColdDecimal.decompose(v) {
                #expect(ColdDecimal.value(mantissa: d.m, exponent: d.k).bitPattern == v.bitPattern)
            }
        }
        #expect(ColdDecimal.decompose(-0.0) == nil)
        #expect(ColdDecimal.decompose(.nan) == nil)
        #expect(ColdDecimal.decompose(14.72)! == (1472, 2))
        #expect(ColdDecimal.decompose(0.000125)! == (125, 6))
    }

    @Test func workloadBlockIsCompactAndExact() throws {
        // A small node_exporter-like block: must round-trip and stay well under 1.1 B/sample.
        let tmp = TempDir()
        let w = try NodeExporterWorkload(hosts: 3, startMs: 0)
        var data: [[Double]] = [], stamps: [[Int64]] = []
        for h in 0..<3 {
            var g = w.makeHost(h)
            var ts: [Int64] = [], cols = [Double](repeating: 0, count: w.seriesPerHost * 240)
            var v: [Double] = []
            for k in 0..<240 {
                ts.append(g.scrape(into: &v))
                for s in 0..<w.seriesPerHost { cols[s * 240 + k] = v[s] }
            }
            data.append(cols); stamps.append(ts)
        }
        var bw = try BlockWriter(parentDirectory: tmp.path, minTime: 0, maxTime: 7_200_000)
        let order = w.globallySortedSeries()
        for p in order {
            try bw.add(labels: w.labels(host: p.host, series: p.series), timestamps: stamps[p.host],
                       values: Array(data[p.host][(p.series * 240)..<((p.series + 1) * 240)]))
        }
        let meta = try bw.finish()
        let r = try BlockReader(directory: tmp.path + "/" + meta.ulid)
        let perSample = Double(r.sizeOnDisk) / Double(meta.stats.numSamples)
        #expect(perSample < 1.1, "\(perSample) B/sample")
        for (i, p) in order.enumerated() where i % 7 == 0 {
            let got = try readSamples(r, UInt32(i))
            #expect(got.count == 240)
            #expect(got.map(\.t) == stamps[p.host])
            #expect(got.map(\.v.bitPattern) == data[p.host][(p.series * 240)..<((p.series + 1) * 240)].map(\.bitPattern))
        }
    }

    @Test func decodersSurviveGarbage() {
        // Random and mutated inputs must yield values or errors, never a crash.
        var rng = WorkloadRandom(77)
        var out = [Double](repeating: 0, count: 300)
        var ts = [Int64](repeating: 0, count: 300)
        var valid = ColdByteWriter()
        var enc = ColdValueEncoder()
        let sample = (0..<200).map { Double($0 % 17) / 8 }
        sample.withUnsafeBufferPointer { enc.encode($0, into: &valid) }
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = valid.bytes
                for _ in 0..<(1 + rng.next() % 4) { bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            let count = 1 + Int(rng.next() % 299)
            bytes.withUnsafeBytes { raw in
                var r = ColdByteReader(raw)
                out.withUnsafeMutableBufferPointer { try? ColdValueCodec.decode(&r, count: count, into: $0.baseAddress!) }
                var t = ColdByteReader(raw)
                ts.withUnsafeMutableBufferPointer { try? ColdTimestampCodec.decodeBody(&t, count: count, into: $0.baseAddress!) }
                var g = ColdByteReader(raw)
                var rec = BlockSeriesRecord()
                try? BlockSeriesGroupCoding.decode(&g, previous: nil, base: 0, symbols: 10, frames: 3, columns: 3, into: &rec)
            }
        }
    }

    @Test func ulidsAreSortableAndValid() {
        var prev = ""
        for _ in 0..<1000 {
            let u = ULID.make()
            #expect(ULID.isValid(u))
            #expect(u > prev)
            prev = u
        }
        #expect(ULID.encode(milliseconds: 0, randomHigh: 0, randomLow: 0) == String(repeating: "0", count: 26))
        #expect(ULID.encode(milliseconds: 0xFFFF_FFFF_FFFF, randomHigh: 0xFFFF, randomLow: .max) == "7" + String(repeating: "Z", count: 25))
        #expect(ULID.timestamp(of: ULID.encode(milliseconds: 1_700_000_000_000, randomHigh: 1, randomLow: 2)) == 1_700_000_000_000)
    }
}
