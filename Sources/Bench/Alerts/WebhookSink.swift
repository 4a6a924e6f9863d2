import Foundation

/// A loopback HTTP/1.1 server that records every POST it receives (path, body, arrival time) and
/// answers with a settable status — the receiving end of webhook and Slack notifications, for the
/// alert benchmark and the dispatcher's end-to-end tests. Can be created before it listens, to
/// stand for a receiver that is down.
final class WebhookSink: @unchecked Sendable {
    // @unchecked: mutable state is guarded by `lock`; connections run on their own threads.
    /// One request received.
    struct Received: Sendable {
        var path: String
        var body: [UInt8]
        var at: Date
        var headers: [String: String]
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The body parsed as a JSON object.
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] }
    }

    let port: Int
    private var listener: Int32 = -1
    private let lock = NSLock()
    private var received: [Received] = []
    private var statusCode = 200
    private var onReceive: (@Sendable (Received) -> Void)?

    /// Listens on a free loopback port now, or on `port` once `start()` is called.
    init(port: Int? = nil, listenNow: Bool = true, onReceive: (@Sendable (Received) -> Void)? = nil) throws {
        self.onReceive = onReceive
        if let port {
            self.port = port
        } else {
            let (fd, p) = try LoopbackListener.listen()
            close(fd)
            self.port = p
        }
        if listenNow { try start() }
    }

    /// Starts accepting connections (a receiver coming back after an outage).
    func start() throws {
        let (fd, _) = try LoopbackListener.listen(port: port)
        lock.withLock { listener = fd }
        LoopbackListener.acceptInBackground(fd) { [self] conn in serve(conn) }
    }

    /// Stops accepting connections.
    func stop() {
        lock.withLock {
            if listener >= 0 { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
            listener = -1
        }
    }

    /// The status answered from now on (e.g. 500 to simulate a failing receiver).
    func respond(with status: Int) { lock.withLock { statusCode = status } }

    /// Everything received so far.
    var requests: [Received] { lock.withLock { received } }

    private func serve(_ fd: Int32) {
        var buf = [UInt8](repeating: 0, count: 65536)
        var pending: [UInt8] = []
        func fill() -> Bool {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return false }
            pending.append(contentsOf: buf[..<n])
            return true
        }
        while true {
            while RawHTTPClient.find(pending, [13, 10, 13, 10]) == nil { guard fill() else { return } }
            let end = RawHTTPClient.find(pending, [13, 10, 13, 10]) ?? 0
            let head = String(decoding: pending[..<end], as: UTF8.self).split(separator: "\r\n").map(String.init)
            pending.removeFirst(end + 4)
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let c = line.firstIndex(of: ":") else { continue }
                headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while pending.count < length { guard fill() else { return } }
            let body = Array(pending.prefix(length))
            pending.removeFirst(length)
            let path = head.first?.split(separator: " ").dropFirst().first.map(String.init) ?? ""
            let r = Received(path: path, body: body, at: Date(), headers: headers)
            let (status, callback) = lock.withLock { () -> (Int, (@Sendable (Received) -> Void)?) in
                received.append(r)
                return (statusCode, onReceive)
            }
            callback?(r)
            guard LoopbackListener.sendAll(fd, Array("HTTP/1.1 \(status) X\r\nContent-Length: 0\r\n\r\n".utf8)) else { return }
        }
    }
}
