#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Type, help and unit of a metric family as an exposition declared them, in the spelling of
/// Prometheus' `/api/v1/metadata` (`untyped` is reported as `unknown`, as Prometheus does).
public struct MetricMetadata: Sendable, Hashable {
    /// `counter`, `gauge`, `histogram`, `gaugehistogram`, `summary`, `info`, `stateset` or `unknown`.
    public var type: String
    /// The `# HELP` text, unescaped.
    public var help: String
    /// The `# UNIT` (OpenMetrics), else empty.
    public var unit: String

    /// Metadata with the given fields.
    public init(type: String = "unknown", help: String = "", unit: String = "") {
        self.type = type; self.help = help; self.unit = unit
    }
}

/// Reads the `# HELP`, `# TYPE` and `# UNIT` lines of an exposition body without parsing its
/// samples: one pass that only looks at the first byte of each sample line, so the scrape loop
/// can refresh a target's metadata cheaply.
public enum ExpositionMetadataScanner {
    /// The families declared in `body`, by family name. Malformed metadata lines are skipped
    /// (the sample parser is the one that reports errors).
    public static func scan(_ body: UnsafeRawBufferPointer, format: ExpositionFormat) -> [String: MetricMetadata] {
        var out: [String: MetricMetadata] = [:]
        guard let base = body.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return out }
        let end = body.count
        let om = format == .openMetrics
        var pos = 0
        while pos < end {
            // memchr: sample lines are skipped at memory speed.
            let lineEnd = memchr(base + pos, 0x0a, end - pos).map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? end
            if base[pos] == UInt8(ascii: "#") {
                scanLine(UnsafeBufferPointer(start: base + pos + 1, count: lineEnd - pos - 1), openMetrics: om, into: &out)
            }
            pos = lineEnd + 1
        }
        return out
    }

    /// One comment line after its `#`: ` HELP name text`, ` TYPE name type` or ` UNIT name unit`.
    static func scanLine(_ line: UnsafeBufferPointer<UInt8>, openMetrics: Bool, into out: inout [String: MetricMetadata]) {
        var i = 0
        func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        while i < line.count && isBlank(line[i]) { i += 1 }
        let kwStart = i
        while i < line.count && !isBlank(line[i]) { i += 1 }
        let keyword = String(decoding: UnsafeBufferPointer(rebasing: line[kwStart..<i]), as: UTF8.self)
        guard keyword == "HELP" || keyword == "TYPE" || keyword == "UNIT" else { return }
        while i < line.count && isBlank(line[i]) { i += 1 }
        let nameStart = i
        while i < line.count && !isBlank(line[i]) && line[i] != 0x0d { i += 1 }
        guard i > nameStart else { return }
        let name = String(decoding: UnsafeBufferPointer(rebasing: line[nameStart..<i]), as: UTF8.self)
        // One separator blank; the text keeps any further leading blanks (Prometheus text trims them).
        if i < line.count && isBlank(line[i]) { i += 1 }
        if !openMetrics { while i < line.count && isBlank(line[i]) { i += 1 } }
        var textEnd = line.count
        if textEnd > i && line[textEnd - 1] == 0x0d { textEnd -= 1 }
        let raw = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: line[i..<max(i, textEnd)]))
        var entry = out[name] ?? MetricMetadata()
        switch keyword {
        case "HELP":
            // The parser's own unescaping rules for each format.
            entry.help = ExpositionText(raw: raw, escaping: openMetrics ? .openMetricsHelp : .prometheusHelp).string
        case "UNIT": entry.unit = String(decoding: raw, as: UTF8.self)
        default:
            var lo = 0, hi = raw.count
            while lo < hi && (raw[lo] == 0x20 || raw[lo] == 0x09) { lo += 1 }
            while hi > lo && (raw[hi - 1] == 0x20 || raw[hi - 1] == 0x09) { hi -= 1 }
            let type = MetricFamilyType.parse(UnsafeRawBufferPointer(rebasing: raw[lo..<hi]),
                                              format: openMetrics ? .openMetrics : .prometheusText)
            // Prometheus reports untyped (and unparsable) families as unknown.
            entry.type = type.map { $0 == .untyped ? "unknown" : $0.description } ?? "unknown"
        }
        out[name] = entry
    }
}
