import Foundation
import TSDB

/// What one system did with the remote-write payloads.
struct IngestFigures: Codable, Sendable {
    var samples: Int
    var seconds: Double
    var samplesPerSecond: Double
    var serverCPUSeconds: Double
    /// Server CPU seconds per million samples: steadier than samples/s on a shared machine.
    var cpuSecondsPerMillion: Double
    /// The harness' own CPU while sending, to show the client was not the bottleneck.
    var clientCPUSeconds: Double
    /// Responses by HTTP status.
    var statuses: [String: Int]
    /// Requests answered with anything but a 2xx.
    var rejectedRequests: Int
    /// The first few rejection messages.
    var failures: [String]
}

/// Sends `RemoteWritePayloads` to a server over C keep-alive loopback connections, round by round,
/// checking every response's status.
enum RemoteWriteIngest {
    /// The headers of a remote-write 1.0 request, as Prometheus sends them.
    static let headers = ["Content-Encoding: snappy", "Content-Type: application/x-protobuf",
                          "X-Prometheus-Remote-Write-Version: 0.1.0", "User-Agent: tidemark-bench"]

    static func run(_ payloads: RemoteWritePayloads, to server: ServerUnderTest, path: String = "/api/v1/write",
                    progress: (Double) -> Void) -> IngestFigures {
        let connections = payloads.rounds.first?.count ?? 0
        let port = server.port
        let statuses = LockedValue([Int: Int]())
        let failures = LockedValue([String]())
        // One client per connection, reused across rounds; index c is only touched by iteration c.
        let clients = LockedValue([Int: UnsafeSendable<RawHTTPClient>]())
        let cpu0 = server.cpuSeconds, client0 = ProcessStats.cpuSeconds()
        let t0 = ContinuousClock.now
        for (r, round) in payloads.rounds.enumerated() {
            DispatchQueue.concurrentPerform(iterations: connections) { c in
                var codes: [Int: Int] = [:]
                for body in round[c] {
                    var reply: RawHTTPClient.Reply?
                    // One reconnect per request: a server may close an idle keep-alive connection.
                    for attempt in 0..<2 where reply == nil {
                        do {
                            let client = try clients.withLock { cs -> UnsafeSendable<RawHTTPClient> in
                                if attempt == 0, let existing = cs[c] { return existing }
                                let fresh = UnsafeSendable(try RawHTTPClient(port: port))
                                cs[c] = fresh
                                return fresh
                            }
                            reply = try client.value.request("POST", path, headers: headers, body: body)
                        } catch {
                            if attempt == 1 { failures.withLock { if $0.count < 5 { $0.append("connection \(c): \(error)") } } }
                        }
                    }
                    guard let reply else { codes[0, default: 0] += 1; continue }
                    codes[reply.status, default: 0] += 1
                    if !(200..<300).contains(reply.status) {
                        let msg = String(decoding: reply.body.prefix(300), as: UTF8.self)
                        failures.withLock { if $0.count < 5 { $0.append("\(reply.status): \(msg)") } }
                    }
                }
                let done = codes
                statuses.withLock { for (k, v) in done { $0[k, default: 0] += v } }
            }
            progress(Double(r + 1) / Double(payloads.rounds.count))
        }
        let seconds = (ContinuousClock.now - t0).seconds
        let serverCPU = server.cpuSeconds - cpu0
        let codes = statuses.withLock { $0 }
        return IngestFigures(
            samples: payloads.sampleCount, seconds: seconds, samplesPerSecond: Double(payloads.sampleCount) / seconds,
            serverCPUSeconds: serverCPU, cpuSecondsPerMillion: serverCPU / (Double(payloads.sampleCount) / 1e6),
            clientCPUSeconds: ProcessStats.cpuSeconds() - client0,
            statuses: Dictionary(uniqueKeysWithValues: codes.map { (String($0.key), $0.value) }),
            rejectedRequests: codes.filter { !(200..<300).contains($0.key) }.reduce(0) { $0 + $1.value },
            failures: failures.withLock { $0 })
    }
}

/// Carries a non-Sendable reference across a `concurrentPerform` whose iterations each use their
/// own instance exclusively.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
