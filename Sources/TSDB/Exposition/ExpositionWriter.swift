/// Writes the Prometheus text format 0.0.4 (for `/metrics` and `/federate`): `# HELP` and `# TYPE` lines,
/// sample lines with escaped label values, values formatted as Prometheus does, optional millisecond timestamps.
///
/// Names are written as given; callers pass valid metric and label names. Every NaN, the stale marker
/// included, is written as `NaN`, so callers leave stale markers out (as Prometheus' `/federate` does).
public struct ExpositionWriter {
    /// The body written so far.
    public private(set) var bytes: [UInt8] = []

    /// An empty body with room for `capacity` bytes.
    public init(reservingCapacity capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// The body as a `String`.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// `# HELP family text`, with `\` and newlines escaped.
    public mutating func writeHelp(_ family: String, _ text: String) {
        bytes.append(contentsOf: "# HELP ".utf8)
        bytes.append(contentsOf: family.utf8)
        bytes.append(UInt8(ascii: " "))
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case 0x0a: bytes.append(contentsOf: "\\n".utf8)
            default: bytes.append(b)
            }
        }
        bytes.append(0x0a)
    }

    /// `# TYPE family type`. OpenMetrics-only types are written as their 0.0.4 equivalents: unknown as
    /// untyped, info and stateset as gauge, gaugehistogram as histogram.
    public mutating func writeType(_ family: String, _ type: MetricFamilyType) {
        let keyword: String
        switch type {
        case .untyped, .unknown: keyword = "untyped"
        case .counter: keyword = "counter"
        case .gauge, .info, .stateset: keyword = "gauge"
        case .histogram, .gaugeHistogram: keyword = "histogram"
        case .summary: keyword = "summary"
        }
        bytes.append(contentsOf: "# TYPE ".utf8)
        bytes.append(contentsOf: family.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: keyword.utf8)
        bytes.append(0x0a)
    }

    /// A sample of the series `labels` (named by its `__name__`; the other pairs in their sorted order).
    public mutating func writeSample(_ labels: Labels, value: Double, timestamp: Int64? = nil) {
        bytes.append(contentsOf: labels.metricName.utf8)
        var first = true
        for l in labels.pairs where l.name != "__name__" {
            appendLabel(l.name, l.value, first: &first)
        }
        finishSample(first: first, value: value, timestamp: timestamp)
    }

    /// A sample named `name` with `labels` in the given order (pairs with empty values are left out, as they
    /// mean an absent label).
    public mutating func writeSample(name: String, labels: [Label], value: Double, timestamp: Int64? = nil) {
        bytes.append(contentsOf: name.utf8)
        var first = true
        for l in labels where !l.value.isEmpty {
            appendLabel(l.name, l.value, first: &first)
        }
        finishSample(first: first, value: value, timestamp: timestamp)
    }

    /// Appends `,name="value"` (or `{name="value"` for the first pair) with the value escaped.
    mutating func appendLabel(_ name: String, _ value: String, first: inout Bool) {
        bytes.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
        first = false
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: "=\"".utf8)
        for b in value.utf8 {
            switch b {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case 0x0a: bytes.append(contentsOf: "\\n".utf8)
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Closes the label block (if any) and appends ` value[ timestamp]\n`.
    mutating func finishSample(first: Bool, value: Double, timestamp: Int64?) {
        if !first { bytes.append(UInt8(ascii: "}")) }
        bytes.append(UInt8(ascii: " "))
        ExpositionFloatFormatter.append(value, to: &bytes)
        if let t = timestamp {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: String(t).utf8)
        }
        bytes.append(0x0a)
    }
}
