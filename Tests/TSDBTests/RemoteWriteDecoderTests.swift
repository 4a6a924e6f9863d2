import Testing
@testable import TSDB

// MARK: - Test helpers (fileprivate: other test files may define similar names)

/// Builds protobuf wire bytes by hand, including encodings the encoder never produces.
fileprivate struct RWProto {
    var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    mutating func tag(_ field: UInt64, _ wireType: UInt64) { varint(field << 3 | wireType) }
    mutating func fixed64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    mutating func fixed32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    mutating func field(_ field: UInt64, bytes b: [UInt8]) {
        tag(field, 2)
        varint(UInt64(b.count))
        bytes += b
    }
    mutating func field(_ field: UInt64, _ message: RWProto) { self.field(field, bytes: message.bytes) }
    mutating func field(_ field: UInt64, string s: String) { self.field(field, bytes: Array(s.utf8)) }

    static func label(_ name: String, _ value: String) -> RWProto {
        var l = RWProto()
        l.field(1, string: name)
        l.field(2, string: value)
        return l
    }
    static func sample(_ v: Double, _ t: Int64) -> RWProto {
        var s = RWProto()
        s.tag(1, 1)
        s.fixed64(v.bitPattern)
        s.tag(2, 0)
        s.varint(UInt64(bitPattern: t))
        return s
    }
    /// A TimeSeries with the given labels (in order) and samples.
    static func series(_ labels: [(String, String)], _ samples: [(Double, Int64)] = [(1, 1000)]) -> RWProto {
        var ts = RWProto()
        for (n, v) in labels { ts.field(1, label(n, v)) }
        for (v, t) in samples { ts.field(2, sample(v, t)) }
        return ts
    }
    /// A WriteRequest of the given series.
    static func request(_ series: [RWProto]) -> [UInt8] {
        var r = RWProto()
        for s in series { r.field(1, s) }
        return r.bytes
    }
}

/// What a visit saw of one series, copied out of the request buffer.
fileprivate struct RWSeenSeries {
    var index: Int
    var labels: [(name: String, value: String)]
    var samples: [Sample]
    var hash: UInt64
    var raw: [UInt8]
    var histograms: Int
    var exemplars: Int
}

fileprivate struct RWCollector: RemoteWriteVisitor {
    var seen: [RWSeenSeries] = []
    var built: [Labels] = []
    var buildLabels = true
    mutating func visit(_ series: RemoteWriteSeries) {
        var labels: [(String, String)] = []
        for l in series.labels { labels.append((l.nameString, l.valueString)) }
        #expect(labels.count == series.labels.count)
        seen.append(RWSeenSeries(
            index: series.index, labels: labels, samples: Array(series.samples), hash: series.labels.hash,
            raw: Array(series.labels.rawBytes), histograms: series.histogramCount, exemplars: series.exemplarCount))
        if buildLabels, let l = try? series.labels.makeLabels() {
            built.append(l)
            #expect(series.labels.matches(l))
        }
    }
}

fileprivate func rwDecode(
    _ body: [UInt8], limits: RemoteWriteLimits = .default, decoder: inout RemoteWriteDecoder
) throws(RemoteWriteError) -> (RemoteWriteSummary, RWCollector) {
    var collector = RWCollector()
    var result: Result<RemoteWriteSummary, RemoteWriteError> = .success(RemoteWriteSummary())
    body.withUnsafeBytes { buf in
        do throws(RemoteWriteError) { result = .success(try decoder.decode(buf, limits: limits, into: &collector)) } catch {
            result = .failure(error)
        }
    }
    switch result {
    case .success(let s): return (s, collector)
    case .failure(let e):
        #expect(collector.seen.isEmpty, "a failed decode must not visit anything")
        throw e
    }
}

fileprivate func rwDecode(_ body: [UInt8], limits: RemoteWriteLimits = .default) throws(RemoteWriteError) -> (RemoteWriteSummary, RWCollector) {
    var decoder = RemoteWriteDecoder()
    return try rwDecode(body, limits: limits, decoder: &decoder)
}

/// The error decoding `body` throws (nil if it decodes).
fileprivate func rwError(_ body: [UInt8], limits: RemoteWriteLimits = .default) -> RemoteWriteError? {
    do {
        _ = try rwDecode(body, limits: limits)
        return nil
    } catch {
        return error
    }
}

fileprivate let rwNodeLabels: [(String, String)] = [
    ("__name__", "node_cpu_seconds_total"), ("cpu", "3"), ("instance", "host-17:9100"), ("job", "node"), ("mode", "idle"),
]

// MARK: - Tests

