import Testing
@testable import TSDB

@Suite struct ExpositionMetadataScannerTests {
    func scan(_ text: String, _ format: ExpositionFormat = .prometheusText) -> [String: MetricMetadata] {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { ExpositionMetadataScanner.scan(UnsafeRawBufferPointer($0), format: format) }
    }

    @Test func readsHelpTypeAndUnitAndSkipsSamplesAndComments() {
        let md = scan("""
            # A plain comment
            # HELP http_requests_total Requests served, with a backslash \\\\ and a\\nnewline.
            # TYPE http_requests_total counter
            http_requests_total{code="200"} 3
            # TYPE temp gauge
            temp 1
            # HELP   spaced    Leading blanks trimmed.
            # TYPE plain untyped
            plain 2
            # TYPE hist histogram
            """)
        #expect(md["http_requests_total"] == MetricMetadata(type: "counter", help: "Requests served, with a backslash \\ and a\nnewline."))
        #expect(md["temp"] == MetricMetadata(type: "gauge"))
        #expect(md["spaced"]?.help == "Leading blanks trimmed.")
        // Prometheus reports untyped families as unknown.
        #expect(md["plain"]?.type == "unknown")
        #expect(md["hist"]?.type == "histogram")
        #expect(md.count == 5)
    }

    @Test func openMetricsUnitsTypesAndEscapedQuotes() {
        let md = scan("""
            # TYPE build info
            # HELP build Build \\"facts\\".
            build_info{v="1"} 1
            # TYPE req_seconds gaugehistogram
            # UNIT req_seconds seconds
            # EOF

            """, .openMetrics)
        #expect(md["build"] == MetricMetadata(type: "info", help: "Build \"facts\"."))
        #expect(md["req_seconds"] == MetricMetadata(type: "gaugehistogram", unit: "seconds"))
        // OpenMetrics-only types are not types in the Prometheus text format.
        #expect(scan("# TYPE x info\n")["x"]?.type == "unknown")
    }

    @Test func malformedLinesAndEmptyBodiesYieldNothing() {
        #expect(scan("").isEmpty)
        #expect(scan("# HELP\n# TYPE \n#\n").isEmpty)
        #expect(scan("# HELP x").first?.value.help == "")
    }
}
