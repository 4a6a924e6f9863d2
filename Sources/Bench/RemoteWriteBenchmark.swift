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
        let e0 = Date()
        let payloads = try RemoteWritePayloads.encode(workload: workload, scrapes: scrapes, connections: connections, batch: batch)
        print(String(format: "encoded %d samples in %d requests (%.1f MiB snappy) in %.1f s",
                     payloads.sampleCount, payloads.requestCount, Double(payloads.compressedBytes) / 1_048_576, Date().timeIntervalSince(e0)))

        let server = try ServerUnderTest(binary: binary, config: "scrape_configs: []\n")
        defer { server.stop() }
        let r = RemoteWriteIngest.run(payloads, to: server) { _ in }
        print(String(format: "ingested %d samples in %.2f s = %.2f M samples/s; server CPU %.2f s = %.2f CPU-s per million samples; client CPU %.2f s",
                     r.samples, r.seconds, r.samplesPerSecond / 1e6, r.serverCPUSeconds, r.cpuSecondsPerMillion, r.clientCPUSeconds))
        print("responses: " + r.statuses.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ")
              + String(format: "; server RSS %.1f MiB", Double(server.residentBytes) / 1_048_576))
        for f in r.failures { print("  failure: \(f)") }
        if r.rejectedRequests > 0 { throw ExitCode(1) }
    }
}
