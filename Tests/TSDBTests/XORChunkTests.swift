import Testing
@testable import TSDB

/// Deterministic generator so failures reproduce.
private struct SeededRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

private func encode(_ samples: [Sample]) -> XORChunk {
    var c = XORChunk()
    for s in samples { c.append(t: s.t, v: s.v) }
    return c
}

private func decode(_ chunk: XORChunk) -> [Sample] {
    var out: [Sample] = []
    var it = chunk.makeIterator()
    while it.next() { out.append(Sample(t: it.timestamp, v: it.value)) }
    return out
}

/// Encodes, decodes, reloads from bytes and resumes appending; every path must be bit-exact.
private func expectRoundTrip(_ samples: [Sample], _ label: String) throws {
    let chunk = encode(samples)
    #expect(chunk.numSamples == samples.count, "\(label)")
    let decoded = decode(chunk)
    #expect(decoded.count == samples.count, "\(label)")
    for (a, b) in zip(decoded, samples) where !a.bitEqual(b) {
        Issue.record("\(label): got t=\(a.t) v=\(a.v.bitPattern) want t=\(b.t) v=\(b.v.bitPattern)")
        break
    }
    if let first = samples.first, let last = samples.last {
        #expect(chunk.minTime == first.t && chunk.maxTime == last.t, "\(label)")
    }
    let bytes = chunk.bytes
    #expect(bytes.count == chunk.byteCount, "\(label)")
    let loaded = try XORChunk(bytes: bytes)
    #expect(loaded.numSamples == samples.count && loaded.bytes == bytes, "\(label)")
    #expect(decode(loaded).elementsEqual(samples) { $0.bitEqual($1) }, "\(label)")
    // Appending after a reload must produce exactly the bytes of encoding in one go.
    let cut = samples.count / 2
    var resumed = try XORChunk(bytes: encode(Array(samples[..<cut])).bytes)
    for s in samples[cut...] { resumed.append(t: s.t, v: s.v) }
    #expect(resumed.bytes == bytes, "\(label): resumed append differs")
    expectSealedMatches(chunk, samples, label)
    expectSealedMatches(loaded, samples, "\(label) loaded")
}

/// Seals `chunk` and checks the sealed form holds exactly the same bytes and samples.
private func expectSealedMatches(_ chunk: XORChunk, _ samples: [Sample], _ label: String) {
    let sealed = SealedXORChunk(chunk)
    #expect(sealed.numSamples == samples.count, "\(label) sealed")
    #expect(sealed.minTime == chunk.minTime && sealed.maxTime == chunk.maxTime, "\(label) sealed")
    #expect(sealed.bytes == chunk.bytes && sealed.encodedByteCount == chunk.byteCount, "\(label) sealed")
    var got: [Sample] = []
    var it = sealed.makeIterator()
    while it.next() { got.append(Sample(t: it.timestamp, v: it.value)) }
    #expect(got.elementsEqual(samples) { $0.bitEqual($1) }, "\(label) sealed decode")
    var each: [Sample] = []
    var it2 = sealed.makeIterator()
    it2.forEachRemaining { each.append(Sample(t: $0, v: $1)) }
    #expect(each.elementsEqual(samples) { $0.bitEqual($1) }, "\(label) sealed forEachRemaining")
}

// MARK: - Generators

private enum TimePattern: CaseIterable {
    case regular, jittered, hugeGaps, negative, extremes, randomSorted
}

