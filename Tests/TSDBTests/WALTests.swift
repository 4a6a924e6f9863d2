import Foundation
import Synchronization
import Testing
@_spi(Testing) import TSDB

// MARK: - Helpers

/// Collects logger lines from any thread.
private final class LogSink: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    var logger: @Sendable (String) -> Void { { [self] line in lines.withLock { $0.append(line) } } }
    func clear() { lines.withLock { $0.removeAll() } }
}

/// A fresh temporary directory path (not created).
private func tempDir(_ tag: String = #function) -> String {
    let clean = tag.filter { $0.isLetter || $0.isNumber }
    return NSTemporaryDirectory() + "waltest-\(clean)-\(UUID().uuidString)"
}

private func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

private func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
}

private func segPath(_ dir: String, _ i: Int) -> String { dir + "/" + WALFormat.segmentName(i) }

private func readBytes(_ path: String) -> [UInt8] { (try? [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) ?? [] }

private func writeBytes(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Record equality that compares sample values bit for bit (NaN payloads included).
private func same(_ a: WALRecord, _ b: WALRecord) -> Bool {
    switch (a, b) {
    case let (.series(x), .series(y)): return x == y
    case let (.samples(x), .samples(y)): return x.count == y.count && zip(x, y).allSatisfy { $0.bitEqual($1) }
    default: return false
    }
}

private func same(_ a: [WALRecord], _ b: [WALRecord]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
}

private func replayAll(_ dir: String, logger: ((String) -> Void)? = nil) throws -> ([WALRecord], WALReplayStats) {
    var out: [WALRecord] = []
    let stats = try WALReader.replay(directory: dir, logger: logger) { out.append($0) }
    return (out, stats)
}

/// Deterministic xorshift generator so failures reproduce.
private struct TestRNG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
}

private func series(_ refs: Range<Int>) -> [WALSeries] {
    refs.map { r in
        WALSeries(ref: UInt64(r), labels: [
            WALLabel(name: "__name__", value: "http_requests_total"),
            WALLabel(name: "instance", value: "host-\(r % 17):9100"),
            WALLabel(name: "path", value: "/api/v\(r % 3)/ünïcödé/\(r)"),
        ])
    }
}

private func samples(refs: Range<Int>, t: Int64, seed: UInt64 = 1) -> [WALSample] {
    var rng = TestRNG(state: seed | 1)
    return refs.map { r in
        let v: Double = r % 3 == 0 ? Double(rng.next() % 100_000) : Double(rng.next() % 1_000_000) / 997.0
        return WALSample(ref: UInt64(r), t: t, v: v)
    }
}

/// Writes a known mix of records; returns them in log order.
private func writeMix(_ wal: WAL, batches: Int, seriesPerBatch: Int = 20, t0: Int64 = 1_700_000_000_000) throws -> [WALRecord] {
    var records: [WALRecord] = []
    for b in 0..<batches {
        let s = series((b * seriesPerBatch)..<((b + 1) * seriesPerBatch))
        try wal.log(series: s)
        records.append(.series(s))
        let smp = samples(refs: 0..<((b + 1) * seriesPerBatch), t: t0 + Int64(b) * 15_000, seed: UInt64(b + 1))
        try wal.log(samples: smp)
        records.append(.samples(smp))
    }
    return records
}

// MARK: - CRC32C

@Test func crc32cKnownVectors() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([UInt8]()) == 0)
    // 32 zero bytes: the iSCSI (RFC 3720) test vector.
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    // Streaming in uneven pieces equals one pass.
    var rng = TestRNG(state: 7)
    let data = (0..<1000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let whole = CRC32C.checksum(data)
    for split in [0, 1, 3, 7, 8, 9, 500, 999, 1000] {
        let c = data.withUnsafeBytes { b in
            CRC32C.update(CRC32C.update(0, UnsafeRawBufferPointer(rebasing: b[..<split])), UnsafeRawBufferPointer(rebasing: b[split...]))
        }
        #expect(c == whole)
    }
}

// MARK: - Record encoding

