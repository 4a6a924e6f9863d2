import Foundation
import Testing
@testable import TSDB

/// A parsed sample as plain values, for assertions.
struct ExpoTestSample: CustomStringConvertible {
    var series: String
    var name: String
    var labels: [String: String]
    var value: Double
    var timestamp: Int64?
    var type: MetricFamilyType
    var kind: ExpositionSampleKind
    var family: String
    var exemplarValue: Double?
    var exemplarLabels: [String: String]?
    var exemplarTimestamp: Int64?
    var line: Int

    var description: String { "\(series) \(value) \(timestamp.map(String.init) ?? "-")" }

    /// Same name, labels, bit-identical value and timestamp.
    func sameSample(_ o: ExpoTestSample) -> Bool {
        name == o.name && labels == o.labels && value.bitPattern == o.value.bitPattern && timestamp == o.timestamp
    }
}

/// What a whole body parsed to: samples and metadata lines, or the first error.
struct ExpoTestResult {
    var samples: [ExpoTestSample] = []
    var helps: [(String, String)] = []
    var types: [(String, MetricFamilyType)] = []
    var units: [(String, String)] = []
    var error: ExpositionError? = nil
}

/// Parses a whole body into plain values.
func expoParse(_ bytes: [UInt8], _ format: ExpositionFormat, validation: OpenMetricsValidation = .strict) -> ExpoTestResult {
    var r = ExpoTestResult()
    bytes.withUnsafeBytes { buf in
        var parser = ExpositionParser(buf, format: format, validation: validation)
        do throws(ExpositionError) {
            while let e = try parser.next() {
                switch e {
                case .sample(let s):
                    var labels: [String: String] = [:]
                    for l in s.labels { labels[l.nameString] = l.value.string }
                    var exLabels: [String: String]? = nil
                    if let ex = s.exemplar {
                        var d: [String: String] = [:]
                        for l in ex.labels { d[l.nameString] = l.value.string }
                        exLabels = d
                    }
                    r.samples.append(ExpoTestSample(
                        series: String(decoding: s.series, as: UTF8.self), name: s.metricName, labels: labels,
                        value: s.value, timestamp: s.timestamp, type: s.familyType, kind: s.kind, family: s.familyName,
                        exemplarValue: s.exemplar?.value, exemplarLabels: exLabels, exemplarTimestamp: s.exemplar?.timestamp,
                        line: s.line))
                case .help(let f, let t): r.helps.append((f.string, t.string))
                case .type(let f, let t): r.types.append((f.string, t))
                case .unit(let f, let u): r.units.append((f.string, u.string))
                }
            }
        } catch {
            r.error = error
        }
    }
    return r
}

func expoParse(_ text: String, _ format: ExpositionFormat) -> ExpoTestResult { expoParse(Array(text.utf8), format) }

/// The shared conformance data: the nearest `shared/conformance` above this file, else /work/shared/conformance.
/// (In the main repo it is `<repo>/../shared/conformance`; in a scratch package further up.)
enum ExpoConformance {
    static let root: String = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let fm = FileManager.default
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/conformance").path
            if fm.fileExists(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "/work/shared/conformance"
    }()
    static var openMetricsSuite: String { root + "/exposition/openmetrics/parsers" }
    static var prometheusFiles: String { root + "/exposition/prometheus" }

    static func read(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    static func openMetricsCase(_ name: String) -> ExpoTestResult {
        expoParse(read(openMetricsSuite + "/" + name + "/metrics") ?? [], .openMetrics)
    }
}

@Suite("Exposition parser")
struct ExpositionParserTests {
    // MARK: - OpenMetrics conformance suite

