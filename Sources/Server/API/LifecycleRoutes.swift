import Hummingbird

/// `POST /-/reload`, only with `--web.enable-lifecycle` (as Prometheus).
enum LifecycleRoutes {
    static func register(on router: Router<BasicRequestContext>, enabled: Bool, reloader: ConfigReloader) {
        router.on("/-/reload", method: .post) { _, _ -> Response in
            guard enabled else { return APIResponse.text(.forbidden, "Lifecycle API is not enabled.\n") }
            do {
                try await reloader.reload()
                return APIResponse.text(.ok, "")
            } catch {
                return APIResponse.text(.internalServerError, "failed to reload config: \(error)\n")
            }
        }
        router.on("/-/reload", method: .put) { _, _ -> Response in
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
