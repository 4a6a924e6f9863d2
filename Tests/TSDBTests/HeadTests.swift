import Foundation
import Testing
@testable import TSDB

@Suite struct HeadTests {
    @Test func appendRulesPerSeries() throws {
        let head = Head()
        var app = head.appender()
        let s = L(["__name__": "m"])
        app.append(s, t: 1000, v: 1)
        app.append(s, t: 2000, v: 2)
        app.append(s, t: 2000, v: 2)     // same t, same value: ignored
        app.append(s, t: 2000, v: 3)     // same t, other value: duplicate
        app.append(s, t: 1500, v: 9)     // older: out of order
        app.append(s, t: 3000, v: .nan)
        let r = try app.commit()
        #expect(r.appended == 3)
        #expect(r.duplicatesIgnored == 1)
        #expect(r.duplicates == 1)
        #expect(r.outOfOrder == 1)
        #expect(r.seriesCreated == 1)

        var app2 = head.appender()
        app2.append(s, t: 3000, v: .nan)  // NaN with the same bits: identical duplicate
        app2.append(s, t: 2500, v: 1)
        let r2 = try app2.commit()
        #expect(r2.duplicatesIgnored == 1 && r2.outOfOrder == 1 && r2.appended == 0)

        let q = Querier(head: head, blocks: [], mint: 0, maxt: 10_000)
        let got = q.select([.eq("__name__", "m")])
        #expect(got.count == 1)
        let samples = got[0].samples()
        #expect(samples.map(\.t) == [1000, 2000, 3000])
        #expect(samples[1].v == 2)
        #expect(samples[2].v.isNaN)
    }

    @Test func symbolsOfDroppedSeriesAreReleased() {
        // Pods come and go: each round's series are dropped by a truncation, and their strings
        // are given back once nothing holds the series.
        let head = Head(samplesPerChunk: 120, blockRange: 100_000)
        for round in 0..<3 {
            var app = head.appender()
            for i in 0..<50 { app.append(L(["__name__": "m", "pod": "pod-\(round)-\(i)"]), t: Int64(round) * 1_000_000 + 1000, v: 1) }
            _ = try? app.commit()
            head.truncate(before: Int64(round) * 1_000_000 + 2000)
            #expect(head.numSeries == 0)
        }
        #expect(head.symbols.count == 0)
        // A series created again gets its strings back.
        var app = head.appender()
        app.append(L(["__name__": "m", "pod": "pod-2-0"]), t: 5_000_000, v: 1)
        _ = try? app.commit()
        #expect(head.symbols.count == 4)
    }

    @Test func chunksCutAt120AndAtBlockBoundary() {
        let head = Head(samplesPerChunk: 120, blockRange: 100_000)
        var app = head.appender()
        let s = L(["__name__": "m"])
        for i in 0..<300 { app.append(s, t: Int64(i) * 1000, v: Double(i)) }
        _ = try? app.commit()
        let ms = head.series(labels: s)!
        let chunks = head.chunks(of: ms, mint: .min, maxt: .max)
        // 300 samples, 100 per block-range window: never more than 120 in one, never crossing 100 s.
        #expect(chunks.count == 3)
        for c in chunks {
            #expect(c.numSamples <= 120)
            #expect(c.minTime / 100_000 == c.maxTime / 100_000)
        }
        #expect(chunks.reduce(0) { $0 + $1.numSamples } == 300)
    }

    @Test(arguments: [false, true])
    func packingChunkBuffersKeepsEverySample(onDisk: Bool) throws {
        // Series of different shapes end up in chunk buffers of many sizes; a truncation leaves
        // slabs sparse, and packing moves buffers between appends (with files, spilling the open
        // chunks first): every read must be the same before and after each pack.
        let dir = onDisk ? NSTemporaryDirectory() + "tm-pack-\(UUID().uuidString)" : nil
        defer { if let dir { try? FileManager.default.removeItem(atPath: dir) } }
        let head = Head(samplesPerChunk: 120, blockRange: 3_600_000, chunkDirectory: dir)
        var rng = WorkloadRandom(11)
        func everything() -> [Labels: [Sample]] {
            let q = Querier(head: head, blocks: [], mint: .min, maxt: .max)
            return Dictionary(uniqueKeysWithValues: q.select([.eq("__name__", "m")]).map { ($0.labels, $0.samples()) })
        }
        func same(_ a: [Labels: [Sample]], _ b: [Labels: [Sample]]) -> Bool {
            a.count == b.count && a.allSatisfy { k, v in
                guard let w = b[k] else { return false }
                return v.count == w.count && zip(v, w).allSatisfy { $0.t == $1.t && $0.v.bitPattern == $1.v.bitPattern }
            }
        }
        var total = 0
        for round in 0..<6 {
            var app = head.appender()
            for i in 0..<400 {
                let s = L(["__name__": "m", "i": "\(i)"])
                for k in 0..<(i % 7 + 1) * 10 {
                    app.append(s, t: Int64(round) * 600_000 + Int64(k) * 1000, v: i % 3 == 0 ? 1 : rng.uniform(-1e9, 1e9))
                }
            }
            total += try app.commit().appended
            if round == 3 { head.truncate(before: 1_200_000) }
            let before = everything()
            head.spillOpenChunks(minimum: 1 + round % 2 * 40)
            #expect(same(before, everything()), "round \(round), spilled")
            head.compactChunkBuffers(fully: round % 2 == 1)
            #expect(same(before, everything()), "round \(round)")
        }
        #expect(everything().values.reduce(0) { $0 + $1.count } <= total)
        #expect(everything().count == 400)
    }

