/// The OpenMetrics rules a single line cannot show: families neither repeated nor interleaved nor clashing,
/// samples of one series together with non-decreasing timestamps, value ranges per type, exemplar placement,
/// and histogram buckets (`le` order, `+Inf` bucket, `_count` equal to it, `_sum`/`_gsum` rules).
///
/// State is a few scalars plus two sets of 64-bit hashes (names claimed by finished families; series seen in
/// the current family) that keep their capacity, so checking allocates nothing once warmed up. Hash
/// collisions (2^-64 per pair) could only make a valid body be rejected, never let an invalid one through
/// any check but grouping.
@usableFromInline
struct OpenMetricsValidator {
    /// Hashes of every sample name owned by a finished family (`a`, `a_total`, `a_created`, ...).
    var claimed: Set<UInt64> = []
    /// Hashes of the series (label sets without `le`/`quantile`/state label) seen in the current family.
    var seenGroups: Set<UInt64> = []
    var hasGroup = false
    var group: UInt64 = 0
    var groupTimestamp: Double? = nil
    var point = HistogramPoint()
    /// `.compatible`: observations (quantiles, `_sum`) may be negative, as client_golang writes them.
    var allowNegativeObservations = false

    /// One histogram or gauge-histogram point being checked: consecutive samples of one series and timestamp.
    struct HistogramPoint {
        var open = false
        var group: UInt64 = 0
        var timestamp: Double? = nil
        var lastLe: Double? = nil
        var lastBucketValue = 0.0
        var count: Double? = nil
        var hasSum = false
        var hasGaugeSum = false
        var hasNegativeBucket = false
        var hasNegativeGaugeSum = false
    }

    @usableFromInline init() {}

    /// A family named `p[a..<b]` starts: its name must not belong to an earlier family.
    mutating func startFamily(_ p: UnsafePointer<UInt8>, _ a: Int, _ b: Int, line: Int) throws(ExpositionError) {
        if claimed.contains(Self.nameHash(p + a, b - a, suffix: "")) {
            let name = String(decoding: UnsafeRawBufferPointer(start: p + a, count: b - a), as: UTF8.self)
            throw ExpositionError(line: line, "metric family \"\(name)\" appears again or clashes with a name of an earlier family (a family's lines must be together and names unique)")
        }
        seenGroups.removeAll(keepingCapacity: true)
        hasGroup = false
        groupTimestamp = nil
        point = HistogramPoint()
    }

    /// The current family ends: check its last histogram point and claim all the sample names it owns.
    mutating func finishFamily(_ family: ExpositionFamilyState, _ p: UnsafePointer<UInt8>, line: Int) throws(ExpositionError) {
        if point.open { try finishPoint(family, p, line: line) }
        let suffixes: [StaticString]
        switch family.type {
        case .counter: suffixes = ["", "_total", "_created"]
        case .summary: suffixes = ["", "_count", "_sum", "_created"]
        case .histogram: suffixes = ["", "_count", "_sum", "_bucket", "_created"]
        case .gaugeHistogram: suffixes = ["", "_gcount", "_gsum", "_bucket"]
        case .info: suffixes = ["", "_info"]
        default: suffixes = [""]
        }
        for s in suffixes {
            let h = Self.nameHash(p + family.start, family.end - family.start, suffix: s)
            if !claimed.insert(h).inserted {
                let name = Self.name(family, p)
                throw ExpositionError(line: line, "metric name \"\(name)\(s)\" of \(family.type) \"\(name)\" clashes with an earlier family")
            }
        }
    }