@Suite struct RemoteWriteDecoderTests {
    @Test func roundTripThroughEncoderAndSnappy() throws {
        let stale = Double(bitPattern: StaleNaN.bits)
        let input: [(labels: Labels, samples: [Sample])] = [
            (L(["__name__": "node_cpu_seconds_total", "cpu": "3", "instance": "host-17:9100", "job": "node", "mode": "idle"]),
             [Sample(t: 1_700_000_000_000, v: 12345.67)]),
            (L(["__name__": "up", "job": "node"]),
             [Sample(t: 1, v: 1), Sample(t: 2, v: stale), Sample(t: 0, v: 0), Sample(t: -5, v: -0.0), Sample(t: Int64.max, v: .infinity)]),
            (L(["__name__": "unicode_values", "a": "ünïcödé ✓ 𝄞"]), []),
            (L(["__name__": "long_value", "v": String(repeating: "x", count: 300)]), [Sample(t: 7, v: .nan)]),
        ]
        let compressed = RemoteWriteEncoder.encodeCompressed(input)
        let body = try compressed.withUnsafeBytes { try SnappyBlock.decompress($0, maxDecompressedBytes: 1 << 20) }
        #expect(body == RemoteWriteEncoder.encode(input))
        let (summary, seen) = try rwDecode(body)
        #expect(summary.seriesCount == input.count)
        #expect(summary.sampleCount == input.reduce(0) { $0 + $1.samples.count })
        #expect(summary.labelCount == input.reduce(0) { $0 + $1.labels.count })
        #expect(seen.built == input.map(\.labels))
        for (got, want) in zip(seen.seen, input) {
            #expect(got.samples.count == want.samples.count)
            for (a, b) in zip(got.samples, want.samples) { #expect(a.bitEqual(b), "\(a) != \(b)") }
        }
        #expect(seen.seen[1].samples[1].v.bitPattern == StaleNaN.bits)

        // The same through the one-call snappy + decode entry point, with a reused buffer.
        var decoder = RemoteWriteDecoder()
        var buffer: [UInt8] = []
        for _ in 0..<2 {
            var collector = RWCollector()
            let s = try compressed.withUnsafeBytes {
                try decoder.decode(snappyCompressed: $0, maxDecompressedBytes: 1 << 20, buffer: &buffer, into: &collector)
            }
            #expect(s == summary)
            #expect(collector.built == input.map(\.labels))
        }
    }

    @Test func staleNaNBitPatternPreserved() throws {
        var ts = RWProto.series([("__name__", "up")], [])
        ts.field(2, RWProto.sample(Double(bitPattern: 0x7ff0_0000_0000_0002), 42))
        ts.field(2, RWProto.sample(Double(bitPattern: 0xfff8_0000_0000_0001), 43))
        let (_, seen) = try rwDecode(RWProto.request([ts]))
        #expect(seen.seen[0].samples.map(\.v.bitPattern) == [0x7ff0_0000_0000_0002, 0xfff8_0000_0000_0001])
        #expect(StaleNaN.isStale(seen.seen[0].samples[0].v))
    }

    @Test func absentAndRepeatedFieldsFollowProtobuf() throws {
        var ts = RWProto()
        // Label with fields in reverse order and a repeated name: the last name wins.
        var l = RWProto()
        l.field(2, string: "node")
        l.field(1, string: "wrong")
        l.field(1, string: "job")
        ts.field(1, l)
        // Label without value (empty) and one in canonical form.
        var empty = RWProto()
        empty.field(1, string: "zone")
        ts.field(1, empty)
        ts.field(1, RWProto.label("__name__", "up"))
        // Sample with no fields (0, 0), timestamp only, value then timestamp twice (last wins).
        ts.field(2, RWProto())
        var s1 = RWProto()
        s1.tag(2, 0)
        s1.varint(5)
        ts.field(2, s1)
        var s2 = RWProto.sample(1.5, 10)
        s2.tag(2, 0)
        s2.varint(11)
        ts.field(2, s2)
        let (_, seen) = try rwDecode(RWProto.request([ts]))
        let got = seen.seen[0]
        #expect(got.labels.map(\.name) == ["job", "zone", "__name__"])
        #expect(got.labels.map(\.value) == ["node", "", "up"])
        #expect(got.samples == [Sample(t: 0, v: 0), Sample(t: 5, v: 0), Sample(t: 11, v: 1.5)])
        // Unsorted on the wire, but valid: Labels sorts and drops the empty value.
        #expect(seen.built == [L(["__name__": "up", "job": "node"])])
    }

    @Test func unknownFieldsOfEveryWireTypeAreSkipped() throws {
        /// Appends one unknown field of each wire type (groups nested), numbered from `first`.
        func unknowns(_ m: inout RWProto, first: UInt64) {
            m.tag(first, 0); m.varint(UInt64.max)  // 10-byte varint
            m.tag(first + 1, 1); m.fixed64(0xdead_beef)
            m.field(first + 2, bytes: [0x0A, 0xFF, 0xFF])  // garbage inside: never parsed
            m.tag(first + 3, 5); m.fixed32(7)
            m.tag(first + 4, 3)  // group, with a nested group and fields inside
            m.tag(1, 0); m.varint(3)
            m.tag(2, 3); m.tag(9, 2); m.varint(1); m.bytes.append(0); m.tag(2, 4)
            m.tag(first + 4, 4)
            m.tag(536_870_911, 0); m.varint(1)  // the highest field number
        }
        var ts = RWProto()
        unknowns(&ts, first: 5)
        var label = RWProto.label("__name__", "up")
        unknowns(&label, first: 3)
        ts.field(1, label)
        var sample = RWProto.sample(2.5, 99)
        unknowns(&sample, first: 3)
        ts.field(2, sample)
        ts.field(1, RWProto.label("job", "x"))
        ts.field(3, bytes: [1, 2, 3])  // exemplar
        ts.field(4, bytes: [4, 5])  // histogram
        ts.field(4, bytes: [])
        var req = RWProto()
        unknowns(&req, first: 4)
        req.field(2, bytes: [9, 9])  // reserved field 2
        req.field(1, ts)
        req.field(3, bytes: [0x08, 0x01])  // metadata
        unknowns(&req, first: 20)
        let (summary, seen) = try rwDecode(req.bytes)
        #expect(summary.seriesCount == 1)
        #expect(summary.metadataCount == 1)
        #expect(summary.exemplarCount == 1)
        #expect(summary.histogramCount == 2)
        #expect(seen.seen[0].histograms == 2)
        #expect(seen.seen[0].exemplars == 1)
        // Labels are interleaved with a sample field here; iteration skips it.
        #expect(seen.seen[0].labels.map(\.name) == ["__name__", "job"])
        #expect(seen.seen[0].samples == [Sample(t: 99, v: 2.5)])
        #expect(seen.built == [L(["__name__": "up", "job": "x"])])
    }

    @Test func emptyBodyAndEmptyRequest() throws {
        #expect(try rwDecode([]).0 == RemoteWriteSummary())
        let compressed = SnappyBlock.compress([UInt8]())
        let body = try compressed.withUnsafeBytes { try SnappyBlock.decompress($0, maxDecompressedBytes: 10) }
        #expect(body.isEmpty)
    }

    // MARK: Malformations

    @Test func truncatedAndOverflowingVarints() {
        #expect(rwError([0x0A, 0x80])?.kind == .truncatedVarint)
        #expect(rwError([0x80])?.kind == .truncatedVarint)
        // Field 9 (unknown), varint payload.
        let overflow: [UInt8] = [0x48] + Array(repeating: 0xFF, count: 9) + [0x02]
        #expect(rwError(overflow)?.kind == .varintOverflow)
        #expect(rwError([0x48] + Array(repeating: 0xFF, count: 11))?.kind == .varintOverflow)
        // The largest valid varint is fine.
        #expect(rwError([0x48] + Array(repeating: 0xFF, count: 9) + [0x01]) == nil)
        // A timestamp cut short inside a sample names the sample.
        var s = RWProto()
        s.tag(2, 0)
        s.bytes += [0x80, 0x80]
        var ts = RWProto.series([("__name__", "a")], [])
        ts.field(2, s)
        let e = rwError(RWProto.request([ts]))
        #expect(e?.kind == .truncatedVarint)
        #expect(e?.series == 0 && e?.sample == 0)
    }

    @Test func lengthPastEndNamesSeriesAndLabel() throws {
        var ts = RWProto()
        ts.field(1, RWProto.label("__name__", "up"))
        ts.tag(1, 2)
        ts.varint(400)  // label 1 claims 400 bytes
        ts.bytes += Array(repeating: 0x41, count: 20)
        let body = RWProto.request([RWProto.series([("__name__", "a")]), ts])
        let e = try #require(rwError(body))
        #expect(e.kind == .lengthPastEnd(length: 400, remaining: 20))
        #expect(e.series == 1)
        #expect(e.label == 1)
        #expect(e.description.hasPrefix("timeseries 1: label 1: length 400 exceeds the remaining 20 bytes (at byte "))

        // Outer length past the end of the body.
        let outer = try #require(rwError([0x0A, 0x05, 0x0A]))
        #expect(outer.kind == .lengthPastEnd(length: 5, remaining: 1))
        #expect(outer.series == 0)
    }

    @Test func truncatedFixedFieldsAndBadWireTypes() throws {
        var s = RWProto()
        s.tag(1, 1)
        s.bytes += [1, 2, 3]
        var e = try #require(rwError(RWProto.request([{ var ts = RWProto.series([("__name__", "a")], []); ts.field(2, s); return ts }()])))
        #expect(e.kind == .truncatedFixed(size: 8, remaining: 3))
        #expect(e.series == 0 && e.sample == 0)
        #expect(e.description.contains("timeseries 0: sample 0: 8-byte fixed field but only 3 bytes remain"))

        var f32 = RWProto()
        f32.tag(9, 5)
        f32.bytes += [1]
        e = try #require(rwError(f32.bytes))
        #expect(e.kind == .truncatedFixed(size: 4, remaining: 1))

        e = try #require(rwError([0x0E, 0x00]))  // field 1, wire type 6
        #expect(e.kind == .invalidWireType(6))
        e = try #require(rwError([0x0F]))  // wire type 7
        #expect(e.kind == .invalidWireType(7))
        e = try #require(rwError([0x02, 0x00]))  // field number 0
        #expect(e.kind == .invalidFieldNumber(0))
        var big = RWProto()
        big.tag(1 << 29, 0)
        big.varint(0)
        #expect(rwError(big.bytes)?.kind == .invalidFieldNumber(1 << 29))
    }

    @Test func knownFieldsWithWrongWireTypes() throws {
        func kind(_ body: [UInt8]) -> RemoteWriteError.Kind? { rwError(body)?.kind }
        // timeseries as varint
        #expect(kind([0x08, 0x01]) == .wrongWireType(field: "timeseries", wireType: 0, expected: 2))
        // metadata as fixed32
        #expect(kind([0x1D, 0, 0, 0, 0]) == .wrongWireType(field: "metadata", wireType: 5, expected: 2))
        // labels as fixed64
        var ts = RWProto()
        ts.tag(1, 1)
        ts.fixed64(0)
        #expect(kind(RWProto.request([ts])) == .wrongWireType(field: "labels", wireType: 1, expected: 2))
        // samples as varint, histograms as varint
        ts = RWProto.series([("__name__", "a")], [])
        ts.tag(2, 0); ts.varint(1)
        #expect(kind(RWProto.request([ts])) == .wrongWireType(field: "samples", wireType: 0, expected: 2))
        ts = RWProto.series([("__name__", "a")], [])
        ts.tag(4, 0); ts.varint(1)
        #expect(kind(RWProto.request([ts])) == .wrongWireType(field: "histograms", wireType: 0, expected: 2))
        // label name as varint
        var l = RWProto()
        l.tag(1, 0); l.varint(1)
        ts = RWProto(); ts.field(1, l)
        let e = try #require(rwError(RWProto.request([ts])))
        #expect(e.kind == .wrongWireType(field: "name", wireType: 0, expected: 2))
        #expect(e.series == 0 && e.label == 0)
        // sample value as varint, timestamp as fixed64
        var s = RWProto(); s.tag(1, 0); s.varint(1)
        ts = RWProto.series([("__name__", "a")], []); ts.field(2, s)
        #expect(kind(RWProto.request([ts])) == .wrongWireType(field: "value", wireType: 0, expected: 1))
        s = RWProto(); s.tag(2, 1); s.fixed64(1)
        ts = RWProto.series([("__name__", "a")], []); ts.field(2, s)
        #expect(kind(RWProto.request([ts])) == .wrongWireType(field: "timestamp", wireType: 1, expected: 0))
    }

    @Test func groupsMustBeBalanced() {
        var m = RWProto()
        m.tag(7, 4)  // end-group without start
        #expect(rwError(m.bytes)?.kind == .unexpectedEndGroup(fieldNumber: 7))
        m = RWProto()
        m.tag(7, 3); m.tag(8, 4)  // mismatched end
        #expect(rwError(m.bytes)?.kind == .unexpectedEndGroup(fieldNumber: 8))
        m = RWProto()
        m.tag(7, 3); m.tag(1, 0); m.varint(1)  // never ends
        #expect(rwError(m.bytes)?.kind == .unterminatedGroup(fieldNumber: 7))
        m = RWProto()
        for _ in 0..<100 { m.tag(7, 3) }
        for _ in 0..<100 { m.tag(7, 4) }
        #expect(rwError(m.bytes)?.kind == .groupsNestedTooDeep(limit: ProtobufWireReader.maxGroupDepth))
        // A group must close inside its enclosing message: the series ends first.
        var ts = RWProto.series([("__name__", "a")])
        ts.tag(9, 3)
        var req = RWProto()
        req.field(1, ts)
        req.tag(9, 4)
        #expect(rwError(req.bytes)?.kind == .unterminatedGroup(fieldNumber: 9))
    }

    @Test func invalidUTF8IsRejected() throws {
        let badValue = RWProto.request([{
            var ts = RWProto.series([("__name__", "a")])
            var l = RWProto()
            l.field(1, string: "job")
            l.field(2, bytes: [0x61, 0xC3, 0x28])  // invalid continuation
            ts.field(1, l)
            return ts
        }()])
        var e = try #require(rwError(badValue))
        #expect(e.kind == .invalidUTF8(field: "value"))
        #expect(e.series == 0 && e.label == 1)
        #expect(e.description.contains("timeseries 0: label 1: value is not valid UTF-8"))
        var lenient = RemoteWriteLimits()
        lenient.checksLabelRules = false
        #expect(rwError(badValue, limits: lenient)?.kind == .invalidUTF8(field: "value"))

        for bad: [UInt8] in [[0xED, 0xA0, 0x80], [0xC0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE0, 0x80, 0x80], [0xFF], [0xE2, 0x82]] {
            let body = RWProto.request([{
                var ts = RWProto.series([("__name__", "a")])
                var l = RWProto()
                l.field(1, string: "x")
                l.field(2, bytes: bad)
                ts.field(1, l)
                return ts
            }()])
            #expect(rwError(body)?.kind == .invalidUTF8(field: "value"), "\(bad)")
        }
        // Valid multi-byte values of every length class pass.
        let fine = RWProto.request([RWProto.series([("__name__", "a"), ("x", "é€𝄞 ok")])])
        #expect(rwError(fine) == nil)

        // A non-UTF-8 name: reported as such, with or without the name rules.
        let badName = RWProto.request([{
            var ts = RWProto()
            var l = RWProto()
            l.field(1, bytes: [0x80])
            l.field(2, string: "v")
            ts.field(1, l)
            return ts
        }()])
        #expect(rwError(badName)?.kind == .invalidUTF8(field: "name"))
        #expect(rwError(badName, limits: lenient)?.kind == .invalidUTF8(field: "name"))
        e = try #require(rwError(badName))
        #expect(e.label == 0)
    }

    @Test func labelRulesAreChecked() throws {
        func err(_ labels: [(String, String)]) -> RemoteWriteError? { rwError(RWProto.request([RWProto.series(labels)])) }
        #expect(err([("__name__", "a"), ("1abc", "x")])?.kind == .invalidLabelName("1abc"))
        #expect(err([("__name__", "a"), ("a-b", "x")])?.label == 1)
        #expect(err([("__name__", "a"), ("", "x")])?.kind == .invalidLabelName(""))
        #expect(err([("__name__", "foo-bar")])?.kind == .invalidMetricName("foo-bar"))
        #expect(err([("__name__", "9lives")])?.kind == .invalidMetricName("9lives"))
        #expect(err([("__name__", "ok:recording_rule:rate5m"), ("le", "0.5")]) == nil)
        #expect(err([("a", "1"), ("a", "2")])?.kind == .duplicateLabelName("a"))
        let unsorted = try #require(err([("b", "1"), ("a", "2"), ("b", "3")]))
        #expect(unsorted.kind == .duplicateLabelName("b"))
        #expect(unsorted.label == 2)
        // Names sharing an 8-byte prefix are compared in full.
        #expect(err([("longname_a", "1"), ("longname_b", "2")]) == nil)
        #expect(err([("longname_b", "1"), ("longname_a", "2")]) == nil)
        #expect(err([("longname_a", "1"), ("longname_a", "2")])?.kind == .duplicateLabelName("longname_a"))
        // A duplicate name with an empty value is no duplicate (the empty label is absent).
        #expect(err([("a", ""), ("a", "2")]) == nil)
        // Each rule agrees with LabelValidation on names of every length.
        for name in ["_", "a", "A9", "_x:", "x:y", "9", "é", "a b", String(repeating: "a", count: 17), String(repeating: "a", count: 16) + "-"] {
            let decoded = err([("__name__", "m"), (name, "v")]) == nil
            #expect(decoded == LabelValidation.isValidLabelName(name), "\(name)")
            let metric = err([("__name__", name)]) == nil
            #expect(metric == LabelValidation.isValidMetricName(name), "\(name)")
        }
        // Without the rules, only UTF-8 and structure are checked.
        var lenient = RemoteWriteLimits()
        lenient.checksLabelRules = false
        #expect(rwError(RWProto.request([RWProto.series([("a-b", "x"), ("a-b", "y")])]), limits: lenient) == nil)
    }

    @Test func seriesWithoutLabelsIsRejected() throws {
        let e = try #require(rwError(RWProto.request([RWProto.series([("__name__", "a")]), RWProto.series([])])))
        #expect(e.kind == .noLabels)
        #expect(e.series == 1)
        #expect(e.description.hasPrefix("timeseries 1: series has no labels"))
        #expect(rwError(RWProto.request([RWProto.series([("a", ""), ("b", "")])]))?.kind == .noLabels)
    }

    @Test func limitsAreEnforced() throws {
        let three = RWProto.request([RWProto.series(rwNodeLabels), RWProto.series(rwNodeLabels), RWProto.series(rwNodeLabels, [(1, 1), (2, 2)])])
        var limits = RemoteWriteLimits()
        #expect(rwError(three, limits: limits) == nil)
        limits.maxSeriesPerRequest = 2
        var e = try #require(rwError(three, limits: limits))
        #expect(e.kind == .tooManySeries(limit: 2))
        #expect(e.description.contains("more than 2 series"))
        limits = RemoteWriteLimits(maxLabelsPerSeries: 4)
        e = try #require(rwError(three, limits: limits))
        #expect(e.kind == .tooManyLabels(limit: 4))
        #expect(e.series == 0)
        limits = RemoteWriteLimits(maxSamplesPerRequest: 3)
        e = try #require(rwError(three, limits: limits))
        #expect(e.kind == .tooManySamples(limit: 3))
        #expect(e.series == 2 && e.sample == 1)
        limits = RemoteWriteLimits(maxLabelNameBytes: 7)
        #expect(rwError(three, limits: limits)?.kind == .labelNameTooLong(length: 8, limit: 7))
        limits = RemoteWriteLimits(maxLabelValueBytes: 12)
        e = try #require(rwError(three, limits: limits))
        #expect(e.kind == .labelValueTooLong(length: 22, limit: 12))
        #expect(e.label == 0)
    }

    @Test func snappyLimitsAndCorruption() throws {
        let body = RWProto.request([RWProto.series(rwNodeLabels)])
        let compressed = SnappyBlock.compress(body)
        #expect(throws: SnappyError.decompressedTooLarge(length: body.count, limit: 10)) {
            try compressed.withUnsafeBytes { try SnappyBlock.decompress($0, maxDecompressedBytes: 10) }
        }
        #expect(throws: SnappyError.invalidHeader) {
            try [UInt8]().withUnsafeBytes { try SnappyBlock.decompress($0, maxDecompressedBytes: 10) }
        }
        #expect(throws: SnappyError.invalidHeader) {
            try [UInt8](repeating: 0xFF, count: 8).withUnsafeBytes { try SnappyBlock.decompress($0, maxDecompressedBytes: 10) }
        }
        // Header says 100 bytes, data is a copy from before the start.
        #expect(throws: SnappyError.corrupt) {
            try [UInt8]([100, 0x01, 0x05]).withUnsafeBytes { try SnappyBlock.decompress($0, maxDecompressedBytes: 1000) }
        }
        var decoder = RemoteWriteDecoder()
        var buffer: [UInt8] = []
        var collector = RWCollector()
        #expect(throws: RemoteWriteDecodeError.snappy(.decompressedTooLarge(length: body.count, limit: 10))) {
            try compressed.withUnsafeBytes {
                try decoder.decode(snappyCompressed: $0, maxDecompressedBytes: 10, buffer: &buffer, into: &collector)
            }
        }
        #expect(SnappyError.decompressedTooLarge(length: 20, limit: 10).description.contains("exceeds the limit of 10 bytes"))
    }

    @Test func malformedLaterSeriesVisitsNothing() throws {
        var body = RWProto.request((0..<50).map { i in RWProto.series([("__name__", "m"), ("i", "\(i)")]) })
        body += [0x0A, 0x03, 0x0A, 0x01]  // truncated last series
        var decoder = RemoteWriteDecoder()
        #expect(throws: RemoteWriteError.self) { try rwDecode(body, decoder: &decoder) }  // rwDecode checks nothing was visited
    }

    // MARK: Known label sets, hashing, helpers

    @Test func repeatedSeriesAndChangedLimitsAreRevalidated() throws {
        var decoder = RemoteWriteDecoder(knownLabelSetCapacity: 64)
        let body = RWProto.request([RWProto.series([("a-b", "x")])])
        var lenient = RemoteWriteLimits()
        lenient.checksLabelRules = false
        _ = try rwDecode(body, limits: lenient, decoder: &decoder)
        _ = try rwDecode(body, limits: lenient, decoder: &decoder)  // remembered
        // Stricter limits must not trust spans validated under the lenient ones.
        #expect(throws: RemoteWriteError.self) { try rwDecode(body, decoder: &decoder) }

        // Many distinct series through a tiny table: every decode still sees the right labels.
        let many = (0..<300).map { i in RWProto.series([("__name__", "m"), ("i", "\(i % 97)")], [(Double(i), Int64(i))]) }
        for _ in 0..<3 {
            let (summary, seen) = try rwDecode(RWProto.request(many), decoder: &decoder)
            #expect(summary.seriesCount == 300)
            #expect(seen.seen.map { $0.labels[1].value } == (0..<300).map { "\($0 % 97)" })
            #expect(seen.seen.map(\.samples) == (0..<300).map { [Sample(t: Int64($0), v: Double($0))] })
        }
    }

    @Test func labelHashAndRawBytesIdentifySeries() throws {
        let body = RWProto.request([
            RWProto.series(rwNodeLabels, [(1, 1)]), RWProto.series(rwNodeLabels, [(2, 2)]),
            RWProto.series([("__name__", "node_cpu_seconds_total"), ("cpu", "4")]),
        ])
        let (_, seen) = try rwDecode(body)
        let s = seen.seen
        #expect(s[0].hash == s[1].hash)
        #expect(s[0].raw == s[1].raw)
        #expect(s[0].hash != s[2].hash)
        #expect(s[0].hash == s[0].raw.withUnsafeBytes { LabelBytesHash.hash($0, seed: LabelBytesHash.processSeed) })
        let l = try #require(seen.built.first)
        #expect(l == L(Dictionary(uniqueKeysWithValues: rwNodeLabels.map { ($0.0, $0.1) })))
        // matches() holds only for the same pairs.
        struct Check: RemoteWriteVisitor {
            let other: Labels
            var results: [Bool] = []
            mutating func visit(_ series: RemoteWriteSeries) { results.append(series.labels.matches(other)) }
        }
        var check = Check(other: l)
        var decoder = RemoteWriteDecoder()
        _ = try body.withUnsafeBytes { try decoder.decode($0, into: &check) }
        #expect(check.results == [true, true, false])
    }

    @Test func hashSpreadsAndCoversEveryLength() {
        var seen = Set<UInt64>()
        var bytes: [UInt8] = []
        for n in 0...64 {
            let h = bytes.withUnsafeBytes { LabelBytesHash.hash($0, seed: 1) }
            #expect(seen.insert(h).inserted, "length \(n)")
            // One flipped bit anywhere changes the hash.
            for i in 0..<n {
                var flipped = bytes
                flipped[i] ^= 0x10
                #expect(flipped.withUnsafeBytes { LabelBytesHash.hash($0, seed: 1) } != h)
            }
            bytes.append(UInt8(truncatingIfNeeded: n &* 37))
        }
        #expect(bytes.withUnsafeBytes { LabelBytesHash.hash($0, seed: 1) } != bytes.withUnsafeBytes { LabelBytesHash.hash($0, seed: 2) })
    }

    @Test func encoderOmitsZeroFieldsAndWritesCanonicalLabels() throws {
        var e = RemoteWriteEncoder()
        e.append(labels: L(["__name__": "up"]), samples: [Sample(t: 0, v: 0)])
        // 0A len { 0A len { 0A 08 __name__ 12 02 up } 12 00 }
        #expect(e.bytes == [0x0A, 0x12, 0x0A, 0x0E, 0x0A, 0x08] + Array("__name__".utf8) + [0x12, 0x02] + Array("up".utf8) + [0x12, 0x00])
        #expect(e.seriesCount == 1)
        e.reset()
        #expect(e.bytes.isEmpty && e.seriesCount == 0)
        e.append(labels: L(["a": "b"]), samples: [Sample(t: -1, v: -0.0)])
        let (_, seen) = try rwDecode(e.bytes)
        #expect(seen.seen[0].samples[0].t == -1)
        #expect(seen.seen[0].samples[0].v.bitPattern == (-0.0 as Double).bitPattern)
    }

    @Test func validateCountsWithoutVisiting() throws {
        let body = RWProto.request([RWProto.series(rwNodeLabels, [(1, 1), (2, 2)]), RWProto.series([("__name__", "x")])])
        var decoder = RemoteWriteDecoder()
        let s = try body.withUnsafeBytes { try decoder.validate($0) }
        #expect(s.seriesCount == 2 && s.sampleCount == 3 && s.labelCount == 6)
    }

    // MARK: Robustness

    @Test func randomTruncationsAndBitFlipsNeverCrash() {
        var rng = SeededRandom(seed: 0x5eed)
        var series: [RWProto] = []
        for i in 0..<40 {
            var ts = RWProto.series(rwNodeLabels + [("i", "\(i)")], [(Double(i), Int64(i) * 1000), (1, -1)])
            if i % 7 == 0 { ts.field(4, bytes: [1, 2, 3]) }
            if i % 5 == 0 { ts.tag(15, 3); ts.tag(1, 0); ts.varint(1); ts.tag(15, 4) }
            series.append(ts)
        }
        let valid = RWProto.request(series)
        let compressed = SnappyBlock.compress(valid)
        var decoder = RemoteWriteDecoder(knownLabelSetCapacity: 16)
        var accepted = 0
        for round in 0..<1200 {
            var body = valid
            switch round % 4 {
            case 0:
                body = Array(body.prefix(Int.random(in: 0...body.count, using: &rng)))
            case 1:
                for _ in 0..<Int.random(in: 1...8, using: &rng) {
                    body[Int.random(in: 0..<body.count, using: &rng)] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                }
            case 2:
                let at = Int.random(in: 0..<body.count, using: &rng)
                body[at] = UInt8.random(in: 0...255, using: &rng)
                body = Array(body.prefix(Int.random(in: at...body.count, using: &rng)))
            default:
                body = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
            if (try? rwDecode(body, decoder: &decoder)) != nil { accepted += 1 }
            // Corrupt snappy input never crashes either.
            var z = compressed
            z[Int.random(in: 0..<z.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            if round % 2 == 0 { z = Array(z.prefix(Int.random(in: 0...z.count, using: &rng))) }
            _ = try? z.withUnsafeBytes { try SnappyBlock.decompress($0, maxDecompressedBytes: 1 << 20) }
        }
        #expect(accepted > 0)  // some mutations keep the body valid (e.g. flips inside values)
        #expect(accepted < 1200)
    }
}

@Suite struct RemoteWriteDecoderPoolTests {
    @Test func borrowedDecodersDecodeAndReturn() throws {
        let pool = RemoteWriteDecoderPool(maxIdle: 2, knownLabelSetCapacity: 64)
        let body = RWProto.request([RWProto.series(rwNodeLabels, [(3, 4)])])
        for _ in 0..<3 {
            let (summary, seen) = try pool.withDecoder { (d: inout RemoteWriteDecoder) throws(RemoteWriteError) in try rwDecode(body, decoder: &d) }
            #expect(summary.sampleCount == 1)
            #expect(seen.seen[0].hash == seen.seen[0].raw.withUnsafeBytes { LabelBytesHash.hash($0, seed: LabelBytesHash.processSeed) })
        }
        #expect(throws: RemoteWriteError.self) {
            try pool.withDecoder { (d: inout RemoteWriteDecoder) throws(RemoteWriteError) in try rwDecode([0x0A, 0x09], decoder: &d) }
        }
    }

    @Test func concurrentDecodersShareOneKnownLabelSetTable() throws {
        let pool = RemoteWriteDecoderPool(maxIdle: 2, knownLabelSetCapacity: 64)
        let body = RWProto.request([RWProto.series(rwNodeLabels, [(3, 4)])])
        // Two decoders borrowed at once are two decoders, with one table between them.
        let shared = try pool.withDecoder { (a: inout RemoteWriteDecoder) throws(RemoteWriteError) -> Bool in
            _ = try rwDecode(body, decoder: &a)
            let tableA = a.knownLabelSets
            return try pool.withDecoder { (b: inout RemoteWriteDecoder) throws(RemoteWriteError) -> Bool in
                _ = try rwDecode(body, decoder: &b)
                return b.knownLabelSets === tableA
            }
        }
        #expect(shared)
        // Decoders made on their own keep tables of their own.
        #expect(RemoteWriteDecoder(knownLabelSetCapacity: 8).knownLabelSets !== RemoteWriteDecoder(knownLabelSetCapacity: 8).knownLabelSets)
    }
}

@Suite struct RemoteWriteEncoderTests {
    @Test func preEncodedLabelFieldsMatchDecodedRawBytes() throws {
        let labels = L(["__name__": "node_load1", "instance": "host-1:9100", "job": "node", "long": String(repeating: "v", count: 200)])
        let fields = RemoteWriteEncoder.encodedLabelFields(labels)
        var a = RemoteWriteEncoder()
        a.append(labels: labels, samples: [Sample(t: 5, v: 6)])
        var b = RemoteWriteEncoder()
        b.append(labelFields: fields, samples: [Sample(t: 5, v: 6)])
        #expect(a.bytes == b.bytes)
        #expect(b.seriesCount == 1)
        let (_, seen) = try rwDecode(b.bytes)
        #expect(seen.seen[0].raw == fields)
        #expect(seen.built == [labels])
    }
}

@Suite struct RemoteWriteStaticDecodeTests {
    @Test func staticEntryPointsUseTheSharedPool() throws {
        let labels = L(["__name__": "up", "job": "node"])
        let compressed = RemoteWriteEncoder.encodeCompressed([(labels, [Sample(t: 1, v: 2)])])
        var buffer: [UInt8] = []
        var collector = RWCollector()
        let s = try compressed.withUnsafeBytes {
            try RemoteWriteDecoder.decode(snappyCompressed: $0, maxDecompressedBytes: 1 << 20, buffer: &buffer, into: &collector)
        }
        #expect(s.sampleCount == 1)
        #expect(collector.built == [labels])
        var again = RWCollector()
        _ = try buffer.withUnsafeBytes { try RemoteWriteDecoder.decode($0, into: &again) }
        #expect(again.built == [labels])
    }
}
