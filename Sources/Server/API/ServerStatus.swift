import Foundation
import TSDB

/// What `/api/v1/status/*` reports about the running server beyond the database.
struct ServerStatus: Sendable {
    /// Every command-line flag with its value in force, by Prometheus-style name.
    let flags: [String: String]
    /// Retention as Prometheus words it: `15d`, `10GiB` or `15d or 10GiB`.
    let storageRetention: String
    /// When the process started.
    let startTime: Date
    /// Whether the last configuration load succeeded, and when one last did.
    let configState: @Sendable () async -> (success: Bool, lastSuccess: Date)
    /// The text of the configuration in force (`/api/v1/status/config`).
    var configYAML: @Sendable () async -> String = { "" }
    /// The Alertmanager endpoints alerts are sent to (`/api/v1/alertmanagers`).
    var alertmanagers: @Sendable () async -> [String] = { [] }
    /// Metric metadata of the scrape targets, by metric name (`/api/v1/metadata`).
    var metadata: @Sendable () async -> [String: [MetricMetadata]] = { [:] }
    /// The scrape targets and their health (`/api/v1/targets`).
    var targets: @Sendable () async -> [TargetStatus] = { [] }
}