private func timestamps(_ p: TimePattern, _ n: Int, _ rng: inout SeededRNG) -> [Int64] {
    switch p {
    case .regular:
        let start = Int64.random(in: 0..<2_000_000_000_000, using: &rng)
        return (0..<n).map { start + Int64($0) * 15_000 }
    case .jittered:
        let start = Int64.random(in: 0..<2_000_000_000_000, using: &rng)
        return (0..<n).map { start + Int64($0) * 15_000 + Int64.random(in: -1...1, using: &rng) }
    case .hugeGaps:
        var t = Int64.random(in: Int64.min / 2..<0, using: &rng)
        return (0..<n).map { _ in
            // Mix tiny, bucket-edge and enormous steps so every dod bucket is hit.
            let step: Int64 = switch Int.random(in: 0..<4, using: &rng) {
            case 0: 1
            case 1: Int64.random(in: 1...(1 << 21), using: &rng)
            case 2: Int64.random(in: 1...(1 << 40), using: &rng)
            default: Int64.random(in: 1...(Int64.max / Int64(4 * n)), using: &rng)
            }
            defer { t += step }
            return t
        }
    case .negative:
        // Before 1970 and crossing zero: negative zigzag first timestamps, irregular steps.
        var t = -Int64.random(in: 1...Int64(n) * 20_000, using: &rng)
        return (0..<n).map { _ in
            defer { t += Int64.random(in: 1...30_000, using: &rng) }
            return t
        }
    case .extremes:
        // Int64.min-adjacent, a full-range jump, then Int64.max-adjacent.
        let low = (0..<n / 2).map { Int64.min + Int64($0) }
        let high = (0..<(n - n / 2)).map { Int64.max - Int64(n - n / 2 - 1 - $0) }
        return low + high
    case .randomSorted:
        var set = Set<Int64>()
        while set.count < n { set.insert(Int64(bitPattern: rng.next())) }
        return set.sorted()
    }
}

private enum ValueClass: CaseIterable {
    case randomBits, nanPayloads, staleNaN, infinities, zeros, subnormals, extremes, counter, constant,
        gauge, mixed
}

private let specialBits: [UInt64] = [
    0x7ff0_0000_0000_0002,  // stale marker
    0x7ff8_0000_0000_0000, 0xfff8_0000_0000_0000,  // quiet NaNs
    0x7ff0_0000_0000_0001, 0x7ff4_0000_0000_0000,  // signalling NaNs
    0x7fff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff, 0xfff0_0000_dead_beef,  // NaN payloads
    0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000,  // ±Inf
    0x0000_0000_0000_0000, 0x8000_0000_0000_0000,  // ±0
    0x0000_0000_0000_0001, 0x000f_ffff_ffff_ffff, 0x8000_0000_0000_0001, 0x800f_ffff_ffff_ffff,  // subnormals
    Double.greatestFiniteMagnitude.bitPattern, (-Double.greatestFiniteMagnitude).bitPattern,
    Double.leastNormalMagnitude.bitPattern, Double.leastNonzeroMagnitude.bitPattern,
]

private func values(_ c: ValueClass, _ n: Int, _ rng: inout SeededRNG) -> [Double] {
    func pick(_ bits: [UInt64]) -> Double { Double(bitPattern: bits[Int.random(in: 0..<bits.count, using: &rng)]) }
    switch c {
    case .randomBits:
        return (0..<n).map { _ in Double(bitPattern: rng.next()) }
    case .nanPayloads:
        return (0..<n).map { _ in
            let sign: UInt64 = Bool.random(using: &rng) ? 1 << 63 : 0
            return Double(bitPattern: sign | 0x7ff0_0000_0000_0000 | (rng.next() & 0xf_ffff_ffff_ffff | 1))
        }
    case .staleNaN:
        return (0..<n).map { i in i % 3 == 2 ? StaleNaN.value : Double(i) }
    case .infinities:
        return (0..<n).map { _ in pick([0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000, 0x3ff0_0000_0000_0000]) }
    case .zeros:
        return (0..<n).map { _ in pick([0, 0x8000_0000_0000_0000]) }
    case .subnormals:
        return (0..<n).map { _ in
            Double(bitPattern: (Bool.random(using: &rng) ? 1 << 63 : 0) | (rng.next() & 0xf_ffff_ffff_ffff))
        }
    case .extremes:
        return (0..<n).map { _ in pick(specialBits) }
    case .counter:
        var v = Double(Int.random(in: 0..<1_000_000, using: &rng))
        return (0..<n).map { _ in
            defer { v += Double(Int.random(in: 0..<500, using: &rng)) }
            return v
        }
    case .constant:
        let v = Double.random(in: -1e6...1e6, using: &rng)
        return Array(repeating: v, count: n)
    case .gauge:
        var v = Double.random(in: 0..<100, using: &rng)
        return (0..<n).map { _ in
            defer { v += Double.random(in: -1...1, using: &rng) }
            return v
        }
    case .mixed:
        return (0..<n).map { _ in
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: pick(specialBits)
            case 1: Double(bitPattern: rng.next())
            default: Double(Int.random(in: 0..<4, using: &rng))
            }
        }
    }
}