    @Test func rejectedSamplesDoNotBlockValidOnes() throws {
        let head = Head()
        var app = head.appender()
        for i in 0..<10 { app.append(L(["__name__": "m", "i": "\(i)"]), t: 10, v: 1) }
        _ = try app.commit()
        var app2 = head.appender()
        for i in 0..<10 { app2.append(L(["__name__": "m", "i": "\(i)"]), t: i % 2 == 0 ? 5 : 20, v: 1) }
        let r = try app2.commit()
        #expect(r.appended == 5 && r.outOfOrder == 5)
        #expect(head.numSamples == 15)
    }

    @Test func concurrentAppendersOnDisjointAndSharedSeries() async throws {
        let head = Head()
        await withTaskGroup(of: Void.self) { g in
            for w in 0..<4 {
                g.addTask {
                    var app = head.appender()
                    for t in 0..<200 {
                        for i in 0..<50 {
                            app.append(L(["__name__": "m", "i": "\(i)", "w": "\(w)"]), t: Int64(t) * 1000, v: Double(t))
                            // A shared series all writers race on: each timestamp lands once.
                            app.append(L(["__name__": "shared", "i": "\(i)"]), t: Int64(t) * 1000, v: 1)
                        }
                        _ = try? app.commit()
                    }
                }
            }
        }
        #expect(head.numSeries == 4 * 50 + 50)
        let q = Querier(head: head, blocks: [], mint: .min, maxt: .max)
        for s in q.select([.eq("__name__", "m")]) { #expect(s.samples().count == 200) }
        for s in q.select([.eq("__name__", "shared")]) {
            let ts = s.samples().map(\.t)
            #expect(ts == ts.sorted() && Set(ts).count == ts.count)
        }
    }

    @Test func truncateDropsOldDataAndEmptySeries() throws {
        let head = Head(blockRange: 10_000)
        var app = head.appender()
        app.append(L(["__name__": "old"]), t: 1000, v: 1)
        for t in stride(from: Int64(1000), through: 30_000, by: 1000) { app.append(L(["__name__": "live"]), t: t, v: 1) }
        _ = try app.commit()
        head.truncate(before: 20_000)
        #expect(head.series(labels: L(["__name__": "old"])) == nil)
        #expect(head.numSeries == 1)
        #expect(head.indexReader().postings(name: "__name__", value: "old").isEmpty)
        let s = Querier(head: head, blocks: [], mint: .min, maxt: .max).select([.eq("__name__", "live")])
        #expect(s.first?.samples().first?.t == 20_000)
        var app2 = head.appender()
        app2.append(L(["__name__": "new"]), t: 5000, v: 1)   // before the minimum valid time
        #expect(try app2.commit().outOfBounds == 1)
    }

    @Test func seriesWithUncommittedSamplesSurviveGC() throws {
        let head = Head(blockRange: 10_000)
        var setup = head.appender()
        setup.append(L(["__name__": "s"]), t: 1000, v: 1)
        _ = try setup.commit()
        // A reserves a sample and holds the series; B commits a newer one meanwhile.
        var a = head.appender()
        let reserved = a.append(L(["__name__": "s"]), t: 2000, v: 2)
        let ref = try #require(reserved)
        var b = head.appender()
        b.append(L(["__name__": "s"]), t: 3000, v: 3)
        _ = try b.commit()
        // Everything is older than the cut, but A still has a sample in flight on the series.
        head.truncate(before: 10_000)
        #expect(head.series(ref: ref) != nil)
        #expect(try a.commit().outOfOrder == 1)
        head.truncate(before: 10_000)
        #expect(head.series(ref: ref) == nil)
    }

    @Test func labelValuesAndNames() throws {
        let head = Head()
        var app = head.appender()
        app.append(L(["__name__": "a", "job": "x"]), t: 1, v: 1)
        app.append(L(["__name__": "b", "job": "y", "zone": "z"]), t: 1, v: 1)
        _ = try app.commit()
        let q = Querier(head: head, blocks: [], mint: 0, maxt: 10)
        #expect(q.labelNames() == ["__name__", "job", "zone"])
        #expect(q.labelValues("job") == ["x", "y"])
        #expect(q.labelValues("job", [.eq("__name__", "b")]) == ["y"])
        #expect(q.labelNames([.eq("__name__", "a")]) == ["__name__", "job"])
    }

    @Test func nanTimestampIsTypedError() {
        let head = Head()
        var app = head.appender()
        #expect(throws: AppendError.invalidTimestamp("nan")) { try app.append(L(["__name__": "m"]), timestamp: .nan, v: 1) }
    }
}
