import TSDB

/// Alertmanager's webhook body (version "4"), with `truncatedAlerts` for `max_alerts` and, when a
/// rate limit held notifications back, a `heldBack` summary (extra fields webhook consumers ignore).
enum WebhookPayload {
    static func encode(_ job: NotificationJob, data: NotificationData, truncated: Int) -> [UInt8] {
        var b = JSONBuffer(reservingCapacity: 512 + data.alerts.count * 384)
        b.raw(#"{"receiver":"#)
        b.string(data.receiver)
        b.raw(#","status":"#)
        b.string(data.status)
        b.raw(#","alerts":"#)
        b.array(data.alerts) { b, a in
            b.raw(#"{"status":"#)
            b.string(data.status(of: a))
            b.raw(#","labels":"#)
            b.labels(a.labels)
            b.raw(#","annotations":"#)
            b.labels(a.annotations)
            b.raw(#","startsAt":"#)
            b.string(DispatcherTime.format(a.startsAt))
            b.raw(#","endsAt":"#)
            b.string(DispatcherTime.format(a.isResolved(at: data.now) ? a.endsAt : 0))
            b.raw(#","generatorURL":"#)
            b.string(a.generatorURL)
            b.raw(#","fingerprint":"#)
            b.string(AlertFingerprint.hex(a.fingerprint))
            b.byte(UInt8(ascii: "}"))
        }
        b.raw(#","groupLabels":"#)
        b.labels(data.groupLabels)
        b.raw(#","commonLabels":"#)
        map(data.commonLabels, into: &b)
        b.raw(#","commonAnnotations":"#)
        map(data.commonAnnotations, into: &b)
        b.raw(#","externalURL":"#)
        b.string(data.externalURL)
        b.raw(#","version":"4","groupKey":"#)
        b.string(job.groupKey)
        b.raw(#","truncatedAlerts":"#)
        b.int(Int64(truncated))
        if !data.heldBack.isEmpty {
            b.raw(#","heldBack":"#)
            b.array(data.heldBack) { b, h in
                b.raw(#"{"groupLabels":"#)
                b.labels(h.groupLabels)
                b.raw(#","firing":"#)
                b.int(Int64(h.firing))
                b.raw(#","resolved":"#)
                b.int(Int64(h.resolved))
                b.raw(#","notifications":"#)
                b.int(Int64(h.count))
                b.byte(UInt8(ascii: "}"))
            }
        }
        b.byte(UInt8(ascii: "}"))
        return b.bytes
    }

    static func map(_ m: [String: String], into b: inout JSONBuffer) {
        b.byte(UInt8(ascii: "{"))
        for (i, k) in m.keys.sorted().enumerated() {
            if i > 0 { b.byte(UInt8(ascii: ",")) }
            b.string(k)
            b.byte(UInt8(ascii: ":"))
            b.string(m[k] ?? "")
        }
        b.byte(UInt8(ascii: "}"))
    }
}
