import CZlib
import Foundation
import TSDB

/// A minimal HTTP/1.1 keep-alive server on loopback that answers every request with the next of
/// a few prepared bodies (a scrape target for benchmarks), gzip-compressed when the request
/// accepts it, as node_exporter does. Counts the requests it served.
final class StaticPageServer: @unchecked Sendable {
    // @unchecked: `served` is guarded by `lock`; bodies are immutable; the listener runs on threads.
    let port: Int
    private let listener: Int32
    private let bodies: [[UInt8]]
    private let gzipped: [[UInt8]]
    private let lock = NSLock()
    private var servedCount = 0
    private var gzipCount = 0

    init(bodies: [[UInt8]]) throws {
        self.bodies = bodies
        gzipped = try bodies.map(Self.gzip)
        let (fd, p) = try LoopbackListener.listen(backlog: 16)
        listener = fd
        port = p
        LoopbackListener.acceptInBackground(fd) { [self] conn in serve(conn) }
    }

    var served: Int { lock.lock(); defer { lock.unlock() }; return servedCount }
    /// How many of them were sent gzip-compressed.
    var servedGzipped: Int { lock.lock(); defer { lock.unlock() }; return gzipCount }

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
            let request = String(decoding: pending[..<end], as: UTF8.self).lowercased()
            pending.removeFirst(end + 4)
            let gzip = request.contains("accept-encoding: gzip") || request.contains("accept-encoding:gzip")
            lock.lock()
            let body = (gzip ? gzipped : bodies)[servedCount % bodies.count]
            servedCount += 1
            if gzip { gzipCount += 1 }
            lock.unlock()
            let encoding = gzip ? "Content-Encoding: gzip\r\n" : ""
            let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n\(encoding)Content-Length: \(body.count)\r\n\r\n"
            var out = Array(head.utf8)
            out.append(contentsOf: body)
            guard LoopbackListener.sendAll(fd, out) else { return }
        }
    }

    /// `body` as a gzip stream (zlib's default level, as Go's gzip writer uses).
    private static func gzip(_ body: [UInt8]) throws -> [UInt8] {
        var strm = z_stream()
        guard deflateInit2_(&strm, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                            ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw BenchError("zlib: deflateInit2 failed") }
        defer { deflateEnd(&strm) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&strm, uLong(body.count))))
        let rc: Int32 = body.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                strm.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
                strm.avail_in = uInt(input.count)
                strm.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
                strm.avail_out = uInt(output.count)
                return deflate(&strm, Z_FINISH)
            }
        }
        guard rc == Z_STREAM_END else { throw BenchError("zlib: deflate returned \(rc)") }
        out.removeLast(Int(strm.avail_out))
        return out
    }
}
