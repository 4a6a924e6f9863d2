import Testing
@testable import TSDB

@Suite struct LabelsTests {
    @Test func sortsAndDropsEmptyValues() throws {
        let l = try Labels(validating: [Label(name: "job", value: "node"), Label(name: "__name__", value: "up"), Label(name: "x", value: "")])
        #expect(l.pairs.map(\.name) == ["__name__", "job"])
        #expect(l["x"] == "")
        #expect(l.metricName == "up")
    }

    @Test(arguments: ["", "1abc", "a-b", "a.b", "é"])
    func rejectsInvalidLabelNames(_ name: String) {
        #expect(throws: LabelError.invalidLabelName(name)) { try Labels(validating: [Label(name: name, value: "v")]) }
    }

    @Test func rejectsInvalidMetricNameAndColonInLabelName() {
        #expect(throws: LabelError.invalidMetricName("1up")) { try Labels(["__name__": "1up"]) }
        #expect(throws: LabelError.invalidLabelName("a:b")) { try Labels(["a:b": "v"]) }
        #expect((try? Labels(["__name__": "job:up:rate5m"])) != nil)
    }

    @Test func rejectsEmptyAndDuplicates() {
        #expect(throws: LabelError.empty) { try Labels(validating: []) }
        #expect(throws: LabelError.empty) { try Labels(validating: [Label(name: "a", value: "")]) }
        #expect(throws: LabelError.duplicateLabelName("a")) {
            try Labels(validating: [Label(name: "a", value: "1"), Label(name: "a", value: "2")])
        }
    }

    @Test func hashIsStableAndSeparatesBoundaries() {
        let a = L(["ab": "c"]), b = L(["a": "bc"])
        #expect(a.stableHash != b.stableHash)
        // Pinned: the hash may be persisted, so it must never change between releases.
        #expect(L(["__name__": "up", "job": "node"]).stableHash == L(["job": "node", "__name__": "up"]).stableHash)
        var h = StableHasher()
        h.combine("a")
        let expected: UInt64 = {
            var x: UInt64 = 0xcbf2_9ce4_8422_2325
            for b in Array("a".utf8) + [0xff] { x = (x ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
            return x
        }()
        #expect(h.value == expected)
    }

    @Test func ordering() {
        let a = L(["__name__": "a", "x": "1"]), b = L(["__name__": "a", "x": "2"]), c = L(["__name__": "a"])
        #expect(a < b)
        #expect(c < a)
        #expect(!(b < a))
    }

    @Test func symbolTableNumbersStringsOnce() {
        let t = SymbolTable()
        let s1 = String(repeating: "x", count: 40)
        let s2 = String(repeating: "x", count: 40)
        #expect(t.id(s1) == t.id(s2))
        #expect(t.count == 1)
        let short = t.id("short")
        #expect(short != t.id(s1) && t.count == 2)
        #expect(t.string(short) == "short" && t.string(t.id(s1)) == s1)
    }

    @Test func seriesKeepLabelsAsSymbolIDs() {
        let t = SymbolTable()
        let a = L(["__name__": "node_filesystem_avail_bytes", "instance": "host-1:9100", "mountpoint": "/"])
        let b = L(["__name__": "node_filesystem_avail_bytes", "instance": "host-2:9100", "mountpoint": "/"])
        let sa = MemSeries(ref: 1, labels: a, symbols: t, logged: true)
        do {
            let sb = MemSeries(ref: 2, labels: b, symbols: t, logged: true)
            #expect(sa.labels == a && sb.labels == b)
            #expect(sa.labels.stableHash == a.stableHash)
            #expect(sa.hasLabels(a) && !sa.hasLabels(b) && sb.hasLabels(b))
            // A label set that is a prefix of the series' does not match.
            #expect(!sa.hasLabels(L(["__name__": "node_filesystem_avail_bytes", "instance": "host-1:9100"])))
            // Names and values shared between the two series are numbered once.
            #expect(t.count == 7)
        }
        // A freed series gives its strings back: only the other series' remain, and a freed id
        // is reused for a new string.
        #expect(t.count == 6)
        #expect(sa.labels == a)
        let c = L(["__name__": "up", "instance": "host-1:9100"])
        do {
            let sc = MemSeries(ref: 3, labels: c, symbols: t, logged: true)
            #expect(sc.labels == c && sa.labels == a && t.count == 7)
        }
        #expect(t.count == 6)
    }

    @Test func labelIDsOfEverySizeRoundTrip() {
        // Ids are varint-packed: fill the table so a series' ids take 1, 2 and 3 bytes.
        let t = SymbolTable()
        for i in 0..<20_000 { _ = t.id("filler_\(i)") }
        let a = L(["__name__": "node_network_receive_bytes_total", "device": "eth0", "instance": "host-9:9100"])
        let sa = MemSeries(ref: 1, labels: a, symbols: t, logged: true)
        let ids = t.encode(a).ids
        #expect(ids.contains { $0 >= 1 << 14 } && ids.count == 6)
        #expect(t.encode(L(["__name__": "filler_5", "device": "filler_300"])).ids == [t.id("__name__"), 5, t.id("device"), 300])
        // `filler_5` has a one-byte id, `filler_300` a two-byte one: a series mixing sizes decodes
        // every one.
        let b = L(["__name__": "filler_5", "device": "filler_300", "instance": "host-9:9100"])
        let sb = MemSeries(ref: 2, labels: b, symbols: t, logged: true)
        #expect(sa.labels == a && sb.labels == b)
        #expect(sa.hasLabels(a) && sb.hasLabels(b) && !sa.hasLabels(b) && !sb.hasLabels(a))
        // Same names, one value differing; and one pair more.
        #expect(!sa.hasLabels(L(["__name__": "node_network_receive_bytes_total", "device": "eth1", "instance": "host-9:9100"])))
        #expect(!sa.hasLabels(L(["__name__": "node_network_receive_bytes_total", "device": "eth0", "instance": "host-9:9100", "job": "node"])))
    }

    @Test func durationsAndSizes() throws {
        #expect(try DurationParser.milliseconds("15d") == 15 * 86_400_000)
        #expect(try DurationParser.milliseconds("1h30m") == 5_400_000)
        #expect(try DurationParser.milliseconds("250ms") == 250)
        #expect(throws: ParseError.self) { try DurationParser.milliseconds("15x") }
        #expect(throws: ParseError.self) { try DurationParser.milliseconds("") }
        #expect(try ByteSizeParser.bytes("512MB") == 512 << 20)
        #expect(try ByteSizeParser.bytes("1024") == 1024)
        #expect(throws: ParseError.self) { try ByteSizeParser.bytes("lots") }
    }
}
