import Hummingbird
import TSDB

/// Request counts and durations by handler and status code, for `/metrics`.
final class HTTPMetrics: Sendable {
    static let shared = HTTPMetrics()

    struct Key: Hashable, Sendable {
        let handler: String
        let code: Int
    }

    struct Figures: Sendable {
        var count = 0
        var seconds = 0.0
    }

    private let table = LockedValue<[Key: Figures]>([:])

    func record(handler: String, code: Int, seconds: Double) {
        table.withLock { t in
            t[Key(handler: handler, code: code), default: Figures()].count += 1
            t[Key(handler: handler, code: code), default: Figures()].seconds += seconds
        }
    }

    var snapshot: [Key: Figures] { table.withLock { $0 } }
}

/// Records every request in `HTTPMetrics` under its route (not the raw path, to bound cardinality).
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func seconds() -> Double {
            let d = ContinuousClock.now - start
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        do {
            let r = try await next(request, context)
            HTTPMetrics.shared.record(handler: context.endpointPath ?? "other", code: Int(r.status.code), seconds: seconds())
            return r
        } catch let e as HTTPResponseError {
            HTTPMetrics.shared.record(handler: context.endpointPath ?? "other", code: Int(e.status.code), seconds: seconds())
            throw e
        } catch {
            HTTPMetrics.shared.record(handler: context.endpointPath ?? "other", code: 500, seconds: seconds())
            throw error
        }
    }
}
