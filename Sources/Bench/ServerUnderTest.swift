import Foundation

/// A server child process started for a benchmark (tidemark or a peer): a fresh temporary
/// directory, a free loopback port, and its CPU time, resident memory and disk use read from /proc.
final class ServerUnderTest {
    let process = Process()
    let name: String
    let port: Int
    let dir: String

    /// Starts `executable` with the arguments `arguments(port, dir)` after `prepare(dir)`, and waits
    /// until `readyPath` answers 200 (start-up includes WAL replay, so the wait is generous).
    init(name: String, executable: String, readyPath: String,
         prepare: (String) throws -> Void = { _ in }, arguments: (Int, String) -> [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw BenchError("\(name): no executable at \(executable)")
        }
        self.name = name
        dir = NSTemporaryDirectory() + "tidemark-bench-\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try prepare(dir)
        port = Self.freePort()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments(port, dir)
        process.standardOutput = FileHandle.nullDevice
        // Peers log to stderr; keep it in a file so a failed start can be explained.
        _ = FileManager.default.createFile(atPath: dir + "/stderr.log", contents: nil)
        process.standardError = FileHandle(forWritingAtPath: dir + "/stderr.log")
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            if let c = try? RawHTTPClient(port: port), let r = try? c.request("GET", readyPath, body: []), r.status == 200 { return }
            guard process.isRunning else {
                let log = (try? String(contentsOfFile: dir + "/stderr.log", encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(atPath: dir)
                throw BenchError("\(name) exited during start-up: \(log.suffix(500))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw BenchError("\(name) did not become ready within 60 s")
    }

    /// Starts the `tidemark` binary next to this executable (or `binary`) with `config`.
    convenience init(binary: String?, config: String, extraArgs: [String] = []) throws {
        let exe = binary ?? Self.sibling("tidemark")
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw BenchError("tidemark binary not found at \(exe): build it with `swift build -c release --product tidemark`")
        }
        try self.init(name: "tidemark", executable: exe, readyPath: "/-/ready",
                      prepare: { try config.write(toFile: $0 + "/tidemark.yml", atomically: true, encoding: .utf8) },
                      arguments: { port, dir in
                          ["--config.file", dir + "/tidemark.yml", "--storage.tsdb.path", dir + "/data",
                           "--web.listen-address", "127.0.0.1:\(port)", "--log.level", "warn"] + extraArgs
                      })
    }

    /// Path of an executable next to this one.
    static func sibling(_ product: String) -> String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(product).path
    }

    /// User + system CPU seconds of the process so far, from its CPU-time clock (nanosecond
    /// resolution; /proc's utime and stime count 10 ms ticks, too coarse for a few ms per scrape).
    var cpuSeconds: Double {
        var clock = clockid_t()
        var ts = timespec()
        guard clock_getcpuclockid(process.processIdentifier, &clock) == 0, clock_gettime(clock, &ts) == 0 else { return 0 }
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Waits until the process is at rest (under 5 % of a core in each of two consecutive
    /// seconds: background work such as compaction or merges done), at most `limit` seconds;
    /// returns the seconds waited.
    func waitUntilIdle(limit: Double = 60) -> Double {
        let start = Date()
        var cpu = cpuSeconds
        var quiet = 0
        while Date().timeIntervalSince(start) < limit && quiet < 2 {
            Thread.sleep(forTimeInterval: 1)
            let now = cpuSeconds
            quiet = now - cpu < 0.05 ? quiet + 1 : 0
            cpu = now
        }
        return Date().timeIntervalSince(start)
    }

    /// Resident bytes of the process.
    var residentBytes: Int {
        guard let s = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/statm", encoding: .utf8) else { return 0 }
        let f = s.split(separator: " ")
        return f.count > 1 ? (Int(f[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    /// Sends one request on a fresh connection.
    func request(_ method: String, _ path: String, body: [UInt8] = []) throws -> RawHTTPClient.Reply {
        try RawHTTPClient(port: port).request(method, path, body: body)
    }

    /// Stops the process (SIGTERM, then SIGKILL after 30 s) and removes its directory.
    func stop() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(30)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
