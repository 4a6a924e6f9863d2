import Hummingbird

/// `POST /-/reload` (and `PUT`), only with `--web.enable-lifecycle` (as Prometheus).
enum LifecycleRoutes {
    static func register(on router: Router<BasicRequestContext>, enabled: Bool, reloader: ConfigReloader) {
        for method in [HTTPRequest.Method.post, .put] {
            router.on("/-/reload", method: method) { _, _ -> Response in
                guard enabled else { return APIResponse.text(.forbidden, "Lifecycle API is not enabled.\n") }
                do {
                    try await reloader.reload()
                    return APIResponse.text(.ok, "")
                } catch {
                    return APIResponse.text(.internalServerError, "failed to reload config: \(error)\n")
                }
            }
        }
    }
}
