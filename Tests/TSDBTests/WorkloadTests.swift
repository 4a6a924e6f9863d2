import Testing
@testable import TSDB

@Suite struct WorkloadTests {
    @Test func sameSeedSameData() throws {
        let a = try NodeExporterWorkload(hosts: 2, seed: 7)
        let b = try NodeExporterWorkload(hosts: 2, seed: 7)
        let c = try NodeExporterWorkload(hosts: 2, seed: 8)
        var ha = a.makeHost(1), hb = b.makeHost(1), hc = c.makeHost(1)
        var va: [Double] = [], vb: [Double] = [], vc: [Double] = []
        var anyDifference = false
        for _ in 0..<50 {
            let ta = ha.scrape(into: &va), tb = hb.scrape(into: &vb), tc = hc.scrape(into: &vc)
            #expect(ta == tb)
            #expect(va.map(\.bitPattern) == vb.map(\.bitPattern))
            if ta != tc || va.map(\.bitPattern) != vc.map(\.bitPattern) { anyDifference = true }
        }
        #expect(anyDifference, "another seed must give other data")
        #expect(throws: NodeExporterWorkloadError.self) { _ = try NodeExporterWorkload(hosts: 1, intervalMs: 10, jitterMs: 5) }
        #expect(throws: NodeExporterWorkloadError.unreadable(path: "/nonexistent")) {
            _ = try NodeExporterWorkload(hosts: 1, shapesPath: "/nonexistent")
        }
    }

    @Test func labelsAreSortedAndComplete() throws {
        let w = try NodeExporterWorkload(hosts: 11)
        #expect(w.seriesPerHost >= 900 && w.seriesPerHost <= 1200)
        #expect(w.seriesCount == 11 * w.seriesPerHost)
        for s in 0..<w.seriesPerHost {
            let ls = w.labels(host: 10, series: s)
            #expect(zip(ls, ls.dropFirst()).allSatisfy { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) })
            #expect(ls.contains { $0.name == "__name__" && !$0.value.isEmpty })
            #expect(ls.contains { $0.name == "instance" && $0.value == "host-0010:9100" })
            #expect(ls.contains { $0.name == "job" && $0.value == "node" })
        }
        // Global order: strictly increasing label sets, every pair once.
        let order = w.globallySortedSeries()
        #expect(order.count == w.seriesCount)
        var prev: [(name: String, value: String)]? = nil
        for p in order {
            let ls = w.labels(host: p.host, series: p.series)
            if let q = prev { #expect(NodeExporterWorkload.labelSetLess(q, ls)) }
            prev = ls
        }
    }

    @Test func timestampsSharedAlignedAndJittered() throws {
        let aligned = try NodeExporterWorkload(hosts: 3, jitterMs: 0)
        let jittered = try NodeExporterWorkload(hosts: 3, jitterMs: 1.5)
        for host in 0..<3 {
            var a = aligned.makeHost(host), j = jittered.makeHost(host)
            var v: [Double] = []
            let a0 = a.scrape(into: &v), j0 = j.scrape(into: &v)
            #expect(abs(a0 - j0) <= 2)
            #expect(a0 >= aligned.startMs && a0 < aligned.startMs + aligned.intervalMs)
            var sawJitter = false
            for k in 1..<200 {
                let ta = a.scrape(into: &v), tj = j.scrape(into: &v)
                #expect(ta == a0 + Int64(k) * 15_000)
                #expect(abs(tj - ta) <= 2)
                if tj != ta { sawJitter = true }
            }
            #expect(sawJitter)
        }
    }

    @Test func shapeConstantsCountersAndPrecision() throws {
        let w = try NodeExporterWorkload(hosts: 3)
        var constant = 0, total = 0, counterDecreases = 0, resetsSeen = 0
        for host in 0..<3 {
            var h = w.makeHost(host)
            var first: [Double] = [], prev: [Double] = [], v: [Double] = []
            var changed = [Bool](repeating: false, count: w.seriesPerHost)
            for k in 0..<480 {
                _ = h.scrape(into: &v)
                if k == 0 { first = v } else {
                    for i in 0..<v.count {
                        if v[i].bitPattern != first[i].bitPattern { changed[i] = true }
                        if w.isCounter(series: i), v[i] < prev[i] {
                            // A counter only goes down on a reset, and then to exactly 0.
                            if v[i] != 0 || !h.lastScrapeWasReset { counterDecreases += 1 }
                            resetsSeen += 1
                        }
                    }
                }
                prev = v
            }
            constant += changed.filter { !$0 }.count
            total += changed.count
        }
        let fraction = Double(constant) / Double(total)
        #expect(fraction > 0.6 && fraction < 0.75, "about two thirds constant, got \(fraction)")
        #expect(counterDecreases == 0)
        _ = resetsSeen

        // Precision: cpu seconds on a 0.01 grid, memory on 4 KiB pages, load on 2 decimals.
        var h = w.makeHost(0)
        var v: [Double] = []
        for _ in 0..<20 { _ = h.scrape(into: &v) }
        for s in 0..<w.seriesPerHost {
            let name = w.labels(host: 0, series: s).first { $0.name == "__name__" }?.value ?? ""
            if name == "node_cpu_seconds_total" {
                #expect(Double((v[s] * 100).rounded()) / 100 == v[s])
            }
            if name == "node_memory_MemFree_bytes" || name == "node_memory_Cached_bytes" {
                #expect(v[s].truncatingRemainder(dividingBy: 4096) == 0)
            }
            if name == "node_load1" { #expect(Double((v[s] * 100).rounded()) / 100 == v[s]) }
        }
    }

    @Test func rebootsResetCounters() throws {
        // At a 1 h interval a reboot has p = 1/240 per scrape: ~4 per host in 1,000 scrapes.
        let w = try NodeExporterWorkload(hosts: 2, seed: 3, intervalMs: 3_600_000)
        var resets = 0
        for host in 0..<2 {
            var h = w.makeHost(host)
            var v: [Double] = [], first: [Double] = []
            for k in 0..<1000 {
                _ = h.scrape(into: &v)
                if k == 0 { first = v }
                if h.lastScrapeWasReset {
                    resets += 1
                    for s in 0..<w.seriesPerHost where w.isCounter(series: s) {
                        // Ticking counters restart from 0; idle ones keep their constant value.
                        #expect(v[s] == 0 || v[s].bitPattern == first[s].bitPattern)
                    }
                }
            }
        }
        #expect(resets >= 1 && resets <= 20)
    }

    @Test func parsesEscapedLabels() throws {
        let (name, labels) = try NodeExporterSeriesShape.parseSeries(#"m{a="x\"y",b="1\\2",c="p\nq"}"#, line: 1)
        #expect(name == "m")
        #expect(labels.map(\.name) == ["a", "b", "c"])
        #expect(labels.map(\.value) == ["x\"y", "1\\2", "p\nq"])
        #expect(NodeExporterSeriesShape.decimals(of: "1.5e-05") == 6)
        #expect(NodeExporterSeriesShape.decimals(of: "4.5e+08") == 0)
        #expect(NodeExporterSeriesShape.decimals(of: "14.72") == 2)
    }
}

@Suite struct NodeExporterPageTests {
    @Test func pageParsesBackToTheSameSeriesAndValues() throws {
        let w = try NodeExporterWorkload(hosts: 2)
        var host = w.makeHost(1)
        var values: [Double] = []
        _ = host.scrape(into: &values)
        let page = w.metricsPage(host: 1, values: values)
        var got: [(String, Double)] = []
        try page.withUnsafeBytes { raw in
            var p = ExpositionParser(raw, format: .prometheusText)
            while let s = try p.nextSample() { got.append((String(decoding: s.series, as: UTF8.self), s.value)) }
        }
        #expect(got.count == w.seriesPerHost)
        for (i, (series, v)) in got.enumerated() {
            #expect(v.bitPattern == values[i].bitPattern || (v.isNaN && values[i].isNaN), "\(series)")
            #expect(!series.contains("instance=") && !series.contains("job="))
        }
    }
}
