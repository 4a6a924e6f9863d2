import Foundation
import TSDB

/// A minimal HTTP/1.1 keep-alive server on loopback that answers every request with the next of
/// a few prepared bodies (a scrape target for benchmarks). Counts the requests it served.
final class StaticPageServer: @unchecked Sendable {
    // @unchecked: `served` is guarded by `lock`; bodies are immutable; the listener runs on threads.
    let port: Int
    private let listener: Int32
    private let bodies: [[UInt8]]
    private let lock = NSLock()
    private var servedCount = 0

    init(bodies: [[UInt8]]) throws {
        self.bodies = bodies
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }) == 0,
              listen(fd, 16) == 0 else { throw BenchError("cannot listen on loopback") }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    var served: Int { lock.lock(); defer { lock.unlock() }; return servedCount }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            Thread.detachNewThread { [self] in serve(fd) }
        }
    }

    private func serve(_ fd: Int32) {
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 8192)
        var pending: [UInt8] = []
        while true {
            while RawHTTPClient.find(pending, [13, 10, 13, 10]) == nil {
                let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                guard n > 0 else { return }
                pending.append(contentsOf: buf[..<n])
            }
            let end = RawHTTPClient.find(pending, [13, 10, 13, 10]) ?? 0
            pending.removeFirst(end + 4)
            lock.lock()
            let body = bodies[servedCount % bodies.count]
            servedCount += 1
            lock.unlock()
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: \(body.count)\r\n\r\n"
            var out = Array(head.utf8)
            out.append(contentsOf: body)
            var off = 0
            while off < out.count {
                let n = out.withUnsafeBytes { send(fd, $0.baseAddress.unsafelyUnwrapped + off, out.count - off, Int32(MSG_NOSIGNAL)) }
                guard n > 0 else { return }
                off += n
            }
        }
    }
}
