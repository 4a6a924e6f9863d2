import Foundation
import Testing
@testable import TSDB

@Suite("Exposition writer")
struct ExpositionWriterTests {
    @Test("values are formatted as Prometheus (Go) prints them")
    func goFloatFormatting() {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"),
            (823_896, "823896"), (999_999, "999999"), (100_000, "100000"), (1_000_000, "1e+06"),
            (1_445_505, "1.445505e+06"), (1_234_567.8, "1.2345678e+06"), (123_456.7, "123456.7"),
            (0.0001, "0.0001"), (0.000123, "0.000123"), (0.00001, "1e-05"), (1.5e-7, "1.5e-07"), (3e-5, "3e-05"),
            (0.1, "0.1"), (-2.5, "-2.5"), (100, "100"), (12345, "12345"),
            (1.7954358261100585e+09, "1.7954358261100585e+09"), (0.013300656000000001, "0.013300656000000001"),
            (9_007_199_254_740_992, "9.007199254740992e+15"), (9_007_199_254_740_991, "9.007199254740991e+15"),
            (1e21, "1e+21"), (1e100, "1e+100"), (1e-100, "1e-100"), (Double.leastNonzeroMagnitude, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (2.478268416e+09, "2.478268416e+09"),
            (56.12904785, "56.12904785"), (871.5665949999999, "871.5665949999999"), (-0.000001, "-1e-06"),
        ]
        for (v, expected) in cases {
            #expect(ExpositionFloatFormatter.format(v) == expected, "\(v)")
        }
    }

