/// How one captured node_exporter series behaves over time in the synthetic workload.
public enum NodeExporterSeriesKind: UInt8, Sendable {
    /// Never changes (info metrics, limits, sizes, idle error counters).
    case constant
    /// Monotonic counter that grows every scrape (cpu seconds, bytes, packets, interrupts).
    case counter
    /// Counter that was idle at capture; on some hosts it ticks now and then (errors, retransmits).
    case idleCounter
    /// Bounded random walk on the capture's value grid (memory, load, process counts, durations).
    case gauge
    /// Wall clock in seconds with nanosecond noise (`node_time_seconds`).
    case clock
    /// Timestamp of a recurring event, jumps to "now" at random scrapes (`*_last_gc_time_seconds`).
    case eventTime
}

/// One line of the captured node_exporter shapes file, classified and quantised.
///
/// Values are modelled as integers in "units" so every generated value is an exact decimal of the
/// capture's precision: `value = Double(units * granularity) / 10^decimals`, as node_exporter's
/// own float formatting would produce after parsing.
struct NodeExporterSeriesShape: Sendable {
    /// Metric name (`__name__`).
    var name: String
    /// Captured labels, without `__name__`, `instance`, `job`.
    var labels: [(name: String, value: String)]
    /// Prometheus TYPE of the family as captured (counter, gauge, summary, untyped).
    var type: String
    /// Behaviour class derived from TYPE, name and whether it changed between the two captures.
    var kind: NodeExporterSeriesKind
    /// Value at the first capture (exactly as parsed from the exposition text).
    var value: Double
    /// Change observed over the 15 s between the two captures, in units.
    var deltaUnits: Double
    /// Value at the first capture, in units.
    var valueUnits: Int64
    /// Decimal digits of the capture's precision (0 for integers), at most 9.
    var decimals: Int
    /// Power of two (≤ 4096) dividing integer values, e.g. 4096 for page-granular memory bytes.
    var granularity: Int64
    /// Log-normal spread of per-scrape counter increments (heavier tails for bytes and packets).
    var sigma: Double

    /// Whether the series behaves as a monotonic counter.
    var isCounter: Bool { kind == .counter || kind == .idleCounter || counterLike }
    /// Counter-by-name, even when constant in the capture.
    var counterLike: Bool
}

/// Errors while loading the shapes file.
public enum NodeExporterWorkloadError: Error, Sendable, Equatable {
    /// No shapes file was given and `Benchmarks/data/node-exporter-series.txt` was not found.
    case shapesFileNotFound
    /// The shapes file could not be read.
    case unreadable(path: String)
    /// Parameters out of range (negative hosts, jitter not below half the interval).
    case invalidParameters(String)
    /// A line of the shapes file could not be parsed.
    case malformedLine(number: Int, reason: String)
}