@Test(arguments: [true, false])
func samplesRoundTripExtremes(compression: Bool) throws {
    let weird: [Double] = [
        0, -0.0, 1, -1, .infinity, -.infinity, .nan, -.nan, StaleNaN.value,
        Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: 0xFFF8_DEAD_BEEF_0001),
        .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1,
    ]
    let ts: [Int64] = [.min, .max, 0, -1, 1, .min + 1, .max - 1, 1_700_000_000_000]
    let refs: [UInt64] = [0, .max, 1, .max - 1, UInt64(Int64.max), UInt64(Int64.max) + 1]
    var input: [WALSample] = []
    for (i, v) in weird.enumerated() {
        for (j, t) in ts.enumerated() {
            input.append(WALSample(ref: refs[(i + j) % refs.count], t: t, v: v))
        }
    }
    let encoder = WALRecordEncoder(compression: compression)
    let decoder = WALRecordDecoder()
    for batch in [input, [], Array(input.prefix(1)), Array(repeating: input, count: 50).flatMap { $0 }] {
        let bytes = try encoder.encode(.samples(batch))
        let (record, size) = try decoder.decodeFrame(bytes)
        #expect(size == bytes.count)
        #expect(same(record, .samples(batch)))
    }
}

@Test func seriesRoundTrip() throws {
    let input = series(0..<500) + [
        WALSeries(ref: .max, labels: []),
        WALSeries(ref: 0, labels: [WALLabel(name: "", value: "")]),
        WALSeries(ref: 42, labels: [WALLabel(name: "emoji", value: "🌊📈 tide\u{0}mark")]),
    ]
    for compression in [true, false] {
        let bytes = try WALRecordEncoder(compression: compression).encode(.series(input))
        let (record, size) = try WALRecordDecoder().decodeFrame(bytes)
        #expect(size == bytes.count)
        #expect(same(record, .series(input)))
    }
    // A realistic batch compresses (flags bit 0 set) and still round-trips.
    let compressed = try WALRecordEncoder().encode(.series(input))
    #expect(compressed[1] & WALFormat.flagLZ4 != 0)
    #expect(compressed.count < (try WALRecordEncoder(compression: false).encode(.series(input))).count)
}

@Test func compactSampleEncoding() throws {
    // Ascending refs, equal timestamps, integer values: ~10 bytes/sample before LZ4.
    let batch = (0..<1000).map { (i: Int) -> WALSample in
        WALSample(ref: UInt64(1000 + i * 2), t: 1_700_000_000_000, v: Double(i * 1000))
    }
    let raw = try WALRecordEncoder(compression: false).encode(.samples(batch))
    #expect(raw.count <= 10 * batch.count + 32)
    let packed = try WALRecordEncoder().encode(.samples(batch))
    #expect(packed.count < raw.count)
}

@Test func decodingDamagedFramesThrowsNeverTraps() throws {
    let encoder = WALRecordEncoder()
    let decoder = WALRecordDecoder()
    for record in [WALRecord.samples(samples(refs: 0..<200, t: 5)), .series(series(0..<30))] {
        let bytes = try encoder.encode(record)
        // Every truncation is detected.
        for n in 0..<bytes.count {
            #expect(throws: WALDecodeError.self) { try decoder.decodeFrame(Array(bytes.prefix(n))) }
        }
        // Every single-byte change is caught by the CRC (which covers the header too).
        for i in 0..<bytes.count {
            var damaged = bytes
            damaged[i] ^= 0x5A
            #expect(throws: WALDecodeError.self) { try decoder.decodeFrame(damaged) }
        }
    }
}

/// Frames arbitrary payload bytes with a valid CRC, as a hostile writer could.
private func frame(type: UInt8, flags: UInt8, payload: [UInt8]) -> [UInt8] {
    var header: [UInt8] = [type, flags]
    withUnsafeBytes(of: UInt32(payload.count).littleEndian) { header += $0 }
    var crc = header.withUnsafeBytes { CRC32C.update(0, $0) }
    crc = payload.withUnsafeBytes { CRC32C.update(crc, $0) }
    withUnsafeBytes(of: crc.littleEndian) { header += $0 }
    return header + payload
}

