import Foundation
import Hummingbird
import Logging
import RuleEval
import TSDB

/// `/api/v1/admin/tsdb/*`, only with `--web.enable-admin-api` (as Prometheus).
enum AdminRoutes {
    static func register(on router: Router<BasicRequestContext>, db: DB, logger: Logger) {
        // Persists the head into blocks and truncates the WAL.
        // Flushing writes blocks for seconds: off the cooperative pool, so other requests go on.
        router.post("/api/v1/admin/tsdb/flush") { _, _ -> Response in
            let result = await PromQLEngine.onDedicatedThread { Result { try db.flush() } }
            switch result {
            case .success: return APIResponse.success("null")
            case .failure(let error):
                logger.error("flush failed: \(error)")
                return APIResponse.error(.internalServerError, type: "internal", "flush failed: \(error)")
            }
        }
        // Hard links of every block into snapshots/<name>; the head is flushed first unless skip_head=true.
        router.post("/api/v1/admin/tsdb/snapshot") { req, _ -> Response in
            let skipHead = QueryParameters(req).first("skip_head").map { $0 == "true" || $0 == "1" } ?? false
            let result = await PromQLEngine.onDedicatedThread { Result { () throws -> String in
                if !skipHead { try db.flush() }
                return try snapshot(db)
            } }
            switch result {
            case .success(let name):
                return APIResponse.success("{\"name\":\(APIResponse.jsonString(name))}")
            case .failure(let error):
                logger.error("snapshot failed: \(error)")
                return APIResponse.error(.internalServerError, type: "internal", "create snapshot: \(error)")
            }
        }
    }

    static func snapshot(_ db: DB) throws -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        f.timeZone = TimeZone(identifier: "UTC")
        f.locale = Locale(identifier: "en_US_POSIX")
        let name = f.string(from: Date()) + "-" + String(format: "%016llx", UInt64.random(in: 0...UInt64.max))
        let root = db.directory + "/snapshots/" + name
        let fm = FileManager.default
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        for b in db.blocks {
            let blockName = (b.directory as NSString).lastPathComponent
            let dest = root + "/" + blockName
            try fm.createDirectory(atPath: dest, withIntermediateDirectories: true)
            for file in try fm.contentsOfDirectory(atPath: b.directory) {
                try fm.linkItem(atPath: b.directory + "/" + file, toPath: dest + "/" + file)
            }
        }
        return name
    }
}
