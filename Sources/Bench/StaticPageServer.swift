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
        let (fd, p) = try LoopbackListener.listen(backlog: 16)
        listener = fd
        port = p
        LoopbackListener.acceptInBackground(fd) { [self] conn in serve(conn) }
    }

    var served: Int { lock.lock(); defer { lock.unlock() }; return servedCount }

    private func serve(_ fd: Int32) {
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
            guard LoopbackListener.sendAll(fd, out) else { return }
        }
    }
}
