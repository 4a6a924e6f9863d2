import Foundation
import Testing
@_spi(Testing) @testable import TSDB

@Suite struct DBTests {
    func options(range: Int64 = 10_000) -> DBOptions {
        var o = DBOptions()
        o.blockRange = range
        o.retentionTime = nil
        o.walSync = .never
        return o
    }

    func write(_ db: DB, series: Int, from: Int64, to: Int64, step: Int64) throws {
        var app = db.appender()
        var t = from
        while t <= to {
            for i in 0..<series { app.append(L(["__name__": "m", "i": "\(i)"]), t: t, v: Double(t) * 0.5 + Double(i)) }
            let r = try app.commit()
            #expect(r.rejected == 0)
            t += step
        }
    }

    func expectSeries(_ db: DB, series: Int, from: Int64, to: Int64, step: Int64, sourceLocation: SourceLocation = #_sourceLocation) {
        let got = db.querier(mint: .min, maxt: .max).select([.eq("__name__", "m")])
        #expect(got.count == series, sourceLocation: sourceLocation)
        for s in got {
            let i = Double(s.labels["i"]) ?? -1
            let samples = s.samples()
            var want: [Sample] = []
            var t = from
            while t <= to { want.append(Sample(t: t, v: Double(t) * 0.5 + i)); t += step }
            #expect(samples == want, "series \(s.labels)", sourceLocation: sourceLocation)
        }
    }

