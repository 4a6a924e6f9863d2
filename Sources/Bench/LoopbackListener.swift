import Foundation

/// The socket plumbing of the harness' small loopback servers (scrape targets, webhook sinks):
/// listen, accept each connection on a thread of its own, write a whole reply.
enum LoopbackListener {
    /// Listens on 127.0.0.1:`port` (0: a free port); returns the socket and the port.
    static func listen(port: Int = 0, backlog: Int32 = 128) throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        guard withUnsafePointer(to: &addr, { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }) == 0,
              Glibc.listen(fd, backlog) == 0 else {
            close(fd)
            throw BenchError("cannot listen on 127.0.0.1:\(port)")
        }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    /// Accepts connections on a background thread until the socket is closed; `serve` runs on a
    /// thread per connection and owns the descriptor (closed after it returns).
    static func acceptInBackground(_ listener: Int32, serve: @escaping @Sendable (Int32) -> Void) {
        Thread.detachNewThread {
            while true {
                let fd = accept(listener, nil, nil)
                guard fd >= 0 else { return }
                Thread.detachNewThread {
                    serve(fd)
                    close(fd)
                }
            }
        }
    }

    /// Writes all of `bytes`; false when the peer went away.
    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress.unsafelyUnwrapped + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            off += n
        }
        return true
    }
}