    /// Checks one sample against the rules of its family.
    mutating func check(_ s: ExpositionSample, timestampSeconds ts: Double?) throws(ExpositionError) {
        let type = s.familyType
        let kind = s.kind
        let p = s.base
        let familyName = s.familyNameBytes

        // The series the sample belongs to: its labels without the per-sample ones, order-independent.
        var g: UInt64 = 0
        var le: ExpositionText? = nil
        var quantile: ExpositionText? = nil
        var hasState = false
        for l in s.labels {
            if kind == .bucket && l.name.exposEquals("le") { le = l.value; continue }
            if kind == .quantile && l.name.exposEquals("quantile") { quantile = l.value; continue }
            if type == .stateset && l.name.exposEquals(familyName) { hasState = true; continue }
            g &+= Self.pairHash(l)
        }
        if type == .info { g = 0 }

        if type == .stateset && !hasState {
            throw fail(s, "stateset sample \"\(seriesText(s))\" has no label named \"\(s.familyName)\"")
        }
        var bound = 0.0
        if kind == .bucket {
            guard let le else { throw fail(s, "histogram bucket \"\(seriesText(s))\" has no \"le\" label") }
            guard let b = Self.canonicalNumber(le), !b.isNaN else {
                throw fail(s, "invalid \"le\" value \"\(le.string)\" in \"\(seriesText(s))\" (a number; infinity as +Inf)")
            }
            bound = b
        }
        if kind == .quantile {
            guard let quantile else { throw fail(s, "summary quantile \"\(seriesText(s))\" has no \"quantile\" label") }
            guard let q = Self.canonicalNumber(quantile), q >= 0 && q <= 1 else {
                throw fail(s, "invalid \"quantile\" value \"\(quantile.string)\" in \"\(seriesText(s))\" (a number from 0 to 1)")
            }
        }

        if hasGroup && g == group {
            if (ts == nil) != (groupTimestamp == nil) {
                throw fail(s, "\"\(seriesText(s))\" mixes samples with and without timestamps")
            }
            if let t = ts, let gt = groupTimestamp, gt > t, type != .info {
                throw fail(s, "timestamp of \"\(seriesText(s))\" goes backwards")
            }
        } else {
            if hasGroup && seenGroups.contains(g) {
                throw fail(s, "\"\(seriesText(s))\" appears again after other series of \"\(s.familyName)\" (a series' samples must be together)")
            }
            seenGroups.insert(g)
        }
        hasGroup = true
        group = g
        groupTimestamp = ts

        let v = s.value
        if type == .stateset && v != 0 && v != 1 {
            throw fail(s, "stateset value of \"\(seriesText(s))\" must be 0 or 1, got \(v)")
        }
        if type == .info && v != 1 {
            throw fail(s, "info value of \"\(seriesText(s))\" must be 1, got \(v)")
        }
        switch kind {
        case .quantile:
            if v < 0 && !allowNegativeObservations { throw fail(s, "quantile value of \"\(seriesText(s))\" cannot be negative, got \(v)") }
        case .total, .sum, .count, .bucket, .gaugeCount:
            if v.isNaN || (v < 0 && !(kind == .sum && allowNegativeObservations)) {
                throw fail(s, "value of \"\(seriesText(s))\" cannot be \(v.isNaN ? "NaN" : "negative") (\(kind == .total ? "counter" : "histogram/summary count or sum"))")
            }
        case .gaugeSum:
            if v.isNaN { throw fail(s, "value of \"\(seriesText(s))\" cannot be NaN") }
        default:
            break
        }
        if s.exemplar != nil {
            let allowed = ((type == .histogram || type == .gaugeHistogram) && kind == .bucket) || (type == .counter && kind == .total)
            if !allowed {
                throw fail(s, "exemplar on \"\(seriesText(s))\": only counter _total and histogram _bucket samples can have exemplars")
            }
        }

        if type == .histogram || type == .gaugeHistogram {
            try updatePoint(s, group: g, timestamp: ts, bound: bound, p: p)
        }
    }

    /// Adds a histogram sample to its point, first finishing the previous point when the series or time changed.
    mutating func updatePoint(_ s: ExpositionSample, group g: UInt64, timestamp ts: Double?, bound: Double, p: UnsafePointer<UInt8>) throws(ExpositionError) {
        if point.open && (g != point.group || ts != point.timestamp) {
            var f = ExpositionFamilyState()
            f.begin(s.familyStart, s.familyEnd, type: s.familyType)
            try finishPoint(f, p, line: s.line)
        }
        if !point.open {
            point = HistogramPoint()
            point.open = true
            point.group = g
            point.timestamp = ts
        }
        let v = s.value
        switch s.kind {
        case .bucket:
            if bound < 0 { point.hasNegativeBucket = true }
            if let last = point.lastLe, bound <= last {
                throw fail(s, "buckets of \"\(s.familyName)\" are not in increasing \"le\" order")
            }
            if v < point.lastBucketValue {
                throw fail(s, "bucket \"\(seriesText(s))\" has a smaller value than the bucket before it")
            }
            point.lastLe = bound
            point.lastBucketValue = v
        case .count, .gaugeCount:
            point.count = v
        case .sum:
            point.hasSum = true
        case .gaugeSum:
            point.hasGaugeSum = true
            if v < 0 { point.hasNegativeGaugeSum = true }
        default:
            break
        }
    }