@Test func decodingHostilePayloadsWithValidCRCNeverTraps() {
    var rng = TestRNG(state: 99)
    let decoder = WALRecordDecoder()
    var failures = 0
    for i in 0..<3000 {
        let n = Int(rng.next() % 64)
        var payload = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        // Some payloads claim huge counts or lengths up front.
        if i % 3 == 0 { payload = [0xFF, 0xFF, 0xFF, 0xFF, 0x0F] + payload }
        for (type, flags) in [(UInt8(1), UInt8(0)), (2, 0), (1, 1), (2, 1), (3, 0), (2, 2), (200, 0)] {
            do { _ = try decoder.decodeFrame(frame(type: type, flags: flags, payload: payload)) } catch { failures += 1 }
        }
    }
    #expect(failures > 0)
    // A varint longer than 64 bits is an error, not a wrap-around.
    let overlong = frame(type: 2, flags: 0, payload: [UInt8](repeating: 0xFF, count: 10) + [0x01])
    #expect(throws: WALDecodeError.self) { try decoder.decodeFrame(overlong) }
    // An LZ4 flag whose claimed raw length is absurd for the compressed size is rejected.
    let bomb = frame(type: 2, flags: 1, payload: [0xFF, 0xFF, 0xFF, 0x7F, 0x00])
    #expect(throws: WALDecodeError.self) { try decoder.decodeFrame(bomb) }
}

// MARK: - Writing and replay

@Test func writeReopenReplayEquals() throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    var expected: [WALRecord] = []
    do {
        let wal = try WAL(directory: dir, syncPolicy: .always)
        expected += try writeMix(wal, batches: 10)
        try wal.close()
        #expect(throws: WALError.closed) { try wal.log(samples: [WALSample(ref: 1, t: 1, v: 1)]) }
    }
    let (first, stats1) = try replayAll(dir)
    #expect(same(first, expected))
    #expect(stats1.truncatedBytes == 0)
    #expect(stats1.records == 20)
    do {
        let wal = try WAL(directory: dir, syncPolicy: .interval(.milliseconds(5)))
        #expect(wal.segmentRange == (first: 0, last: 1))
        expected += try writeMix(wal, batches: 5, t0: 1_800_000_000_000)
        try wal.log(samples: [])
        try wal.log(series: [])
        try wal.sync()
        try wal.close()
        try wal.close()
    }
    do {
        let wal = try WAL(directory: dir, syncPolicy: .never)
        expected += try writeMix(wal, batches: 2)
        // Not closed: records are write(2)-ed, so replay sees them like after a process kill.
        let (all, stats) = try replayAll(dir)
        #expect(same(all, expected))
        #expect(stats.segments == 3)
        #expect(stats.samples == expected.reduce(0) { n, r in if case .samples(let s) = r { n + s.count } else { n } })
        try wal.close()
    }
}

@Test func segmentsAreCutAtTheSizeLimit() throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    let wal = try WAL(directory: dir, segmentSize: 4096, syncPolicy: .never)
    var expected: [WALRecord] = []
    for b in 0..<60 {
        let s = samples(refs: 0..<40, t: Int64(b), seed: UInt64(b + 1))
        try wal.log(samples: s)
        expected.append(.samples(s))
    }
    // One record larger than a segment gets a segment of its own.
    let big = samples(refs: 0..<2000, t: 99, seed: 5)
    try wal.log(samples: big)
    expected.append(.samples(big))
    let small = samples(refs: 0..<3, t: 100)
    try wal.log(samples: small)
    expected.append(.samples(small))
    let range = wal.segmentRange
    #expect(range.first == 0)
    #expect(range.last >= 3)
    for i in range.first..<range.last {
        let size = fileSize(segPath(dir, i))
        #expect(size > WALFormat.segmentHeaderSize)
        // Only the segment holding the big record may exceed the limit.
        if size > 4096 { #expect(i == range.last - 1) }
    }
    #expect(FileManager.default.fileExists(atPath: dir + "/00000000"))
    let cut = try wal.cutSegment()
    #expect(cut == range.last + 1)
    #expect(wal.segmentRange.last == cut)
    try wal.close()
    let (all, _) = try replayAll(dir)
    #expect(same(all, expected))
}