/// Gorilla XOR chunk: round trips, format, seek and corrupt input.
@Suite struct XORChunkTests {
    // MARK: - Round trips

    @Test func roundTripsEveryTimePatternAndValueClass() throws {
        var rng = SeededRNG(seed: 0x7de_3a2c)
        for p in TimePattern.allCases {
            for c in ValueClass.allCases {
                for n in [1, 2, 3, 4, 7, 120, Int.random(in: 5...300, using: &rng)] {
                    let ts = timestamps(p, n, &rng)
                    let vs = values(c, n, &rng)
                    try expectRoundTrip(zip(ts, vs).map { Sample(t: $0, v: $1) }, "\(p) \(c) n=\(n)")
                }
            }
        }
    }

    @Test func roundTripsEverySpecialValuePair() throws {
        // Each special value after each other one exercises every XOR window transition.
        var samples: [Sample] = []
        var t: Int64 = -5
        for a in specialBits {
            for b in specialBits {
                samples.append(Sample(t: t, v: Double(bitPattern: a)))
                samples.append(Sample(t: t + 1, v: Double(bitPattern: b)))
                t += 2
            }
        }
        try expectRoundTrip(samples, "special pairs")
    }

    @Test func roundTripsFullRangeTimestampJumps() throws {
        let cases: [[Int64]] = [
            [Int64.min, Int64.max],
            [Int64.min, 0, Int64.max],
            [Int64.min, Int64.min + 1, Int64.max - 1, Int64.max],
            [Int64.min, Int64.max - 1, Int64.max],
            [-1, 0, 1, Int64.max],
            [Int64.min, -1, 0, Int64.max - 2, Int64.max - 1, Int64.max],
            // dod exactly at each bucket edge, both signs (deltas listed; see `cumulative`).
            cumulative([100_000, 100_000, 100_015, 99_999, 100_015, 100_000 - 1, 100_016, 100_000]),
            cumulative([100_000, 100_000 + 8191, 100_000 - 1, 100_000 + 8192, 100_000 - 1, 100_000 + 8191 - 8193]),
            cumulative([1 << 20, 1 << 20, (1 << 20) + 524_287, (1 << 20) - 1, (1 << 20) - 1 + 524_288]),
            cumulative([600_000, 600_000 - 524_288, 599_999, 599_999]),
            cumulative([700_000, 700_000 - 524_289, 700_000]),
        ]
        for (i, ts) in cases.enumerated() {
            #expect(zip(ts, ts.dropFirst()).allSatisfy { $0 < $1 }, "case \(i) must be increasing")
            try expectRoundTrip(ts.map { Sample(t: $0, v: Double($0 & 7)) }, "jumps \(i)")
        }
    }

    /// Timestamps starting at 0 with the given deltas.
    private func cumulative(_ deltas: [Int64]) -> [Int64] {
        var t: Int64 = 0
        return [0] + deltas.map { t += $0; return t }
    }

    @Test func bucketEdgesUseTheExpectedWidths() {
        // Constant values cost 1 bit each, so the stream length shows the timestamp bucket.
        func streamBits(_ dod: Int64) -> Int {
            var c = XORChunk()
            c.append(t: 0, v: 1)
            c.append(t: 1_000_000, v: 1)
            c.append(t: 2_000_000 + dod, v: 1)
            return c.state.writer.bitPosition - 16 - (8 + 64) - (24 + 1) - 1
        }
        for (dod, bits) in [(0, 1), (1, 7), (-16, 7), (15, 7), (16, 17), (-17, 17), (-8192, 17), (8191, 17),
                            (8192, 24), (-8193, 24), (524_287, 24), (-524_288, 24), (524_288, 68), (-524_289, 68)] {
            #expect(streamBits(Int64(dod)) == bits, "dod \(dod)")
        }
    }

    @Test func holdsMoreThan255Samples() throws {
        let samples = (0..<1000).map { Sample(t: Int64($0) * 1000, v: Double($0 % 17)) }
        try expectRoundTrip(samples, "1000 samples")
        let c = encode(samples)
        #expect(c.bytes[0] == 0x03 && c.bytes[1] == 0xe8)
    }