    /// The whole-point rules of a histogram: +Inf bucket, `_count` equal to it, `_sum`/`_gsum` with `_count`.
    mutating func finishPoint(_ family: ExpositionFamilyState, _ p: UnsafePointer<UInt8>, line: Int) throws(ExpositionError) {
        let pt = point
        point.open = false
        let name = Self.name(family, p)
        let gauge = family.type == .gaugeHistogram
        let (count, sum) = gauge ? ("_gcount", "_gsum") : ("_count", "_sum")
        let what = gauge ? "gauge histogram" : "histogram"
        guard pt.lastLe == .infinity else {
            throw ExpositionError(line: line, "\(what) \"\(name)\" has no le=\"+Inf\" bucket as its last bucket")
        }
        if let c = pt.count, c != pt.lastBucketValue {
            throw ExpositionError(line: line, "\(name)\(count) (\(c)) does not equal the +Inf bucket of \"\(name)\" (\(pt.lastBucketValue))")
        }
        if (pt.hasSum || pt.hasGaugeSum) && pt.count == nil {
            throw ExpositionError(line: line, "\(what) \"\(name)\" has \(sum) but no \(count)")
        }
        if !(pt.hasSum || pt.hasGaugeSum) && pt.count != nil {
            throw ExpositionError(line: line, "\(what) \"\(name)\" has \(count) but no \(sum)")
        }
        if pt.hasNegativeBucket && pt.hasSum && !allowNegativeObservations {
            throw ExpositionError(line: line, "histogram \"\(name)\" has negative buckets, so it cannot have _sum")
        }
        if !pt.hasNegativeBucket && pt.hasNegativeGaugeSum {
            throw ExpositionError(line: line, "gauge histogram \"\(name)\" has a negative _gsum but no negative bucket")
        }
    }

    // MARK: - Helpers

    /// A label value that is a number as OpenMetrics writes `le`/`quantile`: infinity only as `+Inf`/`-Inf`.
    static func canonicalNumber(_ t: ExpositionText) -> Double? {
        guard let base = t.raw.baseAddress?.assumingMemoryBound(to: UInt8.self),
              let v = ExpositionNumberParser.parseFloat(base, 0, t.raw.count, allowHex: false) else { return nil }
        if v.isInfinite && !(t.raw.exposEquals("+Inf") || t.raw.exposEquals("-Inf")) { return nil }
        return v
    }

    /// FNV-1a of a name (plus suffix), finished with a 64-bit mixer.
    static func nameHash(_ p: UnsafePointer<UInt8>, _ n: Int, suffix: StaticString) -> UInt64 {
        var h = fnv(UnsafeRawBufferPointer(start: p, count: n), 0xcbf2_9ce4_8422_2325)
        h = fnv(UnsafeRawBufferPointer(start: suffix.utf8Start, count: suffix.utf8CodeUnitCount), h)
        return mix(h)
    }

    /// Hash of one label pair; pairs are summed, so the order of labels in the line does not matter.
    @inline(__always)
    static func pairHash(_ l: ExpositionLabel) -> UInt64 {
        var h = fnv(l.name, 0xcbf2_9ce4_8422_2325)
        h = (h ^ 0xff) &* 0x0000_0100_0000_01b3
        return mix(fnv(l.value.raw, h))
    }

    @inline(__always)
    static func fnv(_ bytes: UnsafeRawBufferPointer, _ seed: UInt64) -> UInt64 {
        var h = seed
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    /// MurmurHash3's 64-bit finalizer.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33
        h &*= 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        h &*= 0xc4ce_b9fe_1a85_ec53
        h ^= h >> 33
        return h
    }

    static func name(_ f: ExpositionFamilyState, _ p: UnsafePointer<UInt8>) -> String {
        String(decoding: UnsafeRawBufferPointer(start: p + f.start, count: f.end - f.start), as: UTF8.self)
    }

    func seriesText(_ s: ExpositionSample) -> String { String(decoding: s.series, as: UTF8.self) }

    func fail(_ s: ExpositionSample, _ message: String) -> ExpositionError { ExpositionError(line: s.line, message) }
}
