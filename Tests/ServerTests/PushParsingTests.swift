import CZlib
import Foundation
import Testing
import TSDB
@testable import Server

@Suite struct PushParsingTests {
    @Test func pushgatewayGroupingLabels() throws {
        let g = try PushgatewayRoute.groupingLabels(path: "/metrics/job/backup/instance/db-1/path@base64/L3Zhci90bXA")
        #expect(g.pairs == [Label(name: "instance", value: "db-1"), Label(name: "job", value: "backup"), Label(name: "path", value: "/var/tmp")])
        #expect(throws: (any Error).self) { try PushgatewayRoute.groupingLabels(path: "/metrics/job/x/onlyname") }
        #expect(throws: (any Error).self) { try PushgatewayRoute.groupingLabels(path: "/metrics/job/x/bad-name/v") }
        #expect(throws: (any Error).self) { try PushgatewayRoute.groupingLabels(path: "/metrics/job//a/b") }
    }

    @Test func seriesSelectors() throws {
        let m = try SeriesSelector.parse(#"up{job="node", instance=~"a.*",x!="",y!~'b'}"#)
        #expect(m.map(\.description) == [#"__name__="up""#, #"job="node""#, #"instance=~"a.*""#, #"x!="""#, #"y!~"b""#])
        #expect(throws: (any Error).self) { try SeriesSelector.parse(#"{job=""}"#) }
        #expect(throws: (any Error).self) { try SeriesSelector.parse(#"up{job="x""#) }
        #expect(throws: (any Error).self) { try SeriesSelector.parse("up junk") }
    }

    @Test func gzipRoundTripAndLimits() throws {
        let input = Array(String(repeating: "node_cpu_seconds_total{cpu=\"0\"} 1\n", count: 1000).utf8)
        var compressed = [UInt8](repeating: 0, count: input.count + 128)
        var n = uLongf(compressed.count)
        #expect(compress2(&compressed, &n, input, uLong(input.count), 6) == Z_OK)
        compressed.removeLast(compressed.count - Int(n))
        let out = try compressed.withUnsafeBytes { try Gzip.decompress($0, limit: 1 << 20) }
        #expect(out == input)
        #expect(throws: Gzip.Error.self) { _ = try compressed.withUnsafeBytes { try Gzip.decompress($0, limit: 1000) } }
        #expect(throws: Gzip.Error.self) { _ = try input.withUnsafeBytes { try Gzip.decompress($0, limit: 1 << 20) } }
        #expect(throws: Gzip.Error.self) { _ = try Array(compressed.prefix(20)).withUnsafeBytes { try Gzip.decompress($0, limit: 1 << 20) } }
    }
}