    @Test func emptyChunk() throws {
        let c = XORChunk()
        #expect(c.numSamples == 0)
        #expect(c.bytes == [0, 0])
        #expect(c.minTime == .max && c.maxTime == .min)
        var it = c.makeIterator()
        #expect(it.next() == false)
        #expect(it.seek(to: .min) == false)
        let loaded = try XORChunk(bytes: [0, 0])
        #expect(loaded.numSamples == 0)
        var resumed = loaded
        resumed.append(t: 5, v: 1.5)
        #expect(resumed.bytes == encode([Sample(t: 5, v: 1.5)]).bytes)
    }

    @Test func iteratorIsASnapshotAndCopiesAreIndependent() {
        var c = encode([Sample(t: 1, v: 1), Sample(t: 2, v: 2)])
        var it = c.makeIterator()
        let copy = c
        c.append(t: 3, v: 3)
        var n = 0
        while it.next() { n += 1 }
        #expect(n == 2)
        #expect(copy.numSamples == 2 && decode(copy).count == 2)
        #expect(decode(c).map(\.t) == [1, 2, 3])
    }

    @Test func holdsMaxSamples() throws {
        var c = XORChunk()
        for i in 0..<XORChunk.maxSamples { c.append(t: Int64(i), v: Double(i & 3)) }
        #expect(c.numSamples == 65535 && c.bytes[0] == 0xff && c.bytes[1] == 0xff)
        let loaded = try XORChunk(bytes: c.bytes)
        var it = loaded.makeIterator()
        var n = 0
        while it.next() {
            if it.timestamp != Int64(n) || it.value != Double(n & 3) { break }
            n += 1
        }
        #expect(n == 65535)
    }

    @Test func forEachRemainingMatchesNext() {
        var rng = SeededRNG(seed: 17)
        for n in [0, 1, 2, 3, 50] {
            let samples = zip(timestamps(.hugeGaps, n, &rng), values(.mixed, n, &rng)).map { Sample(t: $0, v: $1) }
            let c = encode(samples)
            for skip in 0...min(n, 4) {
                var it = c.makeIterator()
                var got: [Sample] = []
                for _ in 0..<skip where it.next() { got.append(Sample(t: it.timestamp, v: it.value)) }
                it.forEachRemaining { got.append(Sample(t: $0, v: $1)) }
                #expect(got.elementsEqual(samples) { $0.bitEqual($1) }, "n=\(n) skip=\(skip)")
                #expect(it.next() == false && it.seek(to: .min) == false)
            }
        }
    }

    @Test func adoptsBytesWithJunkAfterTheStream() throws {
        var rng = SeededRNG(seed: 23)
        // 60 jittered gauge samples whose stream leaves unused bits in its last byte.
        var samples: [Sample] = []
        repeat {
            samples = zip(timestamps(.jittered, 60, &rng), values(.gauge, 60, &rng)).map { Sample(t: $0, v: $1) }
        } while encode(samples).state.writer.bitPosition & 7 == 0
        let canonical = encode(samples).bytes
        // Junk in the unused low bits of the last byte and in extra trailing bytes is ignored and
        // must not leak into later appends.
        var junk = canonical
        junk[junk.count - 1] |= 0x01
        junk += [0xff, 0xff, 0xff]
        var prefix = try XORChunk(bytes: junk)
        #expect(decode(prefix).elementsEqual(samples) { $0.bitEqual($1) })
        let more = (1...40).map { Sample(t: samples[59].t + Int64($0) * 15_000, v: Double($0) * 0.5) }
        for s in more { prefix.append(t: s.t, v: s.v) }
        #expect(prefix.bytes == encode(samples + more).bytes)
        // A header smaller than the stream keeps only that many samples.
        var short = canonical
        short[1] = 10
        short[0] = 0
        let first10 = try XORChunk(bytes: short)
        #expect(first10.numSamples == 10 && first10.maxTime == samples[9].t)
        #expect(first10.bytes == encode(Array(samples[..<10])).bytes)
    }

    // MARK: - Format

