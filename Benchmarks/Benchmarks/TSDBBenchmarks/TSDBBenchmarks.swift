import Benchmark
import Foundation
import TSDB

/// Realistic samples: 15 s scrapes with ±1 ms jitter; a third each constant, counter, gauge.
func realisticSeries(count: Int, samples: Int) -> [[Sample]] {
    var rng = SystemRandomNumberGenerator()
    return (0..<count).map { k in
        var t: Int64 = 1_700_000_000_000
        var v = Double(k)
        return (0..<samples).map { _ in
            t += 15_000 + Int64(rng.next() % 3) - 1
            switch k % 3 {
            case 0: break
            case 1: v += Double(rng.next() % 5000)
            default: v = (v + Double(Int(rng.next() % 200) - 100) * 0.01 * 100).rounded() / 100
            }
            return Sample(t: t, v: v)
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput, .mallocCountTotal], maxDuration: .seconds(3))

    // node_exporter-like data (the shapes of a real host, ±1.5 ms jitter): 1,014 series × 120 samples.
    let chunkSeries: [[Sample]] = {
        guard let w = try? NodeExporterWorkload(hosts: 1) else { return realisticSeries(count: 1000, samples: 120) }
        var host = w.makeHost(0)
        var out = [[Sample]](repeating: [], count: w.seriesPerHost)
        var values: [Double] = []
        for _ in 0..<120 {
            let t = host.scrape(into: &values)
            for i in 0..<values.count { out[i].append(Sample(t: t, v: values[i])) }
        }
        return out
    }()
    let chunks: [XORChunk] = chunkSeries.map { s in
        var c = XORChunk()
        for x in s { c.append(t: x.t, v: x.v) }
        return c
    }
    let samplesPerRun = chunkSeries.count * 120

    // Throughput is reported per run; one run = 1,014 chunks × 120 samples (121,680 samples).
    Benchmark("XOR chunk encode (node_exporter, 121,680 samples)", configuration: .init(scalingFactor: .one)) { benchmark in
        for _ in benchmark.scaledIterations {
            var total = 0
            for s in chunkSeries {
                var c = XORChunk()
                for x in s { c.append(t: x.t, v: x.v) }
                total &+= c.numSamples
            }
            blackHole(total)
        }
    }

    Benchmark("XOR chunk decode (node_exporter, 121,680 samples)") { benchmark in
        for _ in benchmark.scaledIterations {
            var sum = 0.0
            for c in chunks {
                var it = c.makeIterator()
                while it.next() { sum += it.value }
            }
            blackHole(sum)
        }
    }
    _ = samplesPerRun

    let labels: [Labels] = (0..<100_000).map { i in
        Labels(sortedUnchecked: [Label(name: "__name__", value: "metric_\(i % 200)"), Label(name: "instance", value: "host-\(i / 1000):9100"),
                                 Label(name: "job", value: "node"), Label(name: "series", value: "\(i)")])
    }
    Benchmark("Head append, memory only (100 k series × 1 sample)") { benchmark in
        let head = Head()
        var app = head.appender()
        var t: Int64 = 0
        for _ in benchmark.scaledIterations {
            t += 15_000
            for (i, l) in labels.enumerated() {
                app.append(l, t: t, v: Double(i))
                if i % 5000 == 4999 { _ = try? app.commit() }
            }
            _ = try? app.commit()
        }
    }

    let head = Head()
    do {
        var app = head.appender()
        for (i, l) in labels.enumerated() { app.append(l, t: 1, v: Double(i)) }
        _ = try? app.commit()
    }
    let reader = head.indexReader()
    let sel: [Matcher] = [.eq("job", "node"), try! Matcher(.regex, "__name__", "metric_1.*"), try! Matcher(.notEqual, "instance", "host-3:9100")]
    Benchmark("Index select, 3 matchers over 100 k series") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(reader.select(sel).count) }
    }

    let hourSeries = realisticSeries(count: 100, samples: 960)
    let scratch = WindowScratch()
    for fn in [WindowFunction.avg, .max, .quantile(0.99)] {
        Benchmark("Range \(fn)_over_time 1h windows, 60 s step, 4 h (100 series)") { benchmark in
            for _ in benchmark.scaledIterations {
                var n = 0
                for s in hourSeries {
                    var it = ArraySampleIterator(s)
                    let start = s[0].t + 3_600_000
                    WindowKernel.evaluate(fn, over: &it, steps: RangeSteps(start: start, end: s[s.count - 1].t, step: 60_000, range: 3_600_000, leftOpen: true), scratch: scratch) { _, _ in n += 1 }
                }
                blackHole(n)
            }
        }
    }

    // A node_exporter /metrics page (1,014 series with HELP/TYPE lines). MB/s = throughput × page size.
    let page: [UInt8] = {
        guard let w = try? NodeExporterWorkload(hosts: 1) else { return [] }
        var host = w.makeHost(0)
        var values: [Double] = []
        _ = host.scrape(into: &values)
        return w.metricsPage(host: 0, values: values)
    }()
    for (label, build) in [("parse", false), ("parse + series hash", true)] {
        Benchmark("Exposition \(label), node_exporter page (\(page.count) bytes)") { benchmark in
            for _ in benchmark.scaledIterations {
                var sum = 0.0
                var h: UInt64 = 0
                page.withUnsafeBytes { raw in
                    var p = ExpositionParser(raw, format: .prometheusText)
                    while let s = try? p.nextSample() {
                        sum += s.value
                        if build { h &+= LabelBytesHash.hash(s.series) }
                    }
                }
                blackHole(sum)
                blackHole(h)
            }
        }
    }
}
