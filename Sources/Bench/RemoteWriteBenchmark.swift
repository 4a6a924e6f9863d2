import ArgumentParser
import Foundation
import TSDB

/// Remote-write ingest over loopback: node_exporter-like payloads encoded up front, sent by C
/// connections (each owning a shard of the hosts, so every series' samples arrive in order, as
/// Prometheus' shards do) to a `tidemark` child process; reports samples/s and server CPU.
struct RemoteWriteBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote-write",
        abstract: "Remote-write ingest over loopback into a tidemark process: samples/s, server CPU-s per million, rejects."
    )

    @Option(help: "Hosts to simulate (about 1,014 series each).") var hosts = 60
    @Option(help: "Scrapes per host to send.") var scrapes = 40
    @Option(help: "Concurrent connections.") var connections = 4
    @Option(help: "Samples per request (real senders use a few thousand).") var batch = 2000
    @Option(help: "tidemark binary (default: next to this executable).") var binary: String?

    func run() throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let workload = try NodeExporterWorkload(hosts: hosts, startMs: now - Int64(scrapes + 2) * 15_000)
        print("workload: \(workload.seriesCount) series (\(hosts) hosts), \(scrapes) scrapes, \(connections) connections, ~\(batch) samples per request")

        // Encode every request up front, per connection shard, in send order.
        let e0 = Date()
        var shards = [[[UInt8]]](repeating: [], count: connections)
        var sampleCount = 0
        var labels: [[Labels]] = []
        for h in 0..<hosts {
            labels.append(try (0..<workload.seriesPerHost).map { s in
                try Labels(validating: workload.labels(host: h, series: s).map { Label(name: $0.name, value: $0.value) })
            })
        }
        var gens = (0..<hosts).map { workload.makeHost($0) }
        var values: [Double] = []
        var encoders = [RemoteWriteEncoder](repeating: RemoteWriteEncoder(reservingCapacity: batch * 120), count: connections)
        var pending = [Int](repeating: 0, count: connections)
        for _ in 0..<scrapes {
            for h in 0..<hosts {
                let c = h % connections
                let t = gens[h].scrape(into: &values)
                for s in 0..<values.count {
                    encoders[c].append(labels: labels[h][s], samples: CollectionOfOne(Sample(t: t, v: values[s])))
                    pending[c] += 1
                    if pending[c] >= batch {
                        shards[c].append(SnappyBlock.compress(encoders[c].bytes))
                        encoders[c].reset()
                        sampleCount += pending[c]
                        pending[c] = 0
                    }
                }
            }
        }
        for c in 0..<connections where pending[c] > 0 {
            shards[c].append(SnappyBlock.compress(encoders[c].bytes))
            sampleCount += pending[c]
        }
        let bytes = shards.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        print(String(format: "encoded %d samples in %d requests (%.1f MiB snappy) in %.1f s",
                     sampleCount, shards.reduce(0) { $0 + $1.count }, Double(bytes) / 1_048_576, Date().timeIntervalSince(e0)))
        labels = []

        let server = try ServerUnderTest(binary: binary, config: "scrape_configs: []\n")
        defer { server.stop() }
        let cpu0 = server.cpuSeconds
        let clientCPU0 = ProcessStats.cpuSeconds()
        let t0 = Date()
        let results = LockedValue([Int: Int]())
        let failures = LockedValue([String]())
        let sendShards = shards
        let port = server.port
        DispatchQueue.concurrentPerform(iterations: connections) { c in
            do {
                let client = try RawHTTPClient(port: port)
                var codes: [Int: Int] = [:]
                for body in sendShards[c] {
                    let r = try client.request("POST", "/api/v1/write", headers: [
                        "Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                        "X-Prometheus-Remote-Write-Version: 0.1.0",
                    ], body: body)
                    codes[r.status, default: 0] += 1
                    if r.status != 204 {
                        let msg = String(decoding: r.body, as: UTF8.self)
                        failures.withLock { if $0.count < 5 { $0.append("\(r.status): \(msg)") } }
                    }
                }
                results.withLock { for (k, v) in codes { $0[k, default: 0] += v } }
            } catch {
                failures.withLock { $0.append("connection \(c): \(error)") }
            }
        }
        let wall = Date().timeIntervalSince(t0)
        let serverCPU = server.cpuSeconds - cpu0
        let clientCPU = ProcessStats.cpuSeconds() - clientCPU0
        let codes = results.withLock { $0 }
        print(String(format: "ingested %d samples in %.2f s = %.2f M samples/s; server CPU %.2f s = %.2f CPU-s per million samples; client CPU %.2f s",
                     sampleCount, wall, Double(sampleCount) / wall / 1e6, serverCPU, serverCPU / (Double(sampleCount) / 1e6), clientCPU))
        print("responses: " + codes.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")
              + String(format: "; server RSS %.1f MiB", Double(server.residentBytes) / 1_048_576))
        for f in failures.withLock({ $0 }) { print("  failure: \(f)") }
        if codes.keys.contains(where: { $0 != 204 }) { throw ExitCode(1) }
    }
}
