import RuleEval
import TSDB

/// Alertmanager's notification template data (`.Receiver`, `.Status`, `.Alerts`, `.GroupLabels`,
/// `.CommonLabels`, `.CommonAnnotations`, `.ExternalURL`), plus `.HeldBack` for rate-limited receivers.
struct NotificationData {
    var receiver: String
    var status: String
    var alerts: [DispatchAlert]
    var groupLabels: Labels
    var commonLabels: [String: String]
    var commonAnnotations: [String: String]
    var externalURL: String
    var heldBack: [ReceiverRateLimiter.Held]
    var now: Int64

    /// The data for `alerts` (already filtered for the integration).
    init(receiver: String, alerts: [DispatchAlert], groupLabels: Labels, externalURL: String, heldBack: [ReceiverRateLimiter.Held], now: Int64) {
        self.receiver = receiver
        self.alerts = alerts
        self.groupLabels = groupLabels
        self.externalURL = externalURL
        self.heldBack = heldBack
        self.now = now
        status = alerts.contains { !$0.isResolved(at: now) } ? "firing" : "resolved"
        commonLabels = Self.common(alerts.map(\.labels))
        commonAnnotations = Self.common(alerts.map(\.annotations))
    }

    static func common(_ sets: [Labels]) -> [String: String] {
        guard let first = sets.first else { return [:] }
        var out: [String: String] = [:]
        for l in first.pairs where sets.allSatisfy({ $0[l.name] == l.value }) { out[l.name] = l.value }
        return out
    }

    static func dict(_ l: Labels) -> [String: String] {
        var d: [String: String] = [:]
        for p in l.pairs { d[p.name] = p.value }
        return d
    }

    func status(of a: DispatchAlert) -> String { a.isResolved(at: now) ? "resolved" : "firing" }

    /// The value templates see as `.`.
    var templateValue: TemplateValue {
        func time(_ ms: Int64) -> TemplateValue {
            .time(TemplateTime(seconds: ms >= 0 ? ms / 1000 : (ms - 999) / 1000, nanoseconds: Int64(((ms % 1000) + 1000) % 1000) * 1_000_000))
        }
        let alertValues: [TemplateValue] = alerts.map { a in
            .record(TemplateRecord(fields: [
                .init(name: "Status", goType: "string", value: .string(status(of: a))),
                .init(name: "Labels", goType: "template.KV", value: .stringMap(Self.dict(a.labels))),
                .init(name: "Annotations", goType: "template.KV", value: .stringMap(Self.dict(a.annotations))),
                .init(name: "StartsAt", goType: "time.Time", value: time(a.startsAt)),
                // A firing alert has Go's zero time, so `.EndsAt.IsZero` holds as in Alertmanager.
                .init(name: "EndsAt", goType: "time.Time", value: a.isResolved(at: now) ? time(a.endsAt) : .time(TemplateTime(seconds: -62_135_596_800))),
                .init(name: "GeneratorURL", goType: "string", value: .string(a.generatorURL)),
                .init(name: "Fingerprint", goType: "string", value: .string(AlertFingerprint.hex(a.fingerprint))),
            ]))
        }
        let held: [TemplateValue] = heldBack.map { h in
            .record(TemplateRecord(fields: [
                .init(name: "GroupLabels", goType: "template.KV", value: .stringMap(Self.dict(h.groupLabels))),
                .init(name: "Firing", goType: "int", value: .int(Int64(h.firing))),
                .init(name: "Resolved", goType: "int", value: .int(Int64(h.resolved))),
                .init(name: "Count", goType: "int", value: .int(Int64(h.count))),
            ]))
        }
        return .record(TemplateRecord(fields: [
            .init(name: "Receiver", goType: "string", value: .string(receiver)),
            .init(name: "Status", goType: "string", value: .string(status)),
            .init(name: "Alerts", goType: "template.Alerts", value: .list(alertValues)),
            .init(name: "GroupLabels", goType: "template.KV", value: .stringMap(Self.dict(groupLabels))),
            .init(name: "CommonLabels", goType: "template.KV", value: .stringMap(commonLabels)),
            .init(name: "CommonAnnotations", goType: "template.KV", value: .stringMap(commonAnnotations)),
            .init(name: "ExternalURL", goType: "string", value: .string(externalURL)),
            .init(name: "HeldBack", goType: "[]tidemark.Held", value: .list(held)),
        ]))
    }

    /// Runs `t` against this data.
    func render(_ t: Template) throws -> String {
        try t.execute(dot: templateValue, options: TemplateOptions(externalURL: externalURL, alertmanagerMethods: true))
    }
}