    @Test("A series hint skips re-parsing identical label blocks and changes nothing else")
    func seriesHint() throws {
        let first = Array("m{a=\"x\",b=\"y\\\"z\"} 1\n".utf8)
        // Same series; then one whose text only starts like the hint; then a broken label block.
        let second = Array("m{a=\"x\",b=\"y\\\"z\"} 2 100\nm{a=\"x\",b=\"y\\\"z\",c=\"w\"} 3\nm{a=\"x\" 4\n".utf8)
        try first.withUnsafeBytes { f in
            var p1 = ExpositionParser(f, format: .prometheusText)
            let s1 = try #require(try p1.nextSample())
            #expect(s1.labelCount == 2 && s1.labelsHaveEscapes)
            let hint = ExpositionSeriesHint(bytes: s1.series, nameLength: s1.metricNameBytes.count, labelCount: s1.labelCount, labelsHaveEscapes: s1.labelsHaveEscapes, openMetrics: false)
            try second.withUnsafeBytes { b in
                var hinted = ExpositionParser(b, format: .prometheusText)
                var plain = ExpositionParser(b, format: .prometheusText)
                let h1 = try #require(try hinted.nextSample(hint: hint))
                let p1 = try #require(try plain.nextSample())
                #expect(hinted.lastSampleMatchedHint)
                #expect(h1.labelCount == p1.labelCount && h1.labelsHaveEscapes == p1.labelsHaveEscapes)
                #expect(Array(h1.series) == Array(p1.series) && h1.value == 2 && h1.timestamp == 100)
                #expect(try h1.makeLabels() == p1.makeLabels())
                let h2 = try #require(try hinted.nextSample(hint: hint))
                #expect(!hinted.lastSampleMatchedHint && h2.labelCount == 3 && h2.value == 3)
                // The hint never hides an error.
                #expect(throws: ExpositionError.self) { _ = try hinted.nextSample(hint: hint) }
            }
            // A hint from the other format is ignored.
            try second.withUnsafeBytes { b in
                var p = ExpositionParser(b, format: .prometheusText)
                let omHint = ExpositionSeriesHint(bytes: s1.series, nameLength: s1.metricNameBytes.count, labelCount: s1.labelCount, labelsHaveEscapes: true, openMetrics: true)
                _ = try p.nextSample(hint: omHint)
                #expect(!p.lastSampleMatchedHint)
            }
        }
    }

    @Test("OpenMetrics parser suite: valid cases parse, invalid ones are rejected")
    func openMetricsSuite() throws {
        let fm = FileManager.default
        let cases = try fm.contentsOfDirectory(atPath: ExpoConformance.openMetricsSuite).sorted()
        #expect(cases.count == 211)
        var passed = 0
        var failures: [String] = []
        for name in cases {
            let dir = ExpoConformance.openMetricsSuite + "/" + name
            guard let json = fm.contents(atPath: dir + "/test.json"),
                  let spec = try JSONSerialization.jsonObject(with: json) as? [String: Any],
                  let shouldParse = spec["shouldParse"] as? Bool,
                  let body = ExpoConformance.read(dir + "/metrics") else {
                failures.append("\(name): unreadable case")
                continue
            }
            let r = expoParse(body, .openMetrics)
            if shouldParse == (r.error == nil) {
                passed += 1
            } else {
                failures.append("\(name): expected \(shouldParse ? "to parse" : "an error"), got \(r.error.map { "\($0)" } ?? "success")")
            }
        }
        print("OpenMetrics suite: \(passed)/\(cases.count) passed")
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(passed == cases.count)
    }