    @Test("formatted values read back to the same double")
    func formattingRoundTrips() {
        var rng = ExpoRandom(seed: 99)
        for k in 0..<20000 {
            let v: Double
            switch k % 3 {
            case 0: v = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (rng.next() % 2 == 0 ? 1 : -1)
            case 1: v = Double(Int64(bitPattern: rng.next()) % 10_000_000_000) / 1000
            default: v = Double(rng.next() % 100_000)
            }
            let s = ExpositionFloatFormatter.format(v)
            let bytes = Array(s.utf8)
            let back = bytes.withUnsafeBufferPointer { p in
                p.baseAddress.flatMap { ExpositionNumberParser.parseFloat($0, 0, bytes.count, allowHex: false) }
            }
            #expect(back?.bitPattern == (v == 0 ? 0 : v.bitPattern), "\(v) -> \(s)")
            #expect(Double(s)?.bitPattern == (v == 0 ? 0 : v.bitPattern), "\(v) -> \(s)")
            // The same shortest significant digits as Swift's own shortest representation, in Go's layout.
            if v.isFinite && v != 0 { #expect(significantDigits(s) == significantDigits(v.description), "\(v) -> \(s)") }
        }
    }

    @Test("HELP, TYPE and samples are written with escaping")
    func writesTextFormat() throws {
        var w = ExpositionWriter()
        w.writeHelp("http_requests_total", "Requests.\nBy code \\ and \"method\".")
        w.writeType("http_requests_total", .counter)
        w.writeSample(name: "http_requests_total", labels: [Label(name: "code", value: "200"), Label(name: "path", value: "a\"b\\c\nd")], value: 1027, timestamp: 1_395_066_363_000)
        w.writeSample(name: "http_requests_total", labels: [Label(name: "code", value: ""), Label(name: "x", value: "y")], value: 3)
        w.writeType("rpc", .unknown)
        w.writeType("i", .info)
        w.writeType("gh", .gaugeHistogram)
        w.writeSample(try Labels(["__name__": "up", "job": "node", "instance": "h:9100"]), value: 1)
        w.writeSample(name: "plain", labels: [], value: .nan, timestamp: -5)
        #expect(w.text == """
            # HELP http_requests_total Requests.\\nBy code \\\\ and "method".
            # TYPE http_requests_total counter
            http_requests_total{code="200",path="a\\"b\\\\c\\nd"} 1027 1395066363000
            http_requests_total{x="y"} 3
            # TYPE rpc untyped
            # TYPE i gauge
            # TYPE gh histogram
            up{instance="h:9100",job="node"} 1
            plain NaN -5

            """)
    }

    @Test("write then parse gives the same samples and metadata")
    func roundTripRandom() throws {
        var rng = ExpoRandom(seed: 5)
        let alphabet = Array("abcXYZ019_ \"\\\n{}=,#éü€😀\t")
        var expected: [(Labels, Double, Int64?)] = []
        var w = ExpositionWriter()
        w.writeHelp("m", "help with \\ and \n newline")
        w.writeType("m", .gauge)
        for i in 0..<400 {
            var d: [String: String] = ["__name__": i % 2 == 0 ? "m" : "other_metric:\(i % 7)"]
            for j in 0..<Int(rng.next() % 5) {
                let n = Int(rng.next() % 12)
                d["l\(j)_\(rng.next() % 3)"] = String((0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            }
            guard let labels = try? Labels(d) else { continue }
            let value: Double = switch rng.next() % 6 {
            case 0: .nan
            case 1: rng.next() % 2 == 0 ? .infinity : -.infinity
            case 2: Double(Int64(bitPattern: rng.next()) % 1_000_000)
            default: Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            }
            let ts: Int64? = rng.next() % 3 == 0 ? nil : Int64(bitPattern: rng.next()) / 2
            expected.append((labels, value, ts))
            w.writeSample(labels, value: value, timestamp: ts)
        }
        #expect(expected.count > 300)
        let bytes = w.bytes
        try bytes.withUnsafeBytes { buf in
            var p = ExpositionParser(buf, format: .prometheusText)
            var k = 0
            var helps: [String] = []
            while let e = try p.next() {
                switch e {
                case .help(_, let t): helps.append(t.string)
                case .sample(let s):
                    guard k < expected.count else { Issue.record("extra sample"); return }
                    let (labels, value, ts) = expected[k]
                    #expect(try s.makeLabels() == labels)
                    #expect(s.value.bitPattern == value.bitPattern || (s.value.isNaN && value.isNaN), "\(value)")
                    #expect(s.timestamp == ts)
                    #expect(s.familyType == (labels.metricName == "m" ? .gauge : .untyped))
                    k += 1
                default: break
                }
            }
            #expect(k == expected.count)
            #expect(helps == ["help with \\ and \n newline"])
        }
    }

    @Test("alltypes page: parse, write, parse again gives the same samples and metadata")
    func roundTripConformancePage() throws {
        let input = try #require(ExpoConformance.read(ExpoConformance.prometheusFiles + "/textparse/alltypes.237mfs.prom.txt"))
        let first = expoParse(input, .prometheusText)
        #expect(first.error == nil)
        var w = ExpositionWriter()
        var helps = first.helps.makeIterator()
        var types = first.types.makeIterator()
        var lastFamily = ""
        for s in first.samples {
            if s.family != lastFamily && s.type != .untyped {
                lastFamily = s.family
                if let h = helps.next() { w.writeHelp(h.0, h.1) }
                if let t = types.next() { w.writeType(t.0, t.1) }
            }
            w.writeSample(name: s.name, labels: s.labels.sorted { $0.key < $1.key }.map { Label(name: $0.key, value: $0.value) }, value: s.value, timestamp: s.timestamp)
        }
        let second = expoParse(w.bytes, .prometheusText)
        #expect(second.error == nil)
        #expect(second.samples.count == first.samples.count)
        #expect(zip(first.samples, second.samples).allSatisfy { $0.sameSample($1) && $0.type == $1.type && $0.kind == $1.kind })
        #expect(second.helps.map(\.1) == first.helps.map(\.1))
        #expect(second.types.map(\.1) == first.types.map(\.1))
    }
}

/// The significant digits of a decimal spelling (`-1.2300e+05` -> `123`).
private func significantDigits(_ s: String) -> String {
    let mantissa = s.split(whereSeparator: { $0 == "e" || $0 == "E" }).first ?? ""
    var digits = mantissa.filter(\.isNumber)
    while digits.hasPrefix("0") { digits.removeFirst() }
    while digits.hasSuffix("0") { digits.removeLast() }
    return String(digits)
}
