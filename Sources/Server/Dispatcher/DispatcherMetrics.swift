import TSDB

/// The built-in dispatcher's figures in `/metrics`.
enum DispatcherMetrics {
    static func render(_ s: Dispatcher.Stats, _ n: NotificationSender.Stats) -> String {
        var out = ""
        func header(_ name: String, _ type: String, _ help: String) { out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n" }
        func esc(_ v: String) -> String { LabelValidation.escape(v) }
        header("tidemark_dispatcher_alerts_received_total", "counter", "Alerts received by the built-in dispatcher (API and rules).")
        out += "tidemark_dispatcher_alerts_received_total \(s.alertsReceived)\n"
        header("tidemark_dispatcher_alerts_invalid_total", "counter", "Alerts refused as invalid.")
        out += "tidemark_dispatcher_alerts_invalid_total \(s.alertsInvalid)\n"
        header("tidemark_dispatcher_alerts", "gauge", "Alerts held (firing, or resolved and not yet notified).")
        out += "tidemark_dispatcher_alerts \(s.alerts)\n"
        header("tidemark_dispatcher_aggregation_groups", "gauge", "Aggregation groups.")
        out += "tidemark_dispatcher_aggregation_groups \(s.groups)\n"
        header("tidemark_dispatcher_escalations", "gauge", "Alert groups with an escalation in progress.")
        out += "tidemark_dispatcher_escalations \(s.escalations)\n"
        header("tidemark_dispatcher_silences", "gauge", "Silences by state.")
        out += "tidemark_dispatcher_silences{state=\"active\"} \(s.silencesActive)\n"
        out += "tidemark_dispatcher_silences{state=\"pending\"} \(s.silencesPending)\n"
        out += "tidemark_dispatcher_silences{state=\"expired\"} \(s.silencesExpired)\n"
        header("tidemark_dispatcher_notifications_held_back_total", "counter", "Notifications held back by a receiver's rate limit (summarised in its next one).")
        for (r, v) in s.heldBack.sorted(by: { $0.key < $1.key }) { out += "tidemark_dispatcher_notifications_held_back_total{receiver=\"\(esc(r))\"} \(v)\n" }
        header("tidemark_dispatcher_notifications_total", "counter", "Notifications delivered, by integration and receiver.")
        for (k, v) in n.sent.sorted(by: { $0.key < $1.key }) { out += "tidemark_dispatcher_notifications_total\(labels(k)) \(v)\n" }
        header("tidemark_dispatcher_notifications_failed_total", "counter", "Notification attempts that failed (each retry counts), by integration and receiver.")
        for (k, v) in n.failed.sorted(by: { $0.key < $1.key }) { out += "tidemark_dispatcher_notifications_failed_total\(labels(k)) \(v)\n" }
        header("tidemark_dispatcher_notification_latency_seconds", "histogram", "From a group's flush being due to its notification being delivered.")
        for (i, b) in Dispatcher.latencyBounds.enumerated() {
            out += "tidemark_dispatcher_notification_latency_seconds_bucket{le=\"\(b)\"} \(s.latencyBuckets[i])\n"
        }
        out += "tidemark_dispatcher_notification_latency_seconds_bucket{le=\"+Inf\"} \(s.latencyCount)\n"
        out += "tidemark_dispatcher_notification_latency_seconds_sum \(s.latencySum)\n"
        out += "tidemark_dispatcher_notification_latency_seconds_count \(s.latencyCount)\n"
        return out
    }

    /// `{integration="…",receiver="…"}` from an `integration|receiver` key.
    private static func labels(_ key: String) -> String {
        let p = key.split(separator: "|", maxSplits: 1).map(String.init)
        return "{integration=\"\(LabelValidation.escape(p.first ?? ""))\",receiver=\"\(LabelValidation.escape(p.count > 1 ? p[1] : ""))\"}"
    }
}
