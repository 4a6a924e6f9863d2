#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The metric family the parser is in: the name of the last `# HELP`/`# TYPE`/`# UNIT` (or, in OpenMetrics,
/// of a sample without metadata) as offsets into the body, and what was declared for it.
@usableFromInline
struct ExpositionFamilyState {
    /// False before the first family.
    var active = false
    var start = 0
    var end = 0
    var type = MetricFamilyType.unknown
    var hasHelp = false
    var hasType = false
    var hasUnit = false
    var unitStart = 0
    var unitEnd = 0
    /// OpenMetrics: a sample of the family was seen (metadata may no longer follow).
    var hasSamples = false

    @usableFromInline init() {}

    /// Opens the family named by `start..<end`.
    mutating func begin(_ start: Int, _ end: Int, type: MetricFamilyType) {
        self = ExpositionFamilyState()
        active = true
        self.start = start
        self.end = end
        self.type = type
    }

    /// True when `p[a..<b]` is the family's name.
    @inline(__always)
    func matches(_ p: UnsafePointer<UInt8>, _ a: Int, _ b: Int) -> Bool {
        active && b - a == end - start && memcmp(p + a, p + start, end - start) == 0
    }

    /// What a sample named `p[a..<b]` is in this family, nil when the name does not belong to it.
    @inline(__always)
    func classify(_ p: UnsafePointer<UInt8>, _ a: Int, _ b: Int, om: Bool) -> ExpositionSampleKind? {
        let familyCount = end - start
        let suffixCount = b - a - familyCount
        guard suffixCount >= 0, memcmp(p + a, p + start, familyCount) == 0 else { return nil }
        if suffixCount == 0 {
            switch type {
            case .counter: return om ? nil : .value
            case .summary: return .quantile
            case .histogram, .gaugeHistogram, .info: return nil
            default: return .value
            }
        }
        let s = p + a + familyCount
        func suffix(_ x: StaticString) -> Bool {
            x.utf8CodeUnitCount == suffixCount && memcmp(s, x.utf8Start, suffixCount) == 0
        }
        switch type {
        case .counter:
            if suffix("_total") { return .total }
            if suffix("_created") { return .created }
        case .summary, .histogram:
            if suffix("_count") { return .count }
            if suffix("_sum") { return .sum }
            if suffix("_created") { return .created }
            if type == .histogram && suffix("_bucket") { return .bucket }
        case .gaugeHistogram:
            if suffix("_bucket") { return .bucket }
            if suffix("_gcount") { return .gaugeCount }
            if suffix("_gsum") { return .gaugeSum }
        case .info:
            if suffix("_info") { return .info }
        default:
            break
        }
        return nil
    }
}