    @Test func formatIsPinned() throws {
        // Expected bytes from the independent reference encoder (scratch refenc.py).
        let samples = [
            Sample(t: 1000, v: 1.0),  // zigzag varint 2000, raw bits
            Sample(t: 101_000, v: 1.0),  // delta varint 100000, value '0'
            Sample(t: 201_000, v: 2.0),  // dod 0, new window lead 1 sig 11
            Sample(t: 301_015, v: 3.0),  // dod 15 (5-bit), new window lead 12 sig 1
            Sample(t: 401_014, v: 3.0),  // dod -16 (5-bit), value '0'
            Sample(t: 501_030, v: 2.0),  // dod 17 (14-bit), window reuse
            Sample(t: 592_854, v: StaleNaN.value),  // dod -8192 (14-bit), new window lead 2 sig 61
            Sample(t: 692_869, v: -0.0),  // dod 8191 (14-bit), new window lead 0 sig 63
            Sample(t: 801_076, v: Double(bitPattern: 0x8000_0000_0000_0100)),  // dod 8192 (20-bit), reuse though wide
            Sample(t: 809_284, v: 1.0),  // dod -99999 (20-bit)
            Sample(t: 817_492, v: 1.0),  // dod 0, value '0'
            Sample(t: Int64.max, v: 5.0),  // dod escape (64-bit)
        ]
        let c = encode(samples)
        let expected: [UInt8] = [
            0x00, 0x0c, 0xd0, 0x0f, 0x3f, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, 0x8d, 0x06, 0x30,
            0x97, 0xff, 0xe7, 0xec, 0x07, 0x41, 0x80, 0x11, 0xba, 0x00, 0x0c, 0x5e, 0xff, 0xe0, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x07, 0x3f, 0xff, 0x83, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3c,
            0x04, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08, 0x0e, 0xe7, 0x96, 0x1a, 0xff, 0xc0,
            0x00, 0x00, 0x00, 0x00, 0x04, 0x01, 0xef, 0xff, 0xff, 0xff, 0xff, 0xfe, 0x6c, 0xd3, 0x73, 0xff,
            0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        #expect(c.bytes == expected, "format changed: \(c.bytes.map { String($0, radix: 16) })")
        try expectRoundTrip(samples, "pinned")
    }

    // MARK: - Seek

    @Test func seekFindsFirstSampleAtOrAfterTarget() {
        let ts: [Int64] = [-30, -10, 0, 10, 30, 50]
        let c = encode(ts.map { Sample(t: $0, v: Double($0)) })

        var it = c.makeIterator()
        #expect(it.seek(to: Int64.min) && it.timestamp == -30 && it.value == -30)

        it = c.makeIterator()
        #expect(it.seek(to: 10) && it.timestamp == 10)  // exact
        #expect(it.seek(to: 10) && it.timestamp == 10)  // repeated: stays
        #expect(it.seek(to: -100) && it.timestamp == 10)  // never moves backwards
        #expect(it.seek(to: 11) && it.timestamp == 30)  // between
        #expect(it.next() && it.timestamp == 50)
        #expect(it.seek(to: 51) == false)  // after last
        #expect(it.seek(to: 0) == false)  // stays exhausted
        #expect(it.next() == false)

        it = c.makeIterator()
        #expect(it.seek(to: -11) && it.timestamp == -10 && it.value == -10)
        #expect(it.next() && it.timestamp == 0)

        it = c.makeIterator()
        #expect(it.seek(to: 50) && it.timestamp == 50)
        #expect(it.next() == false)

        it = c.makeIterator()
        #expect(it.seek(to: Int64.max) == false)
    }

    @Test func seekMatchesLinearScanOnRandomData() {
        var rng = SeededRNG(seed: 99)
        let ts = timestamps(.hugeGaps, 200, &rng)
        let c = encode(ts.map { Sample(t: $0, v: Double($0 % 1000)) })
        for _ in 0..<200 {
            var it = c.makeIterator()
            var targets = (0..<3).map { _ in
                Bool.random(using: &rng) ? ts[Int.random(in: 0..<ts.count, using: &rng)] : Int64.random(in: ts[0]...ts[199], using: &rng)
            }
            targets.sort()
            for target in targets {
                let want = ts.first { $0 >= target }
                let found = it.seek(to: target)
                #expect(found == (want != nil))
                if let want, found { #expect(it.timestamp == want) }
            }
        }
    }

    // MARK: - Corrupt input

    @Test func rejectsShortOrTruncatedBytes() {
        #expect(throws: XORChunk.FormatError.missingHeader) { try XORChunk(bytes: []) }
        #expect(throws: XORChunk.FormatError.missingHeader) { try XORChunk(bytes: [1]) }
        #expect(throws: XORChunk.FormatError.self) { try XORChunk(bytes: [0, 1]) }
        var rng = SeededRNG(seed: 5)
        let samples = zip(timestamps(.jittered, 50, &rng), values(.mixed, 50, &rng)).map { Sample(t: $0, v: $1) }
        let bytes = encode(samples).bytes
        // Every strict prefix lacks bits of the last sample.
        for len in 0..<bytes.count {
            #expect(throws: XORChunk.FormatError.self, "prefix \(len)") { try XORChunk(bytes: Array(bytes[..<len])) }
        }
    }

    @Test func rejectsOverlongVarintAndBadWindow() {
        // 11 continuation bytes: not a valid 64-bit varint.
        let overlong: [UInt8] = [0, 1] + Array(repeating: 0xff, count: 11) + Array(repeating: 0, count: 8)
        #expect(throws: XORChunk.FormatError.self) { try XORChunk(bytes: overlong) }
        // Sample 1 with a new window of 31 leading + 63 significant bits (> 64).
        let badWindow: [UInt8] = [0, 2, 0] + Array(repeating: 0, count: 8) + [1, 0b1111_1111, 0b1111_1000] + Array(repeating: 0xff, count: 8)
        #expect(throws: XORChunk.FormatError.self) { try XORChunk(bytes: badWindow) }
        // t0 = 5, then a delta of 2^64 - 1, which wraps to t1 = 4: not increasing.
        let decreasing: [UInt8] = [0, 2, 0x0a] + Array(repeating: 0, count: 8) + Array(repeating: 0xff, count: 9) + [1, 0]
        #expect(throws: XORChunk.FormatError.timestampsNotIncreasing(atSample: 1)) { try XORChunk(bytes: decreasing) }
    }

    @Test func corruptBytesNeverCrash() {
        var rng = SeededRNG(seed: 0xbad)
        var accepted = 0
        for round in 0..<3000 {
            let n = Int.random(in: 1...130, using: &rng)
            let p = TimePattern.allCases[round % TimePattern.allCases.count]
            let c = ValueClass.allCases[round % ValueClass.allCases.count]
            var bytes = encode(zip(timestamps(p, n, &rng), values(c, n, &rng)).map { Sample(t: $0, v: $1) }).bytes
            switch round % 4 {
            case 0:  // flip a few bits
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
                }
            case 1:  // overwrite a random byte run with garbage
                let at = Int.random(in: 0..<bytes.count, using: &rng)
                for i in at..<min(bytes.count, at + 6) { bytes[i] = UInt8.random(in: 0...255, using: &rng) }
            case 2:  // truncate
                bytes.removeLast(Int.random(in: 0..<bytes.count, using: &rng))
            default:  // pure garbage
                bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            // Unvalidated iteration must stop cleanly within the header's count.
            if bytes.count >= 2 {
                let header = Int(bytes[0]) << 8 | Int(bytes[1])
                var it = XORChunkIterator(unvalidatedBytes: bytes)
                var k = 0
                while it.next() { k += 1 }
                #expect(k <= header)
                #expect(it.next() == false && it.seek(to: .min) == false)
            }
            if let chunk = try? XORChunk(bytes: bytes) {
                accepted += 1
                let got = decode(chunk)
                #expect(got.count == chunk.numSamples)
                #expect(zip(got, got.dropFirst()).allSatisfy { $0.t < $1.t })
                // An accepted chunk must also accept appends.
                var grown = chunk
                let next = (got.last?.t ?? 0) == .max ? nil : (got.last?.t ?? 0) + 1
                if let next, chunk.numSamples < XORChunk.maxSamples {
                    grown.append(t: next, v: 1)
                    #expect(decode(grown).count == got.count + 1)
                }
            }
        }
        #expect(accepted < 3000)
    }

    // MARK: - Sealed

    @Test func sealedChunkIsCompact() {
        #expect(MemoryLayout<SealedXORChunk>.size == 32)
        // Header of 2 bytes, one sample of 2 + 8 bytes.
        let sealed = SealedXORChunk(encode([Sample(t: 1, v: 1)]))
        #expect(sealed.encodedByteCount == 11 && sealed.storage.count == 11 + BitReader.validStreamPadding)
    }

    @Test func sealedEmptyChunk() {
        let sealed = SealedXORChunk(XORChunk())
        #expect(sealed.numSamples == 0 && sealed.bytes == [0, 0])
        #expect(sealed.minTime == .max && sealed.maxTime == .min)
        var it = sealed.makeIterator()
        #expect(it.next() == false && it.seek(to: .min) == false)
    }

    @Test func sealedChunkIgnoresLaterAppendsToItsSource() {
        var c = encode([Sample(t: 1, v: 1), Sample(t: 2, v: 2), Sample(t: 3, v: 3)])
        let sealed = SealedXORChunk(c)
        let before = sealed.bytes
        c.append(t: 4, v: 4)
        #expect(sealed.bytes == before && sealed.numSamples == 3 && sealed.maxTime == 3)
        #expect(c.numSamples == 4)
    }

    @Test func everyChunkSizeDecodesTheSameOnEveryPath() {
        // The window decoder switches to its tail (no more refills) near the end of the bytes,
        // at a sample that depends on the sizes of the last samples: sweep the length for
        // tiny (2-bit), long-payload and wide-timestamp samples, and compare the window paths
        // (chunk, sealed, forEachRemaining) with the checked path for untrusted bytes.
        var rng = SeededRNG(seed: 0x5eed)
        let shapes: [(TimePattern, ValueClass)] = [
            (.regular, .constant), (.jittered, .constant), (.jittered, .gauge), (.jittered, .counter),
            (.hugeGaps, .randomBits), (.regular, .mixed),
        ]
        for (p, c) in shapes {
            let all = zip(timestamps(p, 160, &rng), values(c, 160, &rng)).map { Sample(t: $0, v: $1) }
            for n in 0...160 {
                let samples = Array(all[..<n])
                let chunk = encode(samples)
                let sealed = SealedXORChunk(chunk)
                var paths: [[Sample]] = [decode(chunk), [], [], []]
                var it = sealed.makeIterator()
                while it.next() { paths[1].append(Sample(t: it.timestamp, v: it.value)) }
                var each = chunk.makeIterator()
                each.forEachRemaining { paths[2].append(Sample(t: $0, v: $1)) }
                var checked = XORChunkIterator(unvalidatedBytes: chunk.bytes)
                while checked.next() { paths[3].append(Sample(t: checked.timestamp, v: checked.value)) }
                for (k, got) in paths.enumerated() where !got.elementsEqual(samples, by: { $0.bitEqual($1) }) {
                    Issue.record("\(p) \(c) n=\(n): path \(k) differs")
                }
            }
        }
    }

    @Test func sealedSeekMatchesUnsealed() {
        var rng = SeededRNG(seed: 4242)
        for p in TimePattern.allCases {
            let n = Int.random(in: 1...200, using: &rng)
            let ts = timestamps(p, n, &rng)
            let c = encode(zip(ts, values(.mixed, n, &rng)).map { Sample(t: $0, v: $1) })
            let sealed = SealedXORChunk(c)
            for _ in 0..<50 {
                var a = c.makeIterator()
                var b = sealed.makeIterator()
                var targets = (0..<3).map { _ in
                    Bool.random(using: &rng) ? ts[Int.random(in: 0..<n, using: &rng)] : Int64(bitPattern: rng.next())
                }
                targets.sort()
                for target in targets {
                    let found = a.seek(to: target)
                    #expect(b.seek(to: target) == found, "\(p)")
                    if found { #expect(a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern, "\(p)") }
                    let more = a.next()
                    #expect(b.next() == more, "\(p)")
                    if more { #expect(a.timestamp == b.timestamp && a.value.bitPattern == b.value.bitPattern, "\(p)") }
                }
            }
        }
    }
}
