import Hummingbird
import Logging

/// What the listen address answers while the WAL replays, as Prometheus does: `/-/healthy` 200,
/// everything else 503 "Service Unavailable", instead of refused connections. It gives the port
/// to the real server once storage is open.
struct StartupServer {
    private let task: Task<Void, Error>

    /// Starts listening on `host:port`; throws when the address cannot be bound.
    init(host: String, port: Int, logger: Logger) async throws {
        let router = Router()
        router.add(middleware: StartingUpMiddleware())
        var quiet = logger
        quiet.logLevel = .error
        let (bound, signal) = AsyncStream.makeStream(of: Void.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "tidemark"),
            onServerRunning: { _ in signal.yield(); signal.finish() },
            logger: quiet
        )
        // No signal handlers of its own: SIGTERM during the replay ends the process as usual.
        let task = Task {
            // Ends the wait below whether the server ran or failed to bind.
            defer { signal.finish() }
            try await app.runService(gracefulShutdownSignals: [])
        }
        var it = bound.makeAsyncIterator()
        if await it.next() == nil {
            // The stream ended without the server running: binding failed.
            try await task.value
            throw StartupServerError.stoppedBeforeListening
        }
        self.task = task
    }

    /// Stops listening (the port is free again when this returns).
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// The start-up server ended without ever listening.
enum StartupServerError: Error, CustomStringConvertible {
    case stoppedBeforeListening
    var description: String { "the listener stopped before it started" }
}

/// Answers every request but the health check with 503 while starting up.
private struct StartingUpMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: BasicRequestContext, next: (Request, BasicRequestContext) async throws -> Response) async throws -> Response {
        if request.uri.path == "/-/healthy" {
            return Response(status: .ok, body: .init(byteBuffer: .init(string: "Tidemark is Healthy.\n")))
        }
        return Response(status: .serviceUnavailable, body: .init(byteBuffer: .init(string: "Service Unavailable: replaying the WAL\n")))
    }
}
