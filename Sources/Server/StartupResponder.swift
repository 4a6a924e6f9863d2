import Hummingbird
import Synchronization

/// The server's responder from the moment it listens: while the WAL replays and the rest starts
/// it answers as Prometheus does (`/-/healthy` 200, `/metrics` with what needs no storage,
/// everything else 503 "Service Unavailable"), then hands every request to the full router. One
/// listener for the whole life of the process, so the port never refuses connections between
/// start-up and service.
final class StartupResponder: HTTPResponder, Sendable {
    typealias Context = BasicRequestContext

    private let router = Mutex<RouterResponder<BasicRequestContext>?>(nil)
    private let replaying = Atomic<Bool>(true)

    /// The WAL replay is over (rules and the dispatcher may still be starting).
    func replayDone() { replaying.store(false, ordering: .relaxed) }

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
            return SelfMetrics.response(SelfMetrics.renderProcess(replaying: replaying.load(ordering: .relaxed)))
        }
        let why = replaying.load(ordering: .relaxed) ? "replaying the WAL" : "starting"
        return Response(status: .serviceUnavailable, body: .init(byteBuffer: .init(string: "Service Unavailable: \(why)\n")))
    }
}