@Test func tornTailIsTruncatedAndTheWALStaysUsable() throws {
    let base = tempDir()
    defer { removeTree(base) }
    // Build a reference segment and note where each record ends.
    let ref = base + "/ref"
    var expected: [WALRecord] = []
    var ends: [Int] = []
    do {
        let wal = try WAL(directory: ref, syncPolicy: .never)
        for b in 0..<8 {
            let rec: WALRecord = b % 2 == 0 ? .series(series((b * 3)..<(b * 3 + 3))) : .samples(samples(refs: 0..<(b * 5), t: Int64(b)))
            try wal.log(rec)
            expected.append(rec)
            ends.append(fileSize(segPath(ref, 0)))
        }
        try wal.close()
    }
    let full = readBytes(segPath(ref, 0))
    #expect(full.count == ends.last)
    let sink = LogSink()
    // Every offset in the header and first record, around every record end, and a stride between
    // (each repair fsyncs, so all offsets would be slow on a busy disk).
    var cuts = Set(0...min(full.count, ends[0] + 1))
    for e in ends { cuts.formUnion([e - 2, e - 1, e, e + 1].filter { $0 >= 0 && $0 <= full.count }) }
    cuts.formUnion(Swift.stride(from: 0, through: full.count, by: 29))
    for cut in cuts.sorted() {
        let dir = base + "/cut"
        removeTree(dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try writeBytes(segPath(dir, 0), Array(full.prefix(cut)))
        sink.clear()
        let (got, stats) = try replayAll(dir, logger: sink.logger)
        let kept = ends.filter { $0 <= cut }.count
        #expect(same(got, Array(expected.prefix(kept))), "cut at \(cut)")
        let atBoundary = cut == 0 || cut == WALFormat.segmentHeaderSize || ends.contains(cut)
        #expect(sink.all.isEmpty == atBoundary, "cut at \(cut): \(sink.all)")
        let goodEnd = cut < WALFormat.segmentHeaderSize ? 0 : (ends.last { $0 <= cut } ?? WALFormat.segmentHeaderSize)
        #expect(stats.truncatedBytes == cut - goodEnd)
        #expect(fileSize(segPath(dir, 0)) == goodEnd)
        // Every few offsets: a WAL opened afterwards appends, and replay returns everything.
        if cut % 10 == 0 || ends.contains(cut + 1) {
            let wal = try WAL(directory: dir, syncPolicy: .never)
            let more = samples(refs: 0..<10, t: 1000)
            try wal.log(samples: more)
            try wal.close()
            sink.clear()
            let (again, stats2) = try replayAll(dir, logger: sink.logger)
            #expect(same(again, Array(expected.prefix(kept)) + [.samples(more)]))
            #expect(stats2.truncatedBytes == 0)
            #expect(sink.all.isEmpty)
        }
    }
}

@Test func flippedBytesEndTheLogAtTheDamagedRecord() throws {
    let base = tempDir()
    defer { removeTree(base) }
    let ref = base + "/ref"
    var expected: [WALRecord] = []
    var ends: [Int] = []
    do {
        let wal = try WAL(directory: ref, syncPolicy: .never)
        for b in 0..<6 {
            let rec: WALRecord = b % 2 == 0 ? .series(series(b..<(b + 2))) : .samples(samples(refs: 0..<(b * 40), t: Int64(b)))
            try wal.log(rec)
            expected.append(rec)
            ends.append(fileSize(segPath(ref, 0)))
        }
        try wal.cutSegment()
        let tail = samples(refs: 0..<5, t: 77)
        try wal.log(samples: tail)
        try wal.close()
    }
    let seg0 = readBytes(segPath(ref, 0))
    let seg1 = readBytes(segPath(ref, 1))
    let sink = LogSink()
    var flips = Set(0..<min(seg0.count, ends[0] + 2))
    for e in ends { flips.formUnion([e - 1, e].filter { $0 < seg0.count }) }
    flips.formUnion(Swift.stride(from: 0, to: seg0.count, by: 23))
    for i in flips.sorted() {
        let dir = base + "/flip"
        removeTree(dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var damaged = seg0
        damaged[i] ^= 0x10
        try writeBytes(segPath(dir, 0), damaged)
        try writeBytes(segPath(dir, 1), seg1)
        sink.clear()
        let (got, stats) = try replayAll(dir, logger: sink.logger)
        if (6..<8).contains(i) {
            // Reserved header bytes are not interpreted.
            #expect(got.count == expected.count + 1)
            continue
        }
        let kept = i < WALFormat.segmentHeaderSize ? 0 : ends.filter { $0 <= i }.count
        #expect(same(got, Array(expected.prefix(kept))), "flip at \(i)")
        #expect(!sink.all.isEmpty)
        #expect(stats.deletedSegments == 1)
        #expect(!FileManager.default.fileExists(atPath: segPath(dir, 1)))
        // The repaired WAL accepts new records and replays cleanly.
        if i % 8 == 0 {
            let wal = try WAL(directory: dir, syncPolicy: .never)
            #expect(wal.segmentRange.last == 1)
            let more = samples(refs: 0..<4, t: 500)
            try wal.log(samples: more)
            try wal.close()
            let (again, stats2) = try replayAll(dir)
            #expect(same(again, Array(expected.prefix(kept)) + [.samples(more)]))
            #expect(stats2.truncatedBytes == 0)
        }
    }
}

@Test func odditiesInTheDirectory() throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    // Missing directory: nothing to replay.
    #expect(try replayAll(dir).0.isEmpty)
    var expected: [WALRecord] = []
    do {
        let wal = try WAL(directory: dir, syncPolicy: .never)
        expected += try writeMix(wal, batches: 2)
        try wal.close()
    }
    // A gap (segment 1 missing) and a torn segment header, which is cut to 0 bytes.
    try writeBytes(segPath(dir, 2), [0x54, 0x4D, 0x57])
    let sink = LogSink()
    let (got, stats) = try replayAll(dir, logger: sink.logger)
    #expect(same(got, expected))
    #expect(stats.truncatedBytes == 3)
    #expect(fileSize(segPath(dir, 2)) == 0)
    // A valid frame of an unknown/reserved type is skipped, not treated as damage.
    var seg = readBytes(segPath(dir, 0))
    seg += frame(type: WALRecordType.tombstones.rawValue, flags: 0, payload: [1, 2, 3])
    try writeBytes(segPath(dir, 0), seg)
    try writeBytes(segPath(dir, 5), WALFormat.magic + [WALFormat.version, ~WALFormat.version, 0, 0])
    sink.clear()
    let (got2, stats2) = try replayAll(dir, logger: sink.logger)
    #expect(same(got2, expected))
    #expect(stats2.skippedRecords == 1)
    #expect(stats2.truncatedBytes == 0)
    #expect(sink.all.contains { $0.contains("missing") })
    // A genuinely newer format version is refused rather than deleted.
    try writeBytes(segPath(dir, 6), WALFormat.magic + [9, ~9, 0, 0])
    #expect(throws: WALError.unsupportedVersion(path: segPath(dir, 6), version: 9)) { try replayAll(dir) }
    #expect(fileSize(segPath(dir, 6)) == WALFormat.segmentHeaderSize)
}

// MARK: - Checkpoints

@Test func checkpointKeepsTheFilteredSet() throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    let wal = try WAL(directory: dir, segmentSize: 8192, syncPolicy: .interval(.seconds(1)))
    for b in 0..<10 {
        try wal.log(series: series((b * 10)..<(b * 10 + 10)))
        try wal.log(samples: (0..<(b * 10 + 10)).map { (r: Int) -> WALSample in
            WALSample(ref: UInt64(r), t: Int64(b * 100), v: Double(b))
        })
        if b % 3 == 2 { try wal.cutSegment() }
    }
    let before = wal.segmentRange
    #expect(before.last > 1)
    let stats = try wal.checkpoint(upTo: before.last, keepSeries: { $0 % 2 == 0 }, keepSample: { $0.t >= 700 })
    #expect(stats.checkpoint == before.last)
    #expect(stats.seriesKept == 50 && stats.seriesDropped == 50)
    #expect(stats.samplesKept == 80 + 90 + 100)
    #expect(wal.segmentRange.first == before.last + 1)
    #expect(FileManager.default.fileExists(atPath: dir + "/" + WALFormat.checkpointName(before.last)))
    for i in 0...before.last { #expect(!FileManager.default.fileExists(atPath: segPath(dir, i))) }
    let later = samples(refs: 0..<5, t: 5000)
    try wal.log(samples: later)

    func check(_ records: [WALRecord], extra: [[WALSample]]) {
        var seriesRefs: [UInt64] = []
        var got: [[WALSample]] = []
        for r in records {
            switch r {
            case .series(let s): seriesRefs += s.map(\.ref)
            case .samples(let s): got.append(s)
            }
        }
        #expect(seriesRefs == (0..<100).filter { $0 % 2 == 0 }.map(UInt64.init))
        var expectedSamples: [[WALSample]] = []
        for b in 7..<10 {
            expectedSamples.append((0..<(b * 10 + 10)).map { (r: Int) -> WALSample in
                WALSample(ref: UInt64(r), t: Int64(b * 100), v: Double(b))
            })
        }
        expectedSamples += extra
        #expect(got.count == expectedSamples.count)
        for (g, e) in zip(got, expectedSamples) { #expect(same(.samples(g), .samples(e))) }
    }
    let (records, replayStats) = try replayAll(dir)
    #expect(replayStats.checkpoint == before.last)
    check(records, extra: [later])

    // A second checkpoint folds the first one and the newer segments; the old one is removed.
    let upTo2 = try wal.cutSegment() - 1
    let stats2 = try wal.checkpoint(upTo: upTo2, keepSeries: { _ in true }, keepSample: { _ in true })
    #expect(stats2.checkpoint == upTo2)
    #expect(!FileManager.default.fileExists(atPath: dir + "/" + WALFormat.checkpointName(before.last)))
    let (records2, _) = try replayAll(dir)
    check(records2, extra: [later])
    // Nothing new to fold: no-op.
    #expect(try wal.checkpoint(upTo: upTo2, keepSeries: { _ in true }, keepSample: { _ in true }).checkpoint == nil)
    try wal.close()

    // An interrupted checkpoint (temp dir) and superseded segments are cleaned up on open.
    let stale = dir + "/" + WALFormat.checkpointName(upTo2 + 5) + ".tmp"
    try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
    try writeBytes(segPath(dir, 0), WALFormat.magic + [WALFormat.version, ~WALFormat.version, 0, 0])
    let (records3, _) = try replayAll(dir)
    check(records3, extra: [later])
    let reopened = try WAL(directory: dir, syncPolicy: .never)
    #expect(!FileManager.default.fileExists(atPath: stale))
    #expect(!FileManager.default.fileExists(atPath: segPath(dir, 0)))
    #expect(reopened.segmentRange.last > upTo2)
    try reopened.close()
}

@Test func truncateAllDropsEverything() throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    let wal = try WAL(directory: dir, syncPolicy: .never)
    _ = try writeMix(wal, batches: 3)
    _ = try wal.checkpoint(upTo: 0, keepSeries: { _ in true }, keepSample: { _ in false })
    _ = try writeMix(wal, batches: 2)
    try wal.truncateAll()
    let range = wal.segmentRange
    #expect(range.first == range.last)
    #expect(try replayAll(dir).0.isEmpty)
    let after = samples(refs: 0..<3, t: 1)
    try wal.log(samples: after)
    let (records, stats) = try replayAll(dir)
    #expect(same(records, [.samples(after)]))
    #expect(stats.checkpoint == nil)
    try wal.close()
}

// MARK: - Write errors

@Test func failedWriteIsRolledBackAndTheWALStaysUsable() throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    let wal = try WAL(directory: dir, syncPolicy: .always)
    let first = samples(refs: 0..<50, t: 1)
    try wal.log(samples: first)
    let good = fileSize(segPath(dir, 0))
    wal._failNextWrite(afterBytes: 17, errno: ENOSPC)
    do {
        try wal.log(samples: samples(refs: 0..<50, t: 2))
        Issue.record("expected a write error")
    } catch let WALError.writeFailed(path, code, message) {
        #expect(path == segPath(dir, 0))
        #expect(code == ENOSPC)
        #expect(message == String(cString: strerror(ENOSPC)))
    }
    // The partial record was cut off, so nothing separates the next record from the last good one.
    #expect(fileSize(segPath(dir, 0)) == good)
    let second = samples(refs: 0..<50, t: 3)
    try wal.log(samples: second)
    try wal.close()
    let (records, stats) = try replayAll(dir)
    #expect(same(records, [.samples(first), .samples(second)]))
    #expect(stats.truncatedBytes == 0)
}