    @Test func walReplayRestoresTheHead() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        do {
            let db = try DB.open(directory: dir.path, options: options(range: 3_600_000))
            try write(db, series: 20, from: 1000, to: 100_000, step: 1000)
            try db.close()
        }
        let db = try DB.open(directory: dir.path, options: options(range: 3_600_000))
        #expect(db.head.numSeries == 20)
        expectSeries(db, series: 20, from: 1000, to: 100_000, step: 1000)
        // Appends continue with the same order rules after replay.
        var app = db.appender()
        app.append(L(["__name__": "m", "i": "0"]), t: 50_000, v: 1)
        #expect(try app.commit().outOfOrder == 1)
        try db.close()
    }

    @Test func flushPersistsEverythingAndTruncatesTheWAL() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options())
        try write(db, series: 10, from: 0, to: 35_000, step: 500)
        try db.flush()
        #expect(db.head.numSamples == 0)
        #expect(db.blocks.count == 4)   // windows [0,10s) [10,20) [20,30) [30,40)
        expectSeries(db, series: 10, from: 0, to: 35_000, step: 500)
        try db.close()
        // Nothing comes back from the WAL twice after a reopen.
        let db2 = try DB.open(directory: dir.path, options: options())
        #expect(db2.head.numSamples == 0)
        expectSeries(db2, series: 10, from: 0, to: 35_000, step: 500)
        try db2.close()
    }

    @Test func headIsCutIntoBlocksAndCompacted() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options())
        // 10 s blocks: data over 100 s cuts level-1 blocks, then 30 s and 90 s blocks merge them.
        for k in 0..<10 {
            try write(db, series: 5, from: Int64(k) * 10_000, to: Int64(k) * 10_000 + 9_000, step: 1000)
            try db.compact()
        }
        let levels = db.blocks.map(\.meta.compaction.level)
        #expect(levels.contains { $0 >= 2 })
        // Blocks never overlap after compaction.
        let bs = db.blocks
        for i in 1..<max(bs.count, 1) where bs.count > 1 { #expect(bs[i].meta.minTime >= bs[i - 1].meta.maxTime) }
        expectSeries(db, series: 5, from: 0, to: 99_000, step: 1000)
        try db.close()
        let db2 = try DB.open(directory: dir.path, options: options())
        expectSeries(db2, series: 5, from: 0, to: 99_000, step: 1000)
        try db2.close()
    }

    @Test func maintenanceCutsABlockAsSoonAsTheHeadSpansOneAndAHalfRanges() async throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options())
        // The periodic pass is an hour away: only the head-span check can cut the block.
        db.startMaintenance(every: .seconds(3600), headCheck: .milliseconds(20))
        try write(db, series: 3, from: 0, to: 12_000, step: 1000)
        try await Task.sleep(for: .milliseconds(200))
        #expect(db.blocks.isEmpty, "1.2 ranges: nothing to persist yet")
        try write(db, series: 3, from: 13_000, to: 25_000, step: 1000)
        var waited = 0
        // The pass serves the new block before it truncates the head: wait for both.
        while (db.blocks.isEmpty || db.headIsCompactable) && waited < 250 { try await Task.sleep(for: .milliseconds(20)); waited += 1 }
        #expect(!db.blocks.isEmpty)
        #expect(!db.headIsCompactable)
        expectSeries(db, series: 3, from: 0, to: 25_000, step: 1000)
        try db.close()
    }

    @Test func timeRetentionDeletesOldBlocks() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        var o = options()
        o.retentionTime = 25_000
        let db = try DB.open(directory: dir.path, options: o)
        try write(db, series: 3, from: 0, to: 59_000, step: 1000)
        try db.flush()
        try db.compact()
        let minT = db.blocks.map(\.meta.minTime).min() ?? -1
        #expect(minT >= 30_000)
        try db.close()
    }

    @Test func sizeRetentionDeletesOldestBlocks() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        var o = options()
        let db = try DB.open(directory: dir.path, options: o)
        try write(db, series: 50, from: 0, to: 59_000, step: 1000)
        try db.flush()
        try db.compact()   // merge what can be merged, so sizes below stay put
        let sizes = db.blocks.map(\.sizeOnDisk)
        #expect(sizes.count >= 3)
        let wal = db.walSize()
        try db.close()
        // Room for the last two blocks, the WAL and a new empty segment, not for a third block.
        o.retentionSize = sizes.suffix(2).reduce(0, +) + wal + (sizes.min() ?? 0) / 2
        let db2 = try DB.open(directory: dir.path, options: o)
        try db2.compact()
        #expect(db2.blocks.count == 2)
        #expect(db2.blocks.last?.meta.maxTime == 59_001)
        try db2.close()
    }

    @Test func secondOpenOfTheSameDirectoryIsRefused() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options())
        #expect(throws: DBError.locked(path: dir.path)) { try DB.open(directory: dir.path, options: self.options()) }
        try db.close()
        let again = try DB.open(directory: dir.path, options: options())
        try again.close()
    }

    @Test func unopenableDirectoryIsAClearError() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let file = dir.path + "/file"
        _ = FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        #expect(throws: DBError.self) { try DB.open(directory: file + "/sub", options: self.options()) }
    }

    @Test func corruptBlockIsSkippedAndTheRestServed() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options())
        try write(db, series: 4, from: 0, to: 29_000, step: 1000)
        try db.flush()
        let victims = db.blocks.map(\.directory)
        try db.close()
        #expect(victims.count == 3)
        // Damage the middle block's index and leave a half-written block behind.
        let index = victims[1] + "/index"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: index))
        bytes = bytes.prefix(bytes.count / 2)
        try bytes.write(to: URL(fileURLWithPath: index))
        try FileManager.default.createDirectory(atPath: dir.path + "/01HALFWRITTEN0000000000000.tmp-for-creation", withIntermediateDirectories: true)
        let db2 = try DB.open(directory: dir.path, options: options())
        #expect(db2.blocks.count == 2)
        let s = db2.querier(mint: .min, maxt: .max).select([.eq("__name__", "m")])
        #expect(s.count == 4)
        #expect(s.first?.samples().count == 20)
        try db2.close()
    }

    @Test func queriesMergeHeadAndBlocksWithoutDuplicates() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options())
        try write(db, series: 2, from: 0, to: 9_000, step: 1000)
        try db.flush()
        try write(db, series: 2, from: 10_000, to: 15_000, step: 1000)
        expectSeries(db, series: 2, from: 0, to: 15_000, step: 1000)
        let q = db.querier(mint: 5_000, maxt: 12_000)
        let s = q.select([.eq("__name__", "m"), .eq("i", "1")])
        #expect(s.count == 1)
        #expect(s[0].samples().map(\.t) == Array(stride(from: Int64(5_000), through: 12_000, by: 1000)))
        var it = s[0].makeIterator()
        let found = it.seek(to: 9_500)
        #expect(found)
        #expect(it.timestamp == 10_000)
        try db.close()
    }

    @Test func fullDiskFailsTheAppendAndKeepsServingReads() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options(range: 3_600_000))
        try write(db, series: 3, from: 0, to: 9_000, step: 1000)
        db.wal._failNextWrite(afterBytes: 3, errno: ENOSPC)
        var app = db.appender()
        app.append(L(["__name__": "m", "i": "0"]), t: 10_000, v: 1)
        do {
            _ = try app.commit()
            Issue.record("commit succeeded on a full disk")
        } catch {
            #expect("\(error)".contains("No space left on device"))
        }
        // Nothing of the failed batch is visible; reads keep working; later appends succeed.
        expectSeries(db, series: 3, from: 0, to: 9_000, step: 1000)
        try write(db, series: 3, from: 10_000, to: 12_000, step: 1000)
        expectSeries(db, series: 3, from: 0, to: 12_000, step: 1000)
        try db.close()
        let db2 = try DB.open(directory: dir.path, options: options(range: 3_600_000))
        expectSeries(db2, series: 3, from: 0, to: 12_000, step: 1000)
        try db2.close()
    }

    @Test func kernelsRunOverQueriedSeriesFromBlocksAndHead() throws {
        let dir = TestDirectory(); defer { dir.cleanup() }
        let db = try DB.open(directory: dir.path, options: options())
        try write(db, series: 2, from: 0, to: 19_000, step: 1000)
        try db.flush()
        try write(db, series: 2, from: 20_000, to: 25_000, step: 1000)
        let scratch = WindowScratch()
        for (mint, maxt) in [(Int64(10_000), Int64(19_999)), (Int64(15_000), Int64(25_000))] {
            let q = db.querier(mint: mint, maxt: maxt)
            for s in q.select([.eq("__name__", "m")]) {
                var it = s.makeIterator()
                let got = WindowKernel.evaluate(.count, over: &it, at: maxt, range: maxt - mint + 1, leftOpen: true, scratch: scratch)
                #expect(got == Double(s.samples().count), "\(s.labels) [\(mint), \(maxt)]")
            }
        }
        try db.close()
    }
}
