import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// Collects a scrape response on the connection's event loop into a buffer the scrape loop
/// reuses, so a large body costs one copy and one wake-up of the scrape task (the streaming API
/// wakes it for every read, a few dozen times per megabyte).
///
/// Used by one request at a time, and only on its event loop (AsyncHTTPClient calls a delegate there).
final class ScrapeBodyCollector: HTTPClientResponseDelegate, @unchecked Sendable {
    typealias Response = (body: ByteBuffer, contentType: String)

    private var body: ByteBuffer
    private var contentType = "text/plain"
    private let limit: Int
    static let maxUpfrontReservation = 16 << 20

    /// A collector that writes into `buffer` (cleared first) and fails past `limit` bytes.
    init(reusing buffer: ByteBuffer, limit: Int) {
        body = buffer
        body.clear()
        self.limit = limit
    }

    func didReceiveHead(task: HTTPClient.Task<Response>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        guard head.status == .ok else {
            return task.eventLoop.makeFailedFuture(
                ScrapeFailure.http("server returned HTTP status \(head.status.code) \(head.status.reasonPhrase)"))
        }
        if let t = head.headers.first(name: "Content-Type") { contentType = t }
        // The target's claim sizes the buffer only up to a bound: a false one must not make us
        // allocate the whole body limit before any byte arrives.
        if let length = head.headers.first(name: "Content-Length").flatMap(Int.init), length > body.capacity, length <= limit {
            body.reserveCapacity(min(length, Self.maxUpfrontReservation))
        }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Response>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard body.readableBytes + buffer.readableBytes <= limit else {
            return task.eventLoop.makeFailedFuture(ScrapeFailure.bodySizeLimit(limit: Int64(limit)))
        }
        body.writeImmutableBuffer(buffer)
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<Response>) throws -> Response {
        // Handed over: the collector is not used again, so the buffer stays uniquely referenced.
        let out = body
        body = ByteBuffer()
        return (out, contentType)
    }
}
