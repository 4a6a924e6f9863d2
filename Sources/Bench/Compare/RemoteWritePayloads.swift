import Foundation
import TSDB

/// The remote-write requests of a node_exporter-like workload, encoded once up front so the
/// sender is never the bottleneck: grouped in rounds of a few minutes of data (all connections
/// finish a round before the next starts, so no sender runs ahead of another by more than a
/// round, which Prometheus' head would reject as out of bounds), each round split over the
/// connections by host so every series' samples arrive in order, as Prometheus' shards send them.
struct RemoteWritePayloads: Sendable {
    /// round → connection → snappy-compressed `WriteRequest` bodies, in send order.
    let rounds: [[[[UInt8]]]]
    let sampleCount: Int
    let requestCount: Int
    let compressedBytes: Int
    let firstTimestamp: Int64
    let lastTimestamp: Int64

    /// Encodes `scrapes` scrapes of every host, `batch` samples per request at most.
    static func encode(workload: NodeExporterWorkload, scrapes: Int, connections: Int, batch: Int,
                       scrapesPerRound: Int = 20, progress: (@Sendable (Double) -> Void)? = nil) throws -> RemoteWritePayloads {
        guard connections > 0, batch > 0, scrapes > 0 else { throw BenchError("need connections, batch and scrapes > 0") }
        let roundCount = (scrapes + scrapesPerRound - 1) / scrapesPerRound
        let perConnection = LockedValue([[[[UInt8]]]?](repeating: nil, count: connections))
        let stats = LockedValue((samples: 0, first: Int64.max, last: Int64.min, done: 0))
        let failure = LockedValue<String?>(nil)
        // Each connection's hosts are independent, so connections encode in parallel.
        DispatchQueue.concurrentPerform(iterations: connections) { c in
            do {
                let hosts = Array(stride(from: c, to: workload.hosts, by: connections))
                let fields = try hosts.map { h in
                    try (0..<workload.seriesPerHost).map { s in
                        RemoteWriteEncoder.encodedLabelFields(try Labels(validating: workload.labels(host: h, series: s).map { Label(name: $0.name, value: $0.value) }))
                    }
                }
                var gens = hosts.map { workload.makeHost($0) }
                var values: [Double] = []
                var encoder = RemoteWriteEncoder(reservingCapacity: batch * 160)
                var rounds: [[[UInt8]]] = []
                var samples = 0, first = Int64.max, last = Int64.min
                for r in 0..<roundCount {
                    var requests: [[UInt8]] = []
                    var pending = 0
                    for _ in (r * scrapesPerRound)..<min(scrapes, (r + 1) * scrapesPerRound) {
                        for i in 0..<hosts.count {
                            let t = gens[i].scrape(into: &values)
                            first = min(first, t); last = max(last, t)
                            for s in 0..<values.count {
                                encoder.append(labelFields: fields[i][s], samples: CollectionOfOne(Sample(t: t, v: values[s])))
                                pending += 1
                                if pending >= batch {
                                    requests.append(SnappyBlock.compress(encoder.bytes))
                                    encoder.reset(); samples += pending; pending = 0
                                }
                            }
                        }
                    }
                    if pending > 0 {
                        requests.append(SnappyBlock.compress(encoder.bytes))
                        encoder.reset(); samples += pending
                    }
                    rounds.append(requests)
                    if c == 0 { progress?(Double(r + 1) / Double(roundCount)) }
                }
                let encoded = rounds
                perConnection.withLock { $0[c] = encoded }
                stats.withLock { $0.samples += samples; $0.first = min($0.first, first); $0.last = max($0.last, last) }
            } catch {
                failure.withLock { $0 = "\(error)" }
            }
        }
        if let f = failure.withLock({ $0 }) { throw BenchError("encoding failed: \(f)") }
        let byConnection = perConnection.withLock { $0 }.map { $0 ?? [] }
        var rounds: [[[[UInt8]]]] = []
        var requests = 0, bytes = 0
        for r in 0..<roundCount {
            rounds.append(byConnection.map { r < $0.count ? $0[r] : [] })
            for reqs in rounds[r] { requests += reqs.count; bytes += reqs.reduce(0) { $0 + $1.count } }
        }
        let s = stats.withLock { $0 }
        return RemoteWritePayloads(rounds: rounds, sampleCount: s.samples, requestCount: requests, compressedBytes: bytes,
                                   firstTimestamp: s.first, lastTimestamp: s.last)
    }
}