    @Test("OpenMetrics suite: exact series and values of selected valid cases")
    func openMetricsSuiteValues() throws {
        let counter = ExpoConformance.openMetricsCase("simple_counter")
        #expect(counter.error == nil)
        #expect(counter.samples.count == 1)
        #expect(counter.samples.first?.series == "a_total")
        #expect(counter.samples.first?.value == 1)
        #expect(counter.samples.first?.type == .counter)
        #expect(counter.samples.first?.kind == .total)
        #expect(counter.samples.first?.family == "a")
        #expect(counter.types.first?.0 == "a" && counter.types.first?.1 == .counter)
        #expect(counter.helps.first?.1 == "help")

        let hist = ExpoConformance.openMetricsCase("simple_histogram")
        #expect(hist.samples.map(\.series) == ["a_bucket{le=\"1.0\"}", "a_bucket{le=\"+Inf\"}", "a_count", "a_sum"])
        #expect(hist.samples.map(\.value) == [0, 3, 3, 2])
        #expect(hist.samples.map(\.kind) == [.bucket, .bucket, .count, .sum])
        #expect(hist.samples.allSatisfy { $0.type == .histogram && $0.family == "a" })

        let escaping = ExpoConformance.openMetricsCase("escaping")
        #expect(escaping.samples.map { $0.labels["foo"] ?? "?" } == ["b\"a\nr", "b\\a\\z", "b\"a\nr # ", "b\\a\\z # "])
        #expect(escaping.helps.first?.1 == "he\n\\l\\tp")

        let labelEscaping = ExpoConformance.openMetricsCase("label_escaping")
        #expect(labelEscaping.samples.count == 10)
        #expect(labelEscaping.samples.last?.labels == ["foo": "\\\"", "bar": "baz"])
        #expect(labelEscaping.samples[7].labels["foo"] == "\\\n")

        let timestamps = ExpoConformance.openMetricsCase("timestamps")
        #expect(timestamps.samples.map(\.timestamp) == [0, 0, 1100, Int64.max, 1_500_000, 1_234_567_890_000])

        let infinite = ExpoConformance.openMetricsCase("labels_and_infinite")
        #expect(infinite.samples.map(\.value) == [.infinity, -.infinity])
        #expect(infinite.samples.map(\.series) == ["a{foo=\"bar\"}", "a{foo=\"baz\"}"])

        let nan = ExpoConformance.openMetricsCase("nan")
        #expect(nan.samples.count == 1 && nan.samples[0].value.isNaN && nan.samples[0].type == .unknown)

        let big = ExpoConformance.openMetricsCase("uint64_counter")
        #expect(big.samples.first?.value == 9_223_372_036_854_775_808.0)

        let exemplars = ExpoConformance.openMetricsCase("counter_exemplars")
        #expect(exemplars.samples.first?.timestamp == 123_000)
        #expect(exemplars.samples.first?.exemplarValue == 0.5)
        #expect(exemplars.samples.first?.exemplarLabels == ["a": "b"])

        let histEx = ExpoConformance.openMetricsCase("histogram_exemplars")
        #expect(histEx.samples.last?.exemplarValue == 4)
        #expect(histEx.samples.last?.exemplarTimestamp == 123_000)

        let unit = ExpoConformance.openMetricsCase("counter_unit")
        #expect(unit.units.first?.0 == "cc_seconds" && unit.units.first?.1 == "seconds")
        #expect(unit.samples.map(\.kind) == [.total, .created])
        #expect(unit.samples.last?.value == 123.456)

        let roundtrip = ExpoConformance.openMetricsCase("roundtrip")
        #expect(roundtrip.error == nil)
        #expect(roundtrip.samples.count == 40)
        #expect(roundtrip.samples.first?.value == 0.013300656000000001)
        #expect(roundtrip.samples.first?.kind == .quantile)
        #expect(roundtrip.samples.first(where: { $0.name == "foo_created" })?.value == 1.520430000123e+09)

        let help = ExpoConformance.openMetricsCase("help_escaping")
        #expect(help.helps.map(\.1) == ["foo", "\\foo", "\\foo", "foo\\", "\\", "\n", "\\n", "\\\n", "\"", "\\\""])

        let nullByte = ExpoConformance.openMetricsCase("null_byte")
        #expect(nullByte.helps.first?.1 == "he\u{0}lp")
    }

    // MARK: - Prometheus sample files

