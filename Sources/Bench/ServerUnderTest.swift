import Foundation

/// A `tidemark` child process started for a benchmark: a fresh data directory, a free loopback
/// port, and its CPU time and resident memory read from /proc.
final class ServerUnderTest {
    let process = Process()
    let port: Int
    let dir: String

    /// Starts the `tidemark` binary next to this executable (or `binary`) with `config`.
    init(binary: String?, config: String, extraArgs: [String] = []) throws {
        let exe = binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tidemark").path
        guard FileManager.default.isExecutableFile(atPath: exe) else {
            throw BenchError("tidemark binary not found at \(exe): build it with `swift build -c release --product tidemark`")
        }
        dir = NSTemporaryDirectory() + "tidemark-bench-srv-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try config.write(toFile: dir + "/tidemark.yml", atomically: true, encoding: .utf8)
        port = Self.freePort()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["--config.file", dir + "/tidemark.yml", "--storage.tsdb.path", dir + "/data",
                             "--web.listen-address", "127.0.0.1:\(port)", "--log.level", "warn"] + extraArgs
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let c = try? RawHTTPClient(port: port), let r = try? c.request("GET", "/-/ready", body: []), r.status == 200 { return }
            guard process.isRunning else { throw BenchError("tidemark exited during start-up") }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw BenchError("tidemark did not become ready")
    }

    /// User + system CPU seconds of the process so far, from its CPU-time clock (nanosecond
    /// resolution; /proc's utime and stime count 10 ms ticks, too coarse for a few ms per scrape).
    var cpuSeconds: Double {
        var clock = clockid_t()
        var ts = timespec()
        guard clock_getcpuclockid(process.processIdentifier, &clock) == 0, clock_gettime(clock, &ts) == 0 else { return 0 }
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Resident bytes of the process.
    var residentBytes: Int {
        guard let s = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/statm", encoding: .utf8) else { return 0 }
        let f = s.split(separator: " ")
        return f.count > 1 ? (Int(f[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    func stop() {
        if process.isRunning { process.terminate(); process.waitUntilExit() }
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