@Test func fullDiskAtSegmentCutIsATypedErrorAndRecovers() throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    let wal = try WAL(directory: dir, syncPolicy: .interval(.seconds(1)))
    let first = samples(refs: 0..<20, t: 1)
    try wal.log(samples: first)
    // The next segment is /dev/full: every write to it fails with ENOSPC.
    try FileManager.default.createSymbolicLink(atPath: segPath(dir, 1), withDestinationPath: "/dev/full")
    #expect(throws: WALError.writeFailed(path: segPath(dir, 1), errno: ENOSPC, message: String(cString: strerror(ENOSPC)))) {
        try wal.cutSegment()
    }
    #expect(throws: WALError.self) { try wal.log(samples: samples(refs: 0..<20, t: 2)) }
    // Space is back: the segment is created on the next log.
    try FileManager.default.removeItem(atPath: segPath(dir, 1))
    let second = samples(refs: 0..<20, t: 3)
    try wal.log(samples: second)
    #expect(wal.segmentRange == (first: 0, last: 1))
    try wal.close()
    let (records, stats) = try replayAll(dir)
    #expect(same(records, [.samples(first), .samples(second)]))
    #expect(stats.segments == 2)
}

// MARK: - Concurrency

@Test func concurrentLoggersLoseNothing() async throws {
    let dir = tempDir()
    defer { removeTree(dir) }
    let wal = try WAL(directory: dir, segmentSize: 16384, syncPolicy: .interval(.milliseconds(2)))
    try await withThrowingTaskGroup(of: Void.self) { group in
        for writer in 0..<4 {
            group.addTask {
                for i in 0..<50 {
                    let ref = UInt64(writer * 1000 + i)
                    try wal.log(series: [WALSeries(ref: ref, labels: [WALLabel(name: "w", value: "\(writer)")])])
                    try wal.log(samples: [WALSample(ref: ref, t: Int64(i), v: Double(writer))])
                    if i % 20 == 0 { try wal.sync() }
                }
            }
        }
        try await group.waitForAll()
    }
    try wal.close()
    var seriesRefs = Set<UInt64>()
    var sampleRefs = Set<UInt64>()
    try WALReader.replay(directory: dir) { r in
        switch r {
        case .series(let s): seriesRefs.formUnion(s.map(\.ref))
        case .samples(let s):
            // Each writer logs a series before its samples, so the ref is already known.
            for x in s { #expect(seriesRefs.contains(x.ref)); sampleRefs.insert(x.ref) }
        }
    }
    let all = Set((0..<4).flatMap { w in (0..<50).map { UInt64(w * 1000 + $0) } })
    #expect(seriesRefs == all)
    #expect(sampleRefs == all)
}
