import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TSDB

/// Starts the real `tidemark` binary on a loopback port and talks HTTP to it.
@Suite struct ServerStartupTests {
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func get(_ url: String) async -> (Int, String)? {
        guard let u = URL(string: url) else { return nil }
        do {
            let (data, resp) = try await URLSession.shared.data(from: u)
            return ((resp as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        } catch { return nil }
    }

    @Test func startsAnswersReadyAndServesItsMetrics() async throws {
        let bin = try #require(ProductLocator.path(of: "tidemark"), "tidemark not built")
        let dir = NSTemporaryDirectory() + "tidemark-srv-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let port = Self.freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: bin)
        p.arguments = ["--storage.tsdb.path", dir, "--web.listen-address", "127.0.0.1:\(port)"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        defer { if p.isRunning { p.terminate(); p.waitUntilExit() } }
        var ready: (Int, String)?
        for _ in 0..<100 {
            ready = await Self.get("http://127.0.0.1:\(port)/-/ready")
            if ready?.0 == 200 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(ready?.0 == 200)
        let healthy = await Self.get("http://127.0.0.1:\(port)/-/healthy")
        #expect(healthy?.0 == 200)
        let metrics = await Self.get("http://127.0.0.1:\(port)/metrics")
        #expect(metrics?.0 == 200)
        #expect(metrics?.1.contains("\ntidemark_tsdb_head_series ") == true)
        // Closed head chunks go to files: none is held in memory.
        #expect(metrics?.1.contains("\ntidemark_tsdb_head_chunk_segments_in_memory 0\n") == true)
        #expect(metrics?.1.contains("process_resident_memory_bytes") == true)
        #expect(metrics?.1.contains("\ntidemark_tsdb_head_chunk_buffer_bytes ") == true)

        // A second instance on the same data directory refuses to start, with a clear message.
        let q = Process()
        q.executableURL = URL(fileURLWithPath: bin)
        q.arguments = ["--storage.tsdb.path", dir, "--web.listen-address", "127.0.0.1:\(Self.freePort())"]
        let err = Pipe()
        q.standardError = err
        try q.run()
        q.waitUntilExit()
        #expect(q.terminationStatus != 0)
        let msg = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(msg.contains("locked by another running instance"))

        // SIGTERM stops it cleanly.
        p.terminate()
        p.waitUntilExit()
        #expect(p.terminationReason == .exit)
    }

    /// A data directory whose WAL takes a moment to replay (40 k series × 8 samples, then kill -9).
    static func largeWAL(_ dir: String) async throws {
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n", dir: dir)
        try await tm.waitReady()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for batch in 0..<20 {
            let series = try (0..<2_000).map { i in
                (try Labels(["__name__": "replay_test", "b": "\(batch)", "i": "\(i)"]),
                 (0..<8).map { Sample(t: now - 8_000 + Int64($0) * 1000, v: Double($0)) })
            }
            let r = await HTTP.request(tm.base + "/api/v1/write", method: "POST", body: RemoteWriteEncoder.encodeCompressed(series),
                                       headers: ["Content-Encoding": "snappy"])
            #expect(r?.0 == 204)
        }
        tm.kill9()
    }

    @Test func sigtermDuringTheReplayStopsCleanly() async throws {
        let dir = NSTemporaryDirectory() + "tidemark-replay-term-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Self.largeWAL(dir)
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n", dir: dir)
        let answered = await PeerProcess.eventually(30) { await HTTP.request(tm.base + "/-/healthy") != nil }
        try #require(answered)
        tm.process.terminate()
        tm.waitForExit()
        #expect(tm.process.terminationStatus == 0, "\(tm.stderr)")
        #expect(tm.stderr.contains("shut down cleanly"))
    }

    @Test func answers503UntilTheWALIsReplayed() async throws {
        let dir = NSTemporaryDirectory() + "tidemark-replay-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Self.largeWAL(dir)
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n", dir: dir)
        defer { tm.stop() }
        // From the first answer on: healthy, and 503 until ready, rather than refused connections
        // (one listener from start to end; a request failing on a busy machine is tolerated).
        var statuses: [Int] = [], queries: [Int] = [], healthy: [Int] = [], metrics: [String] = []
        var refusedSince: Date? = nil, refusedLongest = 0.0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let (code, _) = await HTTP.request(tm.base + "/-/ready") {
                if let r = refusedSince { refusedLongest = max(refusedLongest, Date().timeIntervalSince(r)); refusedSince = nil }
                statuses.append(code)
                if code == 200 { break }
                if let h = await HTTP.request(tm.base + "/-/healthy")?.0 { healthy.append(h) }
                if let q = await HTTP.request(tm.base + "/api/v1/query?query=up")?.0 { queries.append(q) }
                if let (c, body) = await HTTP.request(tm.base + "/metrics"), c == 200 { metrics.append(body) }
            } else if !statuses.isEmpty && refusedSince == nil {
                refusedSince = Date()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(statuses.contains(503), "a replay of 320 k samples is long enough to be seen: \(statuses.count) answers")
        #expect(statuses.last == 200)
        #expect(queries.contains(503), "other endpoints answer 503 during the replay: \(queries)")
        #expect(healthy.allSatisfy { $0 == 200 } && !healthy.isEmpty)
        // Its own metrics are served meanwhile (a Prometheus scraping it sees it up), saying so.
        #expect(metrics.contains { $0.contains("tidemark_tsdb_wal_replay_in_progress 1") && $0.contains("process_resident_memory_bytes") },
                "\(metrics.count) /metrics answers during the replay")
        #expect(await HTTP.request(tm.base + "/metrics")?.1.contains("tidemark_tsdb_wal_replay_in_progress 0") == true)
        #expect(refusedLongest < 2, "the port never stops answering: \(refusedLongest) s without an answer")
        #expect(await HTTP.federate(tm.base, #"replay_test{b="19",i="1999"}"#).contains(" 7 "))
    }

    @Test func aListenAddressInUseStopsTheStart() async throws {
        let tm = try PeerProcess.tidemark(config: "scrape_configs: []\n")
        defer { tm.stop(); try? FileManager.default.removeItem(atPath: tm.dir) }
        try await tm.waitReady()
        let second = try PeerProcess.tidemark(config: "scrape_configs: []\n", extra: ["--web.listen-address", "127.0.0.1:\(tm.port)"])
        defer { try? FileManager.default.removeItem(atPath: second.dir) }
        second.waitForExit()
        #expect(second.process.terminationStatus != 0)
        #expect(second.stderr.contains("cannot listen on 127.0.0.1:\(tm.port)"), "\(second.stderr)")
    }
}
