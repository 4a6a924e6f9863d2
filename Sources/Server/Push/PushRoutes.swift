import Hummingbird
import Logging
import TSDB

/// Every push endpoint: remote-write, text import, Pushgateway-style groups.
enum PushRoutes {
    static func register(on router: Router<BasicRequestContext>, db: DB, limits: PushLimits, logger: Logger) {
        RemoteWriteRoute.register(on: router, db: db, limits: limits, logger: logger)
        ImportRoute.register(on: router, db: db, limits: limits, logger: logger)
        PushgatewayRoute.register(on: router, db: db, limits: limits, logger: logger)
    }
}
