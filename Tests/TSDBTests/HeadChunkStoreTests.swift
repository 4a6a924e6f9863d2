import Foundation
import Testing
@testable import TSDB

/// Closed head chunks out of the heap: segment files read back through mappings, their removal
/// once the head is past them, and memory when files cannot be written.
@Suite struct HeadChunkStoreTests {
    private static func tempDir() -> String { NSTemporaryDirectory() + "tm-chunkstore-\(UUID().uuidString)" }

    /// Appends `n` chunks of `size` bytes, one a second from `firstTime`, each filled with its
    /// time in seconds; returns their records.
    private static func fill(_ store: HeadChunkStore, chunks n: Int, size: Int, firstTime: Int64 = 0) -> [ClosedChunkList.Record] {
        (0..<n).map { i in
            let t = firstTime + Int64(i) * 1000
            let bytes = [UInt8](repeating: UInt8(truncatingIfNeeded: t / 1000), count: size)
            let ref = bytes.withUnsafeBytes { store.append($0.baseAddress!, count: size, samples: 7, maxTime: t) }
            return ClosedChunkList.Record(minTime: t, maxTime: t, ref: ref, samples: 7)
        }
    }

    /// Reads `records` back; checks the sample count written into each header and the rest of the bytes.
    private static func readBack(_ store: HeadChunkStore, _ records: [ClosedChunkList.Record], size: Int) -> (found: Int, intact: Bool) {
        let buf = UnsafeMutableRawPointer.allocate(byteCount: records.count * size + 1, alignment: 8)
        defer { buf.deallocate() }
        let got = store.read(records, into: buf)
        var intact = true
        for (k, (r, offset)) in got.enumerated() {
            let b = UnsafeRawBufferPointer(start: buf + offset, count: size)
            let i = UInt8(truncatingIfNeeded: Int(r.minTime / 1000))
            intact = intact && offset == k * size && b[0] == 0 && b[1] == 7 && b[2...].allSatisfy { $0 == i }
        }
        return (got.count, intact)
    }

    private static func segmentFiles(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter(HeadChunkStore.isSegmentName).sorted()
    }

    @Test func chunksGoToFilesAndReadBackExactly() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = HeadChunkStore(directory: dir, segmentBytes: 64 * 1024)
        // 300 chunks of 1000 bytes: five 64 KiB segments, the last one partly in its write buffer.
        let records = Self.fill(store, chunks: 300, size: 1000)
        #expect(store.segmentCounts.total == 5)
        #expect(store.segmentCounts.inMemory == 0)
        #expect(Self.segmentFiles(dir).count == 5)
        let all = Self.readBack(store, records, size: 1000)
        #expect(all.found == 300 && all.intact)
        // Flushed segments hold exactly what was appended to them.
        let first = try Data(contentsOf: URL(fileURLWithPath: dir + "/00000001"))
        #expect(first.count == 65 * 1000)
        #expect(first[1] == 7 && first[2] == 0 && first[1002] == 1)
    }

    @Test func releaseRemovesSegmentsTheHeadIsPast() {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = HeadChunkStore(directory: dir, segmentBytes: 64 * 1024)
        let records = Self.fill(store, chunks: 300, size: 1000)
        // Chunks 0…129 (the first two segments) end before 130 s.
        store.release(before: 130_000)
        #expect(Self.segmentFiles(dir) == ["00000003", "00000004", "00000005"])
        let rest = Self.readBack(store, records, size: 1000)
        #expect(rest.found == 300 - 130 && rest.intact, "released chunks are left out, the others read back")
        // The current segment stays even when everything in it is old.
        store.release(before: .max)
        #expect(Self.segmentFiles(dir) == ["00000005"])
        #expect(store.segmentCounts.total == 1)
    }

    @Test func aNewStoreRemovesEarlierSegmentFiles() {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let store = HeadChunkStore(directory: dir, segmentBytes: 64 * 1024)
            _ = Self.fill(store, chunks: 100, size: 1000)
        }
        FileManager.default.createFile(atPath: dir + "/keep.txt", contents: Data("x".utf8))
        #expect(Self.segmentFiles(dir).count == 2)
        _ = HeadChunkStore(directory: dir)
        #expect(Self.segmentFiles(dir).isEmpty)
        #expect(FileManager.default.fileExists(atPath: dir + "/keep.txt"), "only segment files are removed")
    }

    @Test func keepsChunksInMemoryWhenFilesCannotBeWritten() {
        let dir = Self.tempDir()
        let store = HeadChunkStore(directory: dir, segmentBytes: 64 * 1024)
        let before = Self.fill(store, chunks: 100, size: 1000)
        // The directory disappears: new segments cannot be created, and nothing is lost.
        try? FileManager.default.removeItem(atPath: dir)
        let after = Self.fill(store, chunks: 100, size: 1000, firstTime: 100_000)
        #expect(store.segmentCounts.inMemory >= 1)
        let all = Self.readBack(store, before + after, size: 1000)
        #expect(all.found == 200 && all.intact)
        // Once files can be made again, the next segments are files again.
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let memoryBefore = store.segmentCounts.inMemory
        _ = Self.fill(store, chunks: 1100, size: 1000, firstTime: 200_000)  // past the 1 MiB memory segment
        #expect(store.segmentCounts.inMemory == memoryBefore)
        #expect(!Self.segmentFiles(dir).isEmpty)
        #expect(store.fileBytes > 0)
    }

    @Test func headCutsBlocksAndDropsChunkFilesItPersisted() throws {
        let dir = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var options = DBOptions()
        options.blockRange = 3_600_000
        options.walSync = .never
        let db = try DB.open(directory: dir, options: options)
        let series = (0..<50).map { L(["__name__": "m", "i": "\($0)"]) }
        var app = db.appender()
        // Three hours at 15 s: chunks close every 120 samples and at each hour.
        for step in 0..<720 {
            for s in series { app.append(s, t: Int64(step) * 15_000, v: Double(step)) }
            if step % 100 == 99 { _ = try app.commit() }
        }
        _ = try app.commit()
        #expect(Self.segmentFiles(dir + "/chunks_head").count == 1)
        let want = (0..<720).map { Sample(t: Int64($0) * 15_000, v: Double($0)) }
        let got = db.querier(mint: .min, maxt: .max).select([.eq("__name__", "m")])
        #expect(got.count == 50)
        #expect(got.allSatisfy { $0.samples() == want })
        // Persisting the head drops its chunks and the segments that held them; the data is
        // now read from blocks.
        try db.flush()
        #expect(db.head.chunkStore.segmentCounts.total <= 1)
        let again = db.querier(mint: .min, maxt: .max).select([.eq("__name__", "m")])
        #expect(again.count == 50 && again.allSatisfy { $0.samples() == want })
        try db.close()
    }
}
