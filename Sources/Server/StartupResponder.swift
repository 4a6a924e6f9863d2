import Hummingbird
import Synchronization

/// The server's responder from the moment it listens: while the WAL replays it answers as
/// Prometheus does (`/-/healthy` 200, `/metrics` with what needs no storage, everything else 503
/// "Service Unavailable"), then hands every request to the full router. One listener for the whole life of the process, so the port never
/// refuses connections between start-up and service.
final class StartupResponder: HTTPResponder, Sendable {
    typealias Context = BasicRequestContext

    private let router = Mutex<RouterResponder<BasicRequestContext>?>(nil)

    /// From now on, requests go to `responder`.
    func serve(_ responder: RouterResponder<BasicRequestContext>) {
        router.withLock { $0 = responder }
    }

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        if let r = router.withLock({ $0 }) { return try await r.respond(to: request, context: context) }
        if request.uri.path == "/-/healthy" {
            return Response(status: .ok, body: .init(byteBuffer: .init(string: "Tidemark is Healthy.\n")))
        }
        if request.uri.path == "/metrics" {
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: .init(string: SelfMetrics.renderProcess(replaying: true))))
        }
        return Response(status: .serviceUnavailable, body: .init(byteBuffer: .init(string: "Service Unavailable: replaying the WAL\n")))
    }
}
