import TSDB

/// The synthetic series `promql-diff` writes to both systems: counters with resets, fractional
/// counters, gauges crossing zero, a classic histogram, NaN and ±Inf values, series with gaps,
/// late starts and early ends, and constant info series. Deterministic from a seed.
///
/// Samples sit 7.5 s (± up to 0.2 s) after each 15 s slot, so no sample falls on the edge of a
/// window that starts or ends on a whole second: evaluation times are whole seconds, and at
/// window edges Prometheus versions disagree with each other, which is not what this compares.
struct DiffDataset {
    /// Every series with its samples, oldest first.
    private(set) var series: [(labels: Labels, samples: [Sample])] = []
    /// First slot's time (ms) and the number of slots; samples lie 7.5 s after a slot.
    let start: Int64
    let slots: Int
    static let interval: Int64 = 15_000

    /// Time of slot `i`'s sample (before jitter).
    func slotTime(_ i: Int) -> Int64 { start + Int64(i) * Self.interval + 7_500 }
    /// Time just after the last sample.
    var end: Int64 { start + Int64(slots) * Self.interval }

    init(start: Int64, minutes: Int, seed: UInt64) throws {
        self.start = start
        slots = minutes * 4
        var rng = WorkloadRandom(seed)
        let instances = ["i0", "i1", "i2"]

        func add(_ pairs: [(String, String)], _ value: (Int, inout WorkloadRandom) -> Double?) throws {
            let labels = try Labels(validating: pairs.map { Label(name: $0.0, value: $0.1) })
            var samples: [Sample] = []
            for i in 0..<slots {
                let jitter = Int64(rng.next() % 401) - 200
                if let v = value(i, &rng) { samples.append(Sample(t: slotTime(i) + jitter, v: v)) }
            }
            if !samples.isEmpty { series.append((labels, samples)) }
        }

        for inst in instances {
            for method in ["GET", "POST"] {
                for code in ["200", "500"] {
                    // Integer increments, an occasional reset.
                    var total = Double(rng.next() % 1000)
                    try add([("__name__", "dt_http_requests_total"), ("instance", inst), ("job", "api"), ("method", method), ("code", code)]) { _, r in
                        if r.next() % 97 == 0 { total = Double(r.next() % 5) } else { total += Double(r.next() % (code == "200" ? 40 : 4)) }
                        return total
                    }
                }
            }
            for mode in ["user", "system", "idle"] {
                var total = Double(rng.next() % 100_000) / 100
                try add([("__name__", "dt_cpu_seconds_total"), ("instance", inst), ("job", "node"), ("mode", mode)]) { _, r in
                    total += Double(r.next() % 1500) / 100
                    return total
                }
            }
            for sensor in ["s0", "s1"] {
                var g = Double(Int(rng.next() % 200) - 100) / 10
                try add([("__name__", "dt_temperature_celsius"), ("instance", inst), ("sensor", sensor)]) { _, r in
                    g += Double(Int(r.next() % 21) - 10) / 4
                    return g
                }
            }
            // A classic histogram: cumulative buckets, _sum and _count move together.
            let bounds = ["0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"]
            var buckets = [Double](repeating: 0, count: bounds.count)
            var sum = 0.0
            var perSlot: [(buckets: [Double], sum: Double)] = []
            for _ in 0..<slots {
                for _ in 0..<Int(rng.next() % 30) {
                    let obs = Double(rng.next() % 3000) / 1000
                    sum += obs
                    for (b, bound) in bounds.enumerated() where bound == "+Inf" || obs <= (Double(bound) ?? 0) { buckets[b] += 1 }
                }
                perSlot.append((buckets, sum))
            }
            for (b, bound) in bounds.enumerated() {
                try add([("__name__", "dt_request_duration_seconds_bucket"), ("instance", inst), ("le", bound)]) { i, _ in perSlot[i].buckets[b] }
            }
            try add([("__name__", "dt_request_duration_seconds_sum"), ("instance", inst)]) { i, _ in perSlot[i].sum }
            try add([("__name__", "dt_request_duration_seconds_count"), ("instance", inst)]) { i, _ in perSlot[i].buckets[bounds.count - 1] }
            try add([("__name__", "dt_build_info"), ("instance", inst), ("version", inst == "i2" ? "1.1" : "1.0")]) { _, _ in 1 }
            try add([("__name__", "dt_up"), ("instance", inst), ("job", "api")]) { i, _ in inst == "i1" && (i / 20) % 3 == 1 ? 0 : 1 }
        }
        // Gaps longer than the 5 m lookback, a late start, an early end. Values stay far from zero
        // relative to their changes: where a series starts inside a `rate` window, 2.42 and
        // Prometheus 3 apply the zero-point limit in a different order.
        let s = slots
        try add([("__name__", "dt_sparse"), ("instance", "i0")]) { i, _ in i < s / 3 || i > s / 3 + 40 ? 1000 + Double(i % 17) : nil }
        try add([("__name__", "dt_sparse"), ("instance", "i1")]) { i, _ in i >= s / 2 ? Double(i) * 0.5 : nil }
        try add([("__name__", "dt_sparse"), ("instance", "i2")]) { i, _ in i < s - 30 ? Double(100 - i % 13) : nil }
        // Special values.
        try add([("__name__", "dt_special"), ("kind", "nan")]) { _, _ in .nan }
        try add([("__name__", "dt_special"), ("kind", "inf")]) { _, _ in .infinity }
        try add([("__name__", "dt_special"), ("kind", "neginf")]) { _, _ in -.infinity }
        try add([("__name__", "dt_special"), ("kind", "mixed")]) { i, _ in [1.5, .nan, 3, .infinity, -2, 0][i % 6] }
        try add([("__name__", "dt_special"), ("kind", "zero")]) { _, _ in 0 }
    }

    /// The dataset as remote-write requests in time order (all series' samples of a few
    /// minutes per request), so no sender runs ahead of the head's appendable window.
    func requests(minutesPerRequest: Int = 5) -> [[UInt8]] {
        let span = Int64(minutesPerRequest) * 60_000
        var out: [[UInt8]] = []
        var from = start
        while from < end {
            let to = from + span
            let batch = series.compactMap { s -> (labels: Labels, samples: [Sample])? in
                let part = s.samples.filter { $0.t >= from && $0.t < to }
                return part.isEmpty ? nil : (s.labels, part)
            }
            if !batch.isEmpty { out.append(RemoteWriteEncoder.encodeCompressed(batch)) }
            from = to
        }
        return out
    }
}