extension NodeExporterSeriesShape {
    /// Parses the shapes file text (`TYPE<TAB>metric{labels}<TAB>value<TAB>delta`, `#` comments).
    static func parseFile(_ text: String) throws(NodeExporterWorkloadError) -> [NodeExporterSeriesShape] {
        var out: [NodeExporterSeriesShape] = []
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            if raw.isEmpty || raw.hasPrefix("#") { continue }
            let cols = raw.split(separator: "\t", omittingEmptySubsequences: false)
            guard cols.count >= 3 else { throw .malformedLine(number: lineNo, reason: "expected 3 or 4 tab-separated columns") }
            let (name, labels) = try parseSeries(String(cols[1]), line: lineNo)
            let valueText = String(cols[2])
            let deltaText = cols.count >= 4 ? String(cols[3]) : "0"
            guard let value = Double(valueText), let delta = Double(deltaText) else {
                throw .malformedLine(number: lineNo, reason: "value or delta is not a number")
            }
            out.append(classify(type: String(cols[0]), name: name, labels: labels, value: value,
                                valueText: valueText, delta: delta, deltaText: deltaText))
        }
        return out
    }

    /// Splits `name{a="b",c="d"}` into the name and its (unescaped) label pairs.
    static func parseSeries(_ s: String, line: Int) throws(NodeExporterWorkloadError) -> (String, [(name: String, value: String)]) {
        guard let brace = s.firstIndex(of: "{") else { return (s, []) }
        let name = String(s[s.startIndex..<brace])
        var labels: [(name: String, value: String)] = []
        var chars = Array(s[s.index(after: brace)...].unicodeScalars)
        if chars.last == "}" { chars.removeLast() } else { throw .malformedLine(number: line, reason: "missing }") }
        var i = 0
        while i < chars.count {
            var ln = String.UnicodeScalarView()
            while i < chars.count, chars[i] != "=" { ln.append(chars[i]); i += 1 }
            guard i + 1 < chars.count, chars[i + 1] == "\"" else { throw .malformedLine(number: line, reason: "bad label") }
            i += 2
            var lv = String.UnicodeScalarView()
            var closed = false
            while i < chars.count {
                let c = chars[i]
                if c == "\\", i + 1 < chars.count {
                    let n = chars[i + 1]
                    lv.append(n == "n" ? "\n" : n); i += 2; continue
                }
                if c == "\"" { closed = true; i += 1; break }
                lv.append(c); i += 1
            }
            guard closed else { throw .malformedLine(number: line, reason: "unterminated label value") }
            labels.append((String(ln), String(lv)))
            if i < chars.count, chars[i] == "," { i += 1 }
        }
        return (name, labels)
    }

    /// Decimal digits after the point of a number as printed (`1.5e-05` → 6, `4.5e+08` → 0).
    static func decimals(of text: String) -> Int {
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[text.startIndex..<e]
            exponent = Int(String(text[text.index(after: e)...].filter { $0 != "+" })) ?? 0
        }
        var frac = 0
        if let dot = mantissa.firstIndex(of: ".") { frac = mantissa.distance(from: dot, to: mantissa.endIndex) - 1 }
        return max(0, frac - exponent)
    }

    static func classify(type: String, name: String, labels: [(name: String, value: String)], value: Double,
                         valueText: String, delta: Double, deltaText: String) -> NodeExporterSeriesShape {
        let changed = delta != 0
        let counterLike: Bool = {
            if type == "counter" { return true }
            if type == "gauge" { return false }
            if name.hasSuffix("_total") || name.hasSuffix("_count") || name.hasSuffix("_sum") { return true }
            if type == "untyped", name.hasPrefix("node_netstat_") || name.hasPrefix("node_vmstat_") {
                let gaugeish = ["CurrEstab", "MaxConn", "RtoMin", "RtoMax", "RtoAlgorithm", "Forwarding", "DefaultTTL"]
                return !gaugeish.contains { name.contains($0) }
            }
            return false
        }()
        let isTime = name.hasSuffix("_time_seconds") || name.hasSuffix("_timestamp_seconds")
        var kind: NodeExporterSeriesKind
        if !changed {
            kind = counterLike ? .idleCounter : .constant
        } else if isTime && !counterLike {
            kind = abs(delta - 15) < 1 ? .clock : .eventTime
        } else if counterLike && delta > 0 {
            kind = .counter
        } else {
            kind = .gauge
        }
        let dec = min(9, max(decimals(of: valueText), decimals(of: deltaText)))
        var gran: Int64 = 1
        if dec == 0, kind != .constant {
            let a = Int64(exactly: value.rounded()) ?? 0
            let b = Int64(exactly: delta.rounded()) ?? 0
            while gran < 4096, (a == 0 || a % (gran * 2) == 0), (b == 0 || b % (gran * 2) == 0), a != 0 || b != 0 { gran *= 2 }
        }
        let scale = pow10(dec) / Double(gran)
        let units = Int64(exactly: (value * scale).rounded()) ?? 0
        let sigma: Double
        if name == "node_cpu_seconds_total", labels.contains(where: { $0.name == "mode" && $0.value == "idle" }) {
            sigma = 0.05 // idle time is what is left of the interval: nearly constant increments
        } else if name.hasSuffix("_seconds_total") || name.hasSuffix("_seconds_sum") {
            sigma = 0.35
        } else if name.contains("bytes") || name.contains("Octets") || name.contains("pgpg") {
            sigma = 1.0 // bursty transfers: heavy-tailed
        } else if name.contains("packets") || name.contains("Segs") || name.contains("Pkts") {
            sigma = 0.8
        } else {
            sigma = 0.5
        }
        return NodeExporterSeriesShape(
            name: name, labels: labels, type: type, kind: kind, value: value,
            deltaUnits: abs(delta * scale), valueUnits: units, decimals: dec, granularity: gran,
            sigma: sigma, counterLike: counterLike)
    }

    /// 10^n for small n, exact.
    static func pow10(_ n: Int) -> Double {
        var p = 1.0
        for _ in 0..<max(0, n) { p *= 10 }
        return p
    }
}
