import Foundation

/// A blocking HTTP/1.1 keep-alive client over one loopback socket: a few microseconds per
/// request, so a benchmark measures the server, not the client.
final class RawHTTPClient {
    struct Reply {
        let status: Int
        let body: [UInt8]
    }

    private let fd: Int32
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)
    private var pending: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw BenchError("connect to 127.0.0.1:\(port) failed") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Sends one request and reads the whole reply.
    func request(_ method: String, _ path: String, headers: [String] = [], body: [UInt8]) throws -> Reply {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.count)\r\n"
        for h in headers { head += h + "\r\n" }
        head += "\r\n"
        try sendAll(Array(head.utf8))
        if !body.isEmpty { try sendAll(body) }
        // Status line and headers.
        var headerEnd: Int?
        while headerEnd == nil {
            headerEnd = Self.find(pending, [13, 10, 13, 10])
            if headerEnd == nil { try receive() }
        }
        let end = headerEnd.unsafelyUnwrapped
        let headerText = String(decoding: pending[..<end], as: UTF8.self)
        pending.removeFirst(end + 4)
        let lines = headerText.split(separator: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        let status = statusParts.count > 1 ? Int(statusParts[1]) ?? 0 : 0
        var length = 0
        var chunked = false
        for l in lines.dropFirst() {
            let kv = l.split(separator: ":", maxSplits: 1)
            guard kv.count == 2 else { continue }
            let key = kv[0].lowercased(), value = kv[1].trimmingCharacters(in: .whitespaces)
            if key == "content-length" { length = Int(value) ?? 0 }
            if key == "transfer-encoding", value.lowercased().contains("chunked") { chunked = true }
        }
        if chunked { return Reply(status: status, body: try readChunkedBody()) }
        while pending.count < length { try receive() }
        let b = Array(pending[..<length])
        pending.removeFirst(length)
        return Reply(status: status, body: b)
    }

    /// Reads a `Transfer-Encoding: chunked` body (Go servers, e.g. the peers, answer large
    /// responses this way).
    private func readChunkedBody() throws -> [UInt8] {
        var body: [UInt8] = []
        while true {
            var lineEnd: Int?
            while lineEnd == nil {
                lineEnd = Self.find(pending, [13, 10])
                if lineEnd == nil { try receive() }
            }
            let end = lineEnd.unsafelyUnwrapped
            let sizeText = String(decoding: pending[..<end], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else {
                throw BenchError("malformed chunk size '\(sizeText)'")
            }
            pending.removeFirst(end + 2)
            if size == 0 {
                // Trailer lines, up to an empty line.
                while true {
                    while Self.find(pending, [13, 10]) == nil { try receive() }
                    let t = Self.find(pending, [13, 10]).unsafelyUnwrapped
                    pending.removeFirst(t + 2)
                    if t == 0 { return body }
                }
            }
            while pending.count < size + 2 { try receive() }
            body.append(contentsOf: pending[..<size])
            pending.removeFirst(size + 2)
        }
    }

    private func sendAll(_ bytes: [UInt8]) throws {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress.unsafelyUnwrapped + off, bytes.count - off, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw BenchError("send failed (errno \(errno))") }
            off += n
        }
    }

    private func receive() throws {
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw BenchError("connection closed by the server") }
        pending.append(contentsOf: buffer[..<n])
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first {
                var j = 1
                while j < needle.count && hay[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
