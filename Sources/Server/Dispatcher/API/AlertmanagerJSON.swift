import Foundation
import TSDB

/// The Alertmanager v2 API's JSON shapes: what clients post, and what they read back.
enum AlertmanagerJSON {
    /// `postableAlert` (read by `AlertJSONReader`).
    struct PostableAlert {
        var labels: [String: String]
        var annotations: [String: String]?
        var startsAt: String?
        var endsAt: String?
        var generatorURL: String?
    }

    /// `postableSilence` (and `gettableSilence` fields it shares).
    struct PostableSilence: Decodable {
        struct PostableMatcher: Decodable {
            var name: String
            var value: String
            var isRegex: Bool
            var isEqual: Bool?
        }
        var id: String?
        var matchers: [PostableMatcher]
        var startsAt: String
        var endsAt: String
        var createdBy: String
        var comment: String
    }

    /// Times before year 1 (Go's zero time, `0001-01-01T00:00:00Z`) read as unset.
    static func time(_ s: String?) -> Int64? {
        guard let s, !s.isEmpty, let ms = DispatcherTime.parse(s) else { return nil }
        return ms <= -62_135_596_800_000 ? 0 : ms
    }

    /// Validates posted alerts the way Alertmanager does; returns the good ones and the errors.
    static func alerts(_ posted: [PostableAlert], now: Int64, resolveTimeoutMs: Int64) -> ([DispatchAlert], [String]) {
        var good: [DispatchAlert] = []
        var errors: [String] = []
        for (i, p) in posted.enumerated() {
            guard !p.labels.isEmpty else { errors.append("alert \(i): at least one label pair required"); continue }
            if let bad = p.labels.first(where: { $0.value.isEmpty }) {
                errors.append("alert \(i): invalid label set: label \(bad.key) has an empty value")
                continue
            }
            let labels: Labels, annotations: Labels
            do {
                labels = try Labels(p.labels)
                annotations = try Labels(validatingNames: p.annotations ?? [:])
            } catch {
                errors.append("alert \(i) \(p.labels.sorted { $0.key < $1.key }): \(error)")
                continue
            }
            var startsAt = time(p.startsAt) ?? 0
            var endsAt = time(p.endsAt) ?? 0
            if p.startsAt != nil && time(p.startsAt) == nil { errors.append("alert \(i): invalid startsAt \"\(p.startsAt ?? "")\""); continue }
            if p.endsAt != nil && time(p.endsAt) == nil { errors.append("alert \(i): invalid endsAt \"\(p.endsAt ?? "")\""); continue }
            if startsAt == 0 { startsAt = endsAt == 0 ? now : endsAt }
            var timeout = false
            if endsAt == 0 {
                timeout = true
                endsAt = now + resolveTimeoutMs
            }
            guard endsAt >= startsAt else { errors.append("alert \(i) \(labels.pairs.map { "\($0.name)=\($0.value)" }): start time must be before end time"); continue }
            good.append(DispatchAlert(labels: labels, annotations: annotations, startsAt: startsAt, endsAt: endsAt, updatedAt: now,
                                      generatorURL: p.generatorURL ?? "", timeout: timeout))
        }
        return (good, errors)
    }

    static func gettableAlert(_ s: Dispatcher.AlertStatus, into b: inout JSONBuffer) {
        let a = s.alert
        b.raw(#"{"annotations":"#)
        b.labels(a.annotations)
        b.raw(#","endsAt":"#)
        b.string(DispatcherTime.format(a.endsAt))
        b.raw(#","fingerprint":"#)
        b.string(AlertFingerprint.hex(a.fingerprint))
        b.raw(#","receivers":"#)
        b.array(s.receivers) { b, r in
            b.raw(#"{"name":"#)
            b.string(r)
            b.byte(UInt8(ascii: "}"))
        }
        b.raw(#","startsAt":"#)
        b.string(DispatcherTime.format(a.startsAt))
        b.raw(#","status":{"inhibitedBy":"#)
        b.stringArray(s.inhibitedBy)
        b.raw(#","silencedBy":"#)
        b.stringArray(s.silencedBy)
        b.raw(#","state":"#)
        b.string(s.silencedBy.isEmpty && s.inhibitedBy.isEmpty ? "active" : "suppressed")
        b.raw(#"},"updatedAt":"#)
        b.string(DispatcherTime.format(a.updatedAt))
        if !a.generatorURL.isEmpty {
            b.raw(#","generatorURL":"#)
            b.string(a.generatorURL)
        }
        b.raw(#","labels":"#)
        b.labels(a.labels)
        b.byte(UInt8(ascii: "}"))
    }

    static func gettableSilence(_ s: Silence, now: Int64, into b: inout JSONBuffer) {
        b.raw(#"{"id":"#)
        b.string(s.id)
        b.raw(#","status":{"state":"#)
        b.string(s.state(at: now).rawValue)
        b.raw(#"},"updatedAt":"#)
        b.string(DispatcherTime.format(s.updatedAt))
        b.raw(#","comment":"#)
        b.string(s.comment)
        b.raw(#","createdBy":"#)
        b.string(s.createdBy)
        b.raw(#","endsAt":"#)
        b.string(DispatcherTime.format(s.endsAt))
        b.raw(#","matchers":"#)
        b.array(s.matchers) { b, m in
            b.raw(#"{"isEqual":"#)
            b.raw(m.kind.isEqual ? "true" : "false")
            b.raw(#","isRegex":"#)
            b.raw(m.kind.isRegex ? "true" : "false")
            b.raw(#","name":"#)
            b.string(m.name)
            b.raw(#","value":"#)
            b.string(m.value)
            b.byte(UInt8(ascii: "}"))
        }
        b.raw(#","startsAt":"#)
        b.string(DispatcherTime.format(s.startsAt))
        b.byte(UInt8(ascii: "}"))
    }

    static func escalation(_ e: EscalationState, policy: String?, into b: inout JSONBuffer) {
        b.raw(#"{"policy":"#)
        b.string(policy ?? "")
        b.raw(#","step":"#)
        b.int(Int64(e.step))
        b.raw(#","stepAt":"#)
        b.string(DispatcherTime.format(e.stepAt))
        b.raw(#","notified":"#)
        b.stringArray(e.notified)
        b.raw(#","acknowledged":"#)
        b.raw(e.acked ? "true" : "false")
        if e.acked {
            b.raw(#","acknowledgedBy":"#)
            b.string(e.ackedBy ?? "")
            b.raw(#","acknowledgedAt":"#)
            b.string(DispatcherTime.format(e.ackedAt ?? 0))
            b.raw(#","comment":"#)
            b.string(e.ackComment ?? "")
        }
        b.byte(UInt8(ascii: "}"))
    }
}

extension Labels {
    /// A label set from a dictionary, checking names only (annotation names follow label-name rules
    /// but values may be empty).
    init(validatingNames d: [String: String]) throws(LabelError) {
        for k in d.keys where !LabelValidation.isValidLabelName(k) { throw LabelError.invalidLabelName(k) }
        self.init(sortedUnchecked: d.map { Label(name: $0.key, value: $0.value) }.sorted())
    }
}
