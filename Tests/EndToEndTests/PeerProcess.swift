import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A child process (tidemark or a real peer) on loopback, stopped when the test ends.
final class PeerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let dir: String
    private let errPipe = Pipe()

    /// Starts `binary` with `arguments`; `port` is where it listens.
    init(binary: String, arguments: [String], port: Int, dir: String) throws {
        self.port = port
        self.dir = dir
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// What the process wrote to stderr so far (after it exited).
    var stderr: String { String(decoding: errPipe.fileHandleForReading.availableData, as: UTF8.self) }

    /// Starts tidemark on a free port with a data directory (created fresh unless given).
    static func tidemark(config: String? = nil, dir: String? = nil, extra: [String] = []) throws -> PeerProcess {
        guard let bin = ProductLocator.path(of: "tidemark") else { throw TestFailure("tidemark not built") }
        let d = dir ?? NSTemporaryDirectory() + "tidemark-e2e-\(UUID().uuidString)"
        let port = ServerStartupTests.freePort()
        var args = ["--storage.tsdb.path", d, "--web.listen-address", "127.0.0.1:\(port)"] + extra
        if let config {
            let f = d + ".yml"
            try config.write(toFile: f, atomically: true, encoding: .utf8)
            args += ["--config.file", f]
        }
        return try PeerProcess(binary: bin, arguments: args, port: port, dir: d)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    /// Waits until `path` answers 200 (or the process exits).
    func waitReady(_ path: String = "/-/ready", seconds: Double = 20) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if !process.isRunning { throw TestFailure("process exited: \(stderr)") }
            if let (code, _) = await HTTP.request(base + path), code == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("\(process.executableURL?.lastPathComponent ?? "") not ready on \(path)")
    }

    /// Polls `check` every 250 ms until it returns true or `seconds` pass.
    static func eventually(_ seconds: Double = 20, _ check: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await check() { return true }
            try? await Task.sleep(for: .milliseconds(250))
        }
        return false
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
    }

    /// Waits for the process to exit by itself; kills it after `seconds` (then the test fails on
    /// its exit status rather than hanging).
    func waitForExit(seconds: Double = 30) {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        kill9()
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    deinit { stop() }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Minimal HTTP for tests (URLSession over loopback).
enum HTTP {
    static func request(_ url: String, method: String = "GET", body: [UInt8]? = nil, headers: [String: String] = [:]) async -> (Int, String)? {
        guard let u = URL(string: url) else { return nil }
        var r = URLRequest(url: u)
        r.httpMethod = method
        r.timeoutInterval = 10
        if let body { r.httpBody = Data(body) }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        do {
            let (data, resp) = try await URLSession.shared.data(for: r)
            return ((resp as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        } catch { return nil }
    }

    /// The federate output for `selector`.
    static func federate(_ base: String, _ selector: String) async -> String {
        let q = selector.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return await request("\(base)/federate?match%5B%5D=\(q)")?.1 ?? ""
    }
}
