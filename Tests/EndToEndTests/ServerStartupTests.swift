import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

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
}
