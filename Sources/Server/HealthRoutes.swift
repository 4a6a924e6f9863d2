import Hummingbird

/// `/-/healthy` and `/-/ready`, as in Prometheus.
enum HealthRoutes {
    static func register(on router: Router<BasicRequestContext>, readiness: Readiness) {
        router.get("/-/healthy") { _, _ in "Tidemark is Healthy.\n" }
        router.get("/-/ready") { _, _ -> Response in
            if readiness.isReady {
                return Response(status: .ok, body: .init(byteBuffer: .init(string: "Tidemark is Ready.\n")))
            }
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: .init(string: "Service Unavailable\n")))
        }
    }
}
