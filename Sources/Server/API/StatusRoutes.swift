import Foundation
import Hummingbird
import TSDB

/// `/api/v1/status/buildinfo`, `runtimeinfo`, `config`, `flags`, `tsdb` and `/api/v1/alertmanagers`, in Prometheus' shapes
/// (Go-runtime figures Tidemark has no equivalent of are left out).
enum StatusRoutes {
    static func register(_ api: QueryAPI, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/status/buildinfo", [.get], on: router) { _, _ throws(APIError) in
            APIResponse.success { b in
                b.raw(#"{"version":"#)
                b.string(TidemarkVersion.string)
                b.raw(#","revision":"","branch":"","buildUser":"","buildDate":"","goVersion":""}"#)
            }
        }

        api.route("/api/v1/status/runtimeinfo", [.get], on: router) { _, _ throws(APIError) in
            let (success, lastSuccess) = await api.status.configState()
            return APIResponse.success { b in
                b.raw(#"{"startTime":"#)
                b.string(rfc3339(api.status.startTime))
                b.raw(#","CWD":"#)
                b.string(FileManager.default.currentDirectoryPath)
                b.raw(#","reloadConfigSuccess":"#)
                b.raw(success ? "true" : "false")
                b.raw(#","lastConfigTime":"#)
                b.string(rfc3339(lastSuccess))
                b.raw(#","corruptionCount":0,"storageRetention":"#)
                b.string(api.status.storageRetention)
                b.byte(UInt8(ascii: "}"))
            }
        }

        // The file as loaded (Prometheus shows its parsed form with defaults filled in).
        api.route("/api/v1/status/config", [.get], on: router) { _, _ throws(APIError) in
            let yaml = await api.status.configYAML()
            return APIResponse.success { b in
                b.raw(#"{"yaml":"#)
                b.string(yaml)
                b.byte(UInt8(ascii: "}"))
            }
        }

        // Alertmanagers come from static configuration only, so none is ever dropped.
        api.route("/api/v1/alertmanagers", [.get], on: router) { _, _ throws(APIError) in
            let urls = await api.status.alertmanagers()
            return APIResponse.success { b in
                b.raw(#"{"activeAlertmanagers":"#)
                b.array(urls) { b, url in
                    b.raw(#"{"url":"#)
                    b.string(url)
                    b.byte(UInt8(ascii: "}"))
                }
                b.raw(#","droppedAlertmanagers":[]}"#)
            }
        }

        api.route("/api/v1/status/flags", [.get], on: router) { _, _ throws(APIError) in
            APIResponse.success { b in
                b.byte(UInt8(ascii: "{"))
                for (i, (k, v)) in api.status.flags.sorted(by: { $0.key < $1.key }).enumerated() {
                    if i > 0 { b.byte(UInt8(ascii: ",")) }
                    b.string(k)
                    b.byte(UInt8(ascii: ":"))
                    b.string(v)
                }
                b.byte(UInt8(ascii: "}"))
            }
        }

        api.route("/api/v1/status/tsdb", [.get], on: router) { p, _ throws(APIError) in
            var limit = 10
            if let s = p.nonEmpty("limit") {
                guard let n = Int(s), n > 0 else { throw .badData("limit must be a positive number") }
                limit = n
            }
            let head = api.db.head
            let stats = head.cardinalityStats(limit: limit)
            let chunks = head.chunkStats().chunks
            return APIResponse.success(reservingCapacity: 512 + limit * 256) { b in
                b.raw(#"{"headStats":{"numSeries":"#)
                b.int(Int64(stats.numSeries))
                b.raw(#","numLabelPairs":"#)
                b.int(Int64(stats.numLabelPairs))
                b.raw(#","chunkCount":"#)
                b.int(Int64(chunks))
                // An empty head reports the extremes, as Prometheus does.
                b.raw(#","minTime":"#)
                b.int(head.minTime ?? .max)
                b.raw(#","maxTime":"#)
                b.int(head.maxTime ?? .min)
                b.raw(#"},"seriesCountByMetricName":"#)
                entries(stats.seriesCountByMetricName, into: &b)
                b.raw(#","labelValueCountByLabelName":"#)
                entries(stats.labelValueCountByLabelName, into: &b)
                b.raw(#","memoryInBytesByLabelName":"#)
                entries(stats.memoryInBytesByLabelName, into: &b)
                b.raw(#","seriesCountByLabelValuePair":"#)
                entries(stats.seriesCountByLabelValuePair, into: &b)
                b.byte(UInt8(ascii: "}"))
            }
        }
    }

    /// `[{"name":…,"value":…},…]`.
    static func entries(_ list: [HeadCardinalityStats.Entry], into b: inout JSONBuffer) {
        b.array(list) { b, e in
            b.raw(#"{"name":"#)
            b.string(e.name)
            b.raw(#","value":"#)
            b.int(Int64(e.count))
            b.byte(UInt8(ascii: "}"))
        }
    }

    /// RFC 3339 with milliseconds, UTC.
    static func rfc3339(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: d)
    }
}
