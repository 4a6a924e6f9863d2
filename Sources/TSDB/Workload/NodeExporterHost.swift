#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The scrapes of one simulated host, one call to `scrape(into:)` per scrape, in time order.
///
/// Dynamics per series kind (see `NodeExporterSeriesKind`):
/// - counters: per-scrape increment = observed 15 s rate × per-host factor (log-normal, σ 0.7)
///   × slowly drifting activity × log-normal noise (σ by metric: 0.05 cpu idle … 1.0 bytes),
///   stochastically rounded to the capture's unit (0.01 s, 1 byte, 512 B sectors, …);
/// - idle counters: on ~80 % of hosts (15 % when the capture was 0) tick by single events at a
///   seeded rate of one per 1–50 scrapes, else stay constant;
/// - gauges: with probability 0.7 per scrape a normal step of about the observed 15 s change,
///   reflected inside ±20 observed changes around the captured value (and ≥ 0 if it was);
/// - reboot: with probability interval/10 days per scrape all counters restart from 0.
public struct NodeExporterHost: Sendable {
    /// Host number inside the workload.
    public let host: Int
    /// Number of scrapes produced so far.
    public private(set) var scrapeCount: Int64 = 0
    /// True when the last scrape simulated a reboot (all counters restarted from 0).
    public private(set) var lastScrapeWasReset = false
    /// Nominal time of this host's first scrape (before jitter), ms since the epoch.
    public var firstScrapeMs: Int64 { baseMs }

    let shapes: [NodeExporterSeriesShape]
    let intervalMs: Int64, jitterMs: Double, baseMs: Int64
    let rebootProbability: Double
    var timeRandom: WorkloadRandom
    var valueRandom: WorkloadRandom
    var kinds: [NodeExporterSeriesKind]
    var units: [Int64]
    var mean: [Double]
    var activity: [Double]
    var low: [Int64], high: [Int64]
    var eventValue: [Double]
    let divisor: [Double]
    let granularity: [Int64]

    init(workload w: NodeExporterWorkload, host: Int) {
        self.host = host
        shapes = w.shapes
        intervalMs = w.intervalMs; jitterMs = w.jitterMs
        rebootProbability = Double(w.intervalMs) / (10 * 86_400_000)
        var setup = WorkloadRandom(w.seed, UInt64(host), 1)
        timeRandom = WorkloadRandom(w.seed, UInt64(host), 2)
        valueRandom = WorkloadRandom(w.seed, UInt64(host), 3)
        baseMs = w.startMs + Int64(setup.unit() * Double(w.intervalMs))
        let n = shapes.count
        kinds = []; units = []; mean = []; activity = []; low = []; high = []; eventValue = []
        kinds.reserveCapacity(n); units.reserveCapacity(n); mean.reserveCapacity(n)
        activity = [Double](repeating: 0, count: n)
        var div: [Double] = [], gran: [Int64] = []
        let perScrape = Double(w.intervalMs) / 15_000
        for shape in shapes {
            var kind = shape.kind
            var u = shape.valueUnits
            var m = 0.0
            var lo: Int64 = 0, hi: Int64 = 0
            let hostFactor = exp(0.7 * setup.normal())
            switch kind {
            case .constant, .clock, .eventTime:
                break
            case .counter:
                m = shape.deltaUnits * hostFactor * perScrape
                u = Int64(Double(shape.valueUnits) * setup.uniform(0.2, 5))
            case .idleCounter:
                let p = shape.valueUnits > 0 ? 0.8 : 0.15
                if setup.unit() < p {
                    kind = .counter
                    m = exp(setup.uniform(log(0.02), log(1.0)))
                    u = Int64(Double(shape.valueUnits) * setup.uniform(0.2, 5))
                } else {
                    kind = .constant
                }
            case .gauge:
                m = max(1, shape.deltaUnits * hostFactor)
                let span = Int64(min(20 * m, 1e15))
                lo = shape.valueUnits - span; hi = shape.valueUnits + span
                if shape.valueUnits >= 0 { lo = max(0, lo) }
                u = lo + Int64(setup.unit() * Double(hi - lo))
            }
            kinds.append(kind); units.append(u); mean.append(m); low.append(lo); high.append(hi)
            eventValue.append(shape.value)
            div.append(NodeExporterSeriesShape.pow10(shape.decimals))
            gran.append(shape.granularity)
        }
        divisor = div; granularity = gran
    }

    /// Produces the next scrape: fills `values` (resized to the host's series count) in series
    /// order and returns the scrape's timestamp in ms.
    public mutating func scrape(into values: inout [Double]) -> Int64 {
        let k = scrapeCount
        scrapeCount += 1
        var ts = baseMs + k * intervalMs
        if jitterMs > 0 { ts += Int64(timeRandom.uniform(-jitterMs, jitterMs).rounded()) }
        if values.count != shapes.count { values = [Double](repeating: 0, count: shapes.count) }
        let reboot = k > 0 && valueRandom.unit() < rebootProbability
        lastScrapeWasReset = reboot
        for i in 0..<shapes.count {
            switch kinds[i] {
            case .constant, .idleCounter:
                values[i] = shapes[i].value
            case .counter:
                if reboot { units[i] = 0 } else if k > 0 { units[i] &+= counterIncrement(i) }
                values[i] = Double(units[i] &* granularity[i]) / divisor[i]
            case .gauge:
                if k > 0, valueRandom.unit() < 0.7 { stepGauge(i) }
                values[i] = Double(units[i] &* granularity[i]) / divisor[i]
            case .clock:
                // Wall clock read at scrape time with sub-millisecond noise, as time.Now() is.
                let nanos = ts &* 1_000_000 &+ Int64(valueRandom.unit() * 1_000_000)
                values[i] = Double(nanos) / 1e9
            case .eventTime:
                if k == 0 || valueRandom.unit() < 0.25 {
                    let nanos = (ts - Int64(valueRandom.unit() * Double(intervalMs))) &* 1_000_000
                        &+ Int64(valueRandom.unit() * 1_000_000)
                    eventValue[i] = Double(nanos) / 1e9
                }
                values[i] = eventValue[i]
            }
        }
        return ts
    }

    mutating func counterIncrement(_ i: Int) -> Int64 {
        // Activity drifts slowly (AR(1)) so busy periods last minutes, not one scrape.
        var a = activity[i] * 0.97 + 0.12 * valueRandom.normal()
        a = min(2, max(-2, a))
        activity[i] = a
        let sigma = shapes[i].sigma
        let noise = exp(sigma * valueRandom.normal() - sigma * sigma / 2)
        let x = mean[i] * exp(0.3 * a) * noise
        // Stochastic rounding keeps slow counters' long-run rate right.
        return Int64(x) + (valueRandom.unit() < x - x.rounded(.down) ? 1 : 0)
    }

    mutating func stepGauge(_ i: Int) {
        let step = Int64((mean[i] * valueRandom.normal()).rounded())
        var u = units[i] &+ step
        if u > high[i] { u = high[i] - (u - high[i]) }
        if u < low[i] { u = low[i] + (low[i] - u) }
        units[i] = min(high[i], max(low[i], u))
    }
}