    @Test("Prometheus textparse files: sample counts, types and kinds as counted independently")
    func prometheusTextparseFiles() throws {
        let dir = ExpoConformance.prometheusFiles + "/textparse/"
        let all = expoParse(try #require(ExpoConformance.read(dir + "alltypes.237mfs.prom.txt")), .prometheusText)
        #expect(all.error == nil)
        #expect(all.samples.count == 1857)
        #expect(all.types.count == 237)
        #expect(all.helps.count == 237)
        #expect(all.samples.filter { $0.type == .counter }.count == 319)
        #expect(all.samples.filter { $0.type == .gauge }.count == 193)
        #expect(all.samples.filter { $0.type == .histogram }.count == 1209)
        #expect(all.samples.filter { $0.type == .summary }.count == 136)
        #expect(all.samples.filter { $0.kind == .bucket }.count == 999)
        #expect(all.samples.allSatisfy { $0.timestamp == nil })
        let spaced = all.samples.first { $0.labels["rule_group"]?.contains("ansible managed alert rules") == true }
        #expect(spaced != nil)

        let nometa = expoParse(try #require(ExpoConformance.read(dir + "alltypes.237mfs.nometa.prom.txt")), .prometheusText)
        #expect(nometa.error == nil)
        #expect(nometa.samples.count == 1857)
        #expect(nometa.samples.allSatisfy { $0.type == .untyped })
        // Same samples with or without metadata.
        #expect(zip(all.samples, nometa.samples).allSatisfy { $0.sameSample($1) })

        // client_golang output: a histogram with negative buckets and a negative _sum, negative quantiles.
        // OpenMetrics 1.0 forbids these (the suite's bad_counter_values_8/9), Prometheus ingests them.
        let fiveBytes = try #require(ExpoConformance.read(dir + "alltypes.5mfs.om.txt"))
        #expect(expoParse(fiveBytes, .openMetrics).error?.line == 33)
        let five = expoParse(fiveBytes, .openMetrics, validation: .compatible)
        #expect(five.error == nil)
        #expect(five.samples.count == 53)
        #expect(five.samples.filter { $0.exemplarValue != nil }.count == 6)
        #expect(five.samples.filter { $0.kind == .created }.count == 9)
        #expect(five.samples.filter { $0.type == .histogram }.count == 24)
        #expect(five.samples.filter { $0.type == .summary }.count == 18)
        #expect(five.samples.filter { $0.type == .counter }.count == 10)
        let ex = five.samples.first { $0.exemplarLabels?["dummyID"] == "17783" }
        #expect(ex?.exemplarValue == -0.0003825067330956884)
        #expect(ex?.exemplarTimestamp == 1_726_839_814_223)

        let one = expoParse(try #require(ExpoConformance.read(dir + "1histogram.om.txt")), .openMetrics)
        #expect(one.error == nil)
        #expect(one.samples.count == 42)
        #expect(one.samples.filter { $0.kind == .bucket }.count == 36)

        // The OpenMetrics file is not Prometheus text 0.0.4: exemplars have no place there.
        let fiveAsText = expoParse(try #require(ExpoConformance.read(dir + "alltypes.5mfs.om.txt")), .prometheusText)
        #expect(fiveAsText.error != nil, "exemplars are not Prometheus text")
    }

    @Test("promtool files: text dumps parse, OpenMetrics dumps parse as OpenMetrics, JSON series dumps are rejected")
    func promtoolFiles() throws {
        let dir = ExpoConformance.prometheusFiles + "/promtool/"
        let metrics = expoParse(try #require(ExpoConformance.read(dir + "metrics-test.prom")), .prometheusText)
        #expect(metrics.error == nil)
        #expect(metrics.samples.count == 27)
        #expect(metrics.types.count == 4)

        for (file, count) in [("dump-test-1.prom", 15), ("dump-test-2.prom", 10), ("dump-test-3.prom", 2)] {
            let r = expoParse(try #require(ExpoConformance.read(dir + file)), .prometheusText)
            #expect(r.error == nil, "\(file): \(String(describing: r.error))")
            #expect(r.samples.count == count, "\(file)")
            #expect(r.samples.allSatisfy { $0.timestamp != nil && !$0.name.isEmpty }, "\(file)")
        }
        let dump1 = expoParse(try #require(ExpoConformance.read(dir + "dump-test-1.prom")), .prometheusText)
        #expect(dump1.samples.first?.name == "heavy_metric")
        #expect(dump1.samples.first?.timestamp == 0)
        #expect(dump1.samples[1].timestamp == 60000)

        for (file, count) in [("dump-openmetrics-test.prom", 10), ("dump-openmetrics-roundtrip-test.prom", 14)] {
            let r = expoParse(try #require(ExpoConformance.read(dir + file)), .openMetrics)
            #expect(r.error == nil, "\(file): \(String(describing: r.error))")
            #expect(r.samples.count == count, "\(file)")
        }
        let rt = expoParse(try #require(ExpoConformance.read(dir + "dump-openmetrics-roundtrip-test.prom")), .openMetrics)
        #expect(rt.samples.first?.timestamp == 1_700_215_884_373)
        #expect(rt.samples.first?.value == 1.0267820369e+10)

        // dump-series-N are JSON objects, one per line, not exposition text.
        for file in ["dump-series-1.prom", "dump-series-2.prom", "dump-series-3.prom"] {
            let r = expoParse(try #require(ExpoConformance.read(dir + file)), .prometheusText)
            #expect(r.error?.line == 1, "\(file)")
        }
    }

    @Test("Prometheus files suite: every exposition file parses, in its format; prints the pass count")
    func everyPrometheusFileParses() throws {
        let root = ExpoConformance.prometheusFiles
        let files = (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".txt") || $0.hasSuffix(".prom") }
            // dump-series-N hold JSON objects (promtool's series dumps), not exposition text.
            .filter { !$0.contains("dump-series-") }
            .sorted()
        #expect(files.count >= 10, "\(files)")
        var passed = 0
        for f in files {
            let format: ExpositionFormat = f.contains(".om.") || f.contains("openmetrics") ? .openMetrics : .prometheusText
            // As a scrape parses them: client_golang's negative histogram sums are accepted.
            let r = expoParse(try #require(ExpoConformance.read(root + "/" + f)), format, validation: .compatible)
            #expect(r.error == nil, "\(f): \(String(describing: r.error))")
            #expect(!r.samples.isEmpty, "\(f)")
            if r.error == nil && !r.samples.isEmpty { passed += 1 }
        }
        print("Prometheus files suite: \(passed)/\(files.count) parsed")
    }

    // MARK: - Prometheus text leniency

    @Test("Prometheus text: blanks, comments, blank lines, trailing commas, Go float spellings")
    func prometheusLenient() throws {
        let body = """
            # a comment
            # HELP up  Whether the target is up.\\nSecond line \\\\ and \\"quotes\\"
            # TYPE up gauge

            up{job="node" , instance = "a:1",} 1 1700000000000
            \tup{job="x"}   0\t-5
            foo 0x1p-3
            foo_a +Inf
            foo_b -inf
            foo_c nan
            foo_d 1e3 +12
            foo_e .5
            foo_f 5.
            {__name__="bar",x="y"} 2
            last 3
            """
        let r = expoParse(body, .prometheusText)
        #expect(r.error == nil, "\(String(describing: r.error))")
        #expect(r.samples.count == 11)
        #expect(r.helps.first?.0 == "up")
        #expect(r.helps.first?.1 == " Whether the target is up.\nSecond line \\ and \\\"quotes\\\"")
        #expect(r.samples[0].labels == ["job": "node", "instance": "a:1"])
        #expect(r.samples[0].timestamp == 1_700_000_000_000)
        #expect(r.samples[0].type == .gauge)
        #expect(r.samples[1].timestamp == -5)
        #expect(r.samples[2].value == 0.125)
        #expect(r.samples[2].type == .untyped)
        #expect(r.samples[3].value == .infinity)
        #expect(r.samples[4].value == -.infinity)
        #expect(r.samples[5].value.isNaN)
        #expect(r.samples[6].value == 1000 && r.samples[6].timestamp == 12)
        #expect(r.samples[7].value == 0.5)
        #expect(r.samples[8].value == 5)
        #expect(r.samples[9].name == "bar" && r.samples[9].series == "{__name__=\"bar\",x=\"y\"}")
        #expect(r.samples[10].name == "last" && r.samples[10].value == 3)
        #expect(r.samples[10].line == 15)
    }

    @Test("Prometheus text: family types and sample kinds follow # TYPE")
    func prometheusFamilies() {
        let body = """
            # TYPE rpc summary
            rpc{quantile="0.5"} 1
            rpc_sum 2
            rpc_count 3
            # TYPE h histogram
            h_bucket{le="1"} 1
            h_bucket{le="+Inf"} 2
            h_sum 3
            h_count 2
            h 9
            # TYPE c_total counter
            c_total 5
            # TYPE d counter
            d_total 6

            """
        let r = expoParse(body, .prometheusText)
        #expect(r.error == nil)
        #expect(r.samples.map(\.kind) == [.quantile, .sum, .count, .bucket, .bucket, .sum, .count, .value, .value, .total])
        #expect(r.samples.map(\.type) == [.summary, .summary, .summary, .histogram, .histogram, .histogram, .histogram, .untyped, .counter, .counter])
        #expect(r.samples.map(\.family) == ["rpc", "rpc", "rpc", "h", "h", "h", "h", "h", "c_total", "d"])
    }

    @Test("raw series bytes are the name and label block exactly as written")
    func rawSeriesBytes() {
        let r = expoParse("a{b=\"c\",d=\"e\\\\f\"} 1\nxyz 2\nq{} 3\n", .prometheusText)
        #expect(r.samples.map(\.series) == ["a{b=\"c\",d=\"e\\\\f\"}", "xyz", "q{}"])
        #expect(r.samples[0].labels["d"] == "e\\f")
    }

    @Test("makeLabels builds validated Labels with __name__")
    func makeLabels() throws {
        let text = "m{b=\"2\",a=\"x\\ny\",empty=\"\"} 1\n{__name__=\"n\",z=\"1\"} 2\nm{__name__=\"x\"} 3\n{z=\"1\"} 4\n"
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { buf in
            var p = ExpositionParser(buf, format: .prometheusText)
            let s1 = try #require(try p.nextSample())
            let l1 = try s1.makeLabels()
            #expect(l1 == L2(["__name__": "m", "a": "x\ny", "b": "2"]))
            #expect(s1.labelCount == 3)
            #expect(s1.labelsHaveEscapes)
            let s2 = try #require(try p.nextSample())
            #expect(try s2.makeLabels() == L2(["__name__": "n", "z": "1"]))
            #expect(s2.metricName == "n")
            let s3 = try #require(try p.nextSample())
            #expect(throws: ExpositionError.self) { try s3.makeLabels() }
            let s4 = try #require(try p.nextSample())
            #expect(throws: ExpositionError(line: 4, "series \"{z=\"1\"}\" has no metric name")) { try s4.makeLabels() }
        }
        let invalidUTF8: [UInt8] = Array("m{a=\"".utf8) + [0xff, 0xfe] + Array("\"} 1\n".utf8)
        try invalidUTF8.withUnsafeBytes { buf in
            var p = ExpositionParser(buf, format: .prometheusText)
            let s = try #require(try p.nextSample())
            #expect(throws: ExpositionError(line: 1, "value of label \"a\" is not valid UTF-8")) { try s.makeLabels() }
        }
    }

    // MARK: - Error messages

    @Test("errors name the line and what is wrong")
    func errorMessages() {
        func err(_ body: String, _ format: ExpositionFormat = .prometheusText) -> String {
            expoParse(body, format).error.map { "\($0)" } ?? "no error"
        }
        #expect(err("a 1\nb 2\nup{job\"x\"} 1\n") == "line 3: expected '=' after label name \"job\", got '\"'")
        #expect(err("up{job=x} 1\n") == "line 1: expected '\"' to open the value of label \"job\", got 'x'")
        #expect(err("up{job=\"x} 1\n") == "line 1: unterminated value of label \"job\": missing closing '\"'")
        #expect(err("up{job=\"x\" a=\"b\"} 1\n", .openMetrics) == "line 1: expected ',' or '}' after the value of label \"job\", got a space")
        #expect(err("up{1=\"x\"} 1\n") == "line 1: expected a label name, got '1'")
        #expect(err("# comment\nup{a=\"1\",a=\"2\"} 1\n") == "line 2: duplicate label name \"a\"")
        #expect(err("up 1 2 3\n") == "line 1: expected the end of the line, got '3'")
        #expect(err("up abc\n") == "line 1: invalid value \"abc\"")
        #expect(err("up 1 1.5\n") == "line 1: invalid timestamp \"1.5\" (expected integer milliseconds)")
        #expect(err("up\n") == "line 1: expected a space and a value after \"up\", got end of line")
        #expect(err("a.b 1\n") == "line 1: expected '{' or a space after metric name \"a\", got '.'")
        #expect(err("0a 1\n") == "line 1: expected a metric name or '#' at the start of the line, got '0'")
        #expect(err("# TYPE a gaugehistogram\n") == "line 1: invalid metric type \"gaugehistogram\" for \"a\" (expected counter, gauge, histogram, summary or untyped)")
        #expect(err("a 1\n", .openMetrics) == "line 2: missing \"# EOF\" at the end of the OpenMetrics body")
        #expect(err("a 1\n\n# EOF\n", .openMetrics) == "line 2: blank lines are not allowed in OpenMetrics")
        #expect(err("a 1\n# EOF\nb 1\n", .openMetrics) == "line 3: text after \"# EOF\"")
        #expect(err("# TYPE a counter\na_total -1\n# EOF\n", .openMetrics) == "line 2: value of \"a_total\" cannot be negative (counter)")
        #expect(err("# TYPE a gauge\na 1\n# HELP a x\n# EOF\n", .openMetrics) == "line 3: # HELP for \"a\" after its samples; metadata must come first")
        #expect(err("# TYPE a histogram\na_bucket{le=\"1\"} 0\n# EOF\n", .openMetrics) == "line 3: histogram \"a\" has no le=\"+Inf\" bucket as its last bucket")
        #expect(err("# TYPE a histogram\na_bucket{le=\"2\"} 0\na_bucket{le=\"1\"} 0\n# EOF\n", .openMetrics) == "line 3: buckets of \"a\" are not in increasing \"le\" order")
        #expect(err("a 1\nb 1\na 1\n# EOF\n", .openMetrics) == "line 3: metric family \"a\" appears again or clashes with a name of an earlier family (a family's lines must be together and names unique)")
        #expect(err("# UNIT a seconds\n# EOF\n", .openMetrics) == "line 1: unit \"seconds\" does not match metric name \"a\": the name must end in \"_seconds\"")
        #expect(err("a 1 1\na 1 0\n# EOF\n", .openMetrics) == "line 2: timestamp of \"a\" goes backwards")
        #expect(err("# TYPE a gauge\na 1 # {x=\"y\"} 1\n# EOF\n", .openMetrics) == "line 2: exemplar on \"a\": only counter _total and histogram _bucket samples can have exemplars")
        #expect(err("# TYPE a counter\na_total 1 # {x=\"y\"} 1 NaN\n# EOF\n", .openMetrics) == "line 2: invalid exemplar timestamp \"NaN\"")
        #expect(err("a  1\n# EOF\n", .openMetrics) == "line 1: expected a value after \"a\", got a space")
        #expect(err("# FOO a x\n# EOF\n", .openMetrics).hasPrefix("line 1: invalid line \"# FOO a x\""))
    }

    @Test("every byte at every position of names and label values is classified right (8-byte scanning)")
    func byteClassesAtEveryPosition() {
        for b in 0...255 {
            let byte = UInt8(b)
            let isNameByte = (byte >= 0x61 && byte <= 0x7a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5f
            for position in 1..<19 {
                // In a metric name.
                var name = Array("abcdefghijklmnopqrstuvw".utf8)
                name[position] = byte
                let line = name + Array(" 1\n".utf8)
                let r = expoParse(line, .prometheusText)
                if isNameByte || byte == 0x3a {
                    #expect(r.samples.first?.name.utf8.count == name.count, "byte \(b) at \(position)")
                } else {
                    #expect(r.samples.first?.name.utf8.count != name.count, "byte \(b) at \(position)")
                }
                // In a label name.
                var label = Array("abcdefghijklmnopqrstuvw".utf8)
                label[position] = byte
                let labeled = Array("m{".utf8) + label + Array("=\"v\"} 1\n".utf8)
                let lr = expoParse(labeled, .openMetrics)
                if isNameByte {
                    #expect(lr.error?.message.contains("EOF") == true, "byte \(b) at \(position): \(String(describing: lr.error))")
                } else {
                    #expect(lr.error?.message.contains("EOF") != true, "byte \(b) at \(position)")
                }
                // In a label value: only `"`, backslash and newline are special.
                var value = Array("abcdefghijklmnopqrstuvw".utf8)
                value[position] = byte
                let valued = Array("m{a=\"".utf8) + value + Array("\"} 1\n".utf8)
                let vr = expoParse(valued, .prometheusText)
                if byte == 0x22 || byte == 0x0a || byte == 0x5c {
                    #expect(vr.samples.first?.labels["a"]?.utf8.count != value.count || byte == 0x5c, "byte \(b) at \(position)")
                } else {
                    #expect(vr.error == nil, "byte \(b) at \(position)")
                    bytesEqual(vr.samples.first.map { Array($0.series.utf8) } ?? [], Array("m{a=\"".utf8) + value + Array("\"}".utf8), "byte \(b) at \(position)")
                }
            }
        }
    }

    private func bytesEqual(_ a: [UInt8], _ b: [UInt8], _ note: String) {
        if a != b && !(String(decoding: a, as: UTF8.self) == String(decoding: b, as: UTF8.self)) { Issue.record("\(note): \(a) != \(b)") }
    }

    // MARK: - Numbers

    @Test("float values round-trip bit-exactly and agree with the standard library")
    func floatParsing() {
        var rng = ExpoRandom(seed: 42)
        func parse(_ s: String, hex: Bool = true) -> Double? {
            let b = Array(s.utf8)
            return b.withUnsafeBufferPointer { p in
                p.baseAddress.flatMap { ExpositionNumberParser.parseFloat($0, 0, b.count, allowHex: hex) }
            }
        }
        for _ in 0..<20000 {
            let d = Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF)
            #expect(parse(d.description)?.bitPattern == d.bitPattern, "\(d)")
            let small = Double(rng.next() % 100_000_000) / Double([1, 10, 100, 1000, 1e6, 1e9][Int(rng.next() % 6)])
            #expect(parse(small.description)?.bitPattern == small.bitPattern, "\(small)")
            // Random decimal strings with up to 25 digits and exponents: same as the standard library.
            let digits = String((0..<Int(1 + rng.next() % 25)).map { _ in Character(String(rng.next() % 10)) })
            let cut = Int(rng.next() % UInt64(digits.count + 1))
            var s = String(digits.prefix(cut)) + "." + String(digits.dropFirst(cut))
            if s == "." { s = "0" }
            if rng.next() % 3 == 0 { s += "e\(Int(rng.next() % 80) - 40)" }
            #expect(parse(s)?.bitPattern == Double(s)?.bitPattern, "\(s)")
        }
        #expect(parse("0.1") == 0.1)
        #expect(parse("-0")?.sign == .minus)
        #expect(parse("1_2") == nil)
        #expect(parse("1.2.3") == nil)
        #expect(parse("0x1p-3", hex: false) == nil)
        #expect(parse("0x1") == nil)
        #expect(parse("+nan") == nil)
        #expect(parse("Infinity") == .infinity)
        #expect(parse("-INF") == -.infinity)
        #expect(parse("e5") == nil)
        #expect(parse("1e") == nil)
        #expect(parse(".") == nil)
        #expect(parse("") == nil)
        #expect(parse("1e400") == .infinity)
        #expect(parse("1e-400") == 0)
        #expect(parse("0000000000000000000000000000000000000000001.2e-1") == 0.12)
        #expect(parse("9007199254740993") == 9007199254740992)
        #expect(parse("179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368") == .greatestFiniteMagnitude)
    }

    @Test("OpenMetrics timestamps convert exactly to milliseconds")
    func openMetricsTimestamps() {
        func ms(_ s: String) -> Int64? {
            let b = Array(s.utf8)
            return b.withUnsafeBufferPointer { p in
                p.baseAddress.flatMap { ExpositionNumberParser.parseSecondsTimestamp($0, 0, b.count)?.ms }
            }
        }
        #expect(ms("1.005") == 1005)
        #expect(ms("1700000000.123") == 1_700_000_000_123)
        #expect(ms("1700000000.1239") == 1_700_000_000_123)
        #expect(ms("-0.5") == -500)
        #expect(ms("-1.0005") == -1000)
        #expect(ms("1.5e3") == 1_500_000)
        #expect(ms("15e-4") == 1)
        #expect(ms(".5") == 500)
        #expect(ms("5.") == 5000)
        #expect(ms("1e100") == Int64.max)
        #expect(ms("-1e100") == Int64.min)
        #expect(ms("0e100000000") == 0)
        #expect(ms("NaN") == nil)
        #expect(ms("Inf") == nil)
        #expect(ms("1.1.1") == nil)
        #expect(ms("0x1p-3") == nil)
        #expect(ms("") == nil)
    }

    // MARK: - Robustness

    @Test("random truncations and mutations of valid bodies never crash")
    func fuzzRobustness() throws {
        var inputs: [[UInt8]] = []
        let fm = FileManager.default
        for name in try fm.contentsOfDirectory(atPath: ExpoConformance.openMetricsSuite).sorted() where !name.hasPrefix("bad_") {
            if let b = ExpoConformance.read(ExpoConformance.openMetricsSuite + "/" + name + "/metrics") { inputs.append(b) }
        }
        if let b = ExpoConformance.read(ExpoConformance.prometheusFiles + "/textparse/alltypes.5mfs.om.txt") { inputs.append(b) }
        if let b = ExpoConformance.read(ExpoConformance.prometheusFiles + "/promtool/metrics-test.prom") { inputs.append(b) }
        #expect(inputs.count > 40)
        var rng = ExpoRandom(seed: 7)
        let specials: [UInt8] = Array("{}=\",# \n\\\t.+-eE0123456789aInfNa_:".utf8) + [0, 0xff, 0xc3]
        var parsedSomething = 0
        for round in 0..<6000 {
            var b = inputs[Int(rng.next() % UInt64(inputs.count))]
            switch round % 4 {
            case 0:
                b = Array(b.prefix(Int(rng.next() % UInt64(b.count + 1))))
            case 1:
                for _ in 0..<(1 + rng.next() % 4) where !b.isEmpty {
                    b[Int(rng.next() % UInt64(b.count))] = specials[Int(rng.next() % UInt64(specials.count))]
                }
            case 2:
                if !b.isEmpty {
                    let at = Int(rng.next() % UInt64(b.count))
                    if rng.next() % 2 == 0 { b.remove(at: at) } else { b.insert(specials[Int(rng.next() % UInt64(specials.count))], at: at) }
                }
            default:
                let a = Int(rng.next() % UInt64(b.count + 1)), c = Int(rng.next() % UInt64(b.count + 1))
                b = Array(b[min(a, c)..<max(a, c)])
            }
            for format in [ExpositionFormat.openMetrics, .prometheusText] {
                let r = expoParse(b, format)
                parsedSomething += r.samples.count
                if let e = r.error { #expect(e.line >= 1 && !e.message.isEmpty) }
                // Materialising every sample must not crash either.
                b.withUnsafeBytes { buf in
                    var p = ExpositionParser(buf, format: format)
                    while let s = try? p.nextSample() { _ = try? s.makeLabels(); _ = s.exemplar.map { try? $0.makeLabelPairs(line: s.line) } }
                }
            }
        }
        #expect(parsedSomething > 0)
        // Empty and tiny bodies.
        #expect(expoParse([], .prometheusText).error == nil)
        #expect(expoParse([], .openMetrics).error?.line == 1)
        #expect(expoParse(Array("# EOF".utf8), .openMetrics).error == nil)
    }
}

/// Labels from a literal (test input is valid).
private func L2(_ d: [String: String]) -> Labels {
    do { return try Labels(d) } catch { fatalError("bad test labels \(d): \(error)") }
}

/// The shared seeded generator (TestSupport).
typealias ExpoRandom = SeededRandom
