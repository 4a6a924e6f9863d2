import Foundation
import Hummingbird
import RuleEval
import TSDB

/// `/api/v1/rules` and `/api/v1/alerts`, in Prometheus' shapes.
enum RulesRoutes {
    static func register(_ api: QueryAPI, rules: RuleManager, on router: Router<BasicRequestContext>) {
        api.route("/api/v1/rules", [.get, .post], on: router) { p, _ throws(APIError) in
            var kind: RuleDefinition.Kind?
            if let t = p.nonEmpty("type") {
                switch t.lowercased() {
                case "alert": kind = .alerting
                case "record": kind = .recording
                default: throw .badData("unsupported type \(t): must be alert or record")
                }
            }
            let names = Set(p.all("rule_name[]")), groupNames = Set(p.all("rule_group[]")), files = Set(p.all("file[]"))
            // Go's strconv.ParseBool spellings.
            let excludeAlerts = ["1", "t", "T", "TRUE", "true", "True"].contains(p.nonEmpty("exclude_alerts") ?? "")
            let groups = await rules.groups
            return APIResponse.success(reservingCapacity: 1024 + groups.count * 512) { b in
                b.raw(#"{"groups":["#)
                var first = true
                for g in groups {
                    if !groupNames.isEmpty && !groupNames.contains(g.definition.name) { continue }
                    if !files.isEmpty && !files.contains(g.definition.file) { continue }
                    let selected = g.rules.filter { r in
                        (kind == nil || r.definition.kind == kind) && (names.isEmpty || names.contains(r.definition.name))
                    }
                    if selected.isEmpty { continue }
                    if !first { b.byte(UInt8(ascii: ",")) }
                    first = false
                    group(g, selected, excludeAlerts: excludeAlerts, into: &b)
                }
                b.raw("]}")
            }
        }

        api.route("/api/v1/alerts", [.get, .post], on: router) { _, _ throws(APIError) in
            let alerts = await rules.alerts().filter { $0.state != .inactive }
            return APIResponse.success(reservingCapacity: 256 + alerts.count * 256) { b in
                b.raw(#"{"alerts":"#)
                b.array(alerts) { b, a in alert(a, into: &b) }
                b.byte(UInt8(ascii: "}"))
            }
        }
    }

    static func group(_ g: RuleGroup, _ rules: [any Rule], excludeAlerts: Bool, into b: inout JSONBuffer) {
        b.raw(#"{"name":"#)
        b.string(g.definition.name)
        b.raw(#","file":"#)
        b.string(g.definition.file)
        b.raw(#","rules":"#)
        b.array(rules) { b, r in rule(r, excludeAlerts: excludeAlerts, into: &b) }
        b.raw(#","interval":"#)
        seconds(g.intervalMs, into: &b)
        b.raw(#","limit":"#)
        b.int(Int64(g.definition.limit))
        b.raw(#","evaluationTime":"#)
        b.raw(g.evaluationSeconds)
        b.raw(#","lastEvaluation":"#)
        b.string(time(g.lastEvaluation))
        b.byte(UInt8(ascii: "}"))
    }

    static func rule(_ r: any Rule, excludeAlerts: Bool, into b: inout JSONBuffer) {
        let d = r.definition
        let record = r.record
        b.byte(UInt8(ascii: "{"))
        if let a = r as? AlertingRule {
            b.raw(#""state":"#)
            b.string(a.ruleState.rawValue)
            b.raw(#","name":"#)
            b.string(d.name)
            b.raw(#","query":"#)
            b.string(d.expr.description)
            b.raw(#","duration":"#)
            seconds(d.forMs, into: &b)
            b.raw(#","keepFiringFor":"#)
            seconds(d.keepFiringForMs, into: &b)
            b.raw(#","labels":"#)
            pairs(d.labelPairs, into: &b)
            b.raw(#","annotations":"#)
            pairs(d.annotationPairs, into: &b)
            if !excludeAlerts {
                b.raw(#","alerts":"#)
                b.array(a.alerts.filter { $0.state != .inactive }) { b, x in alert(x, into: &b) }
            }
        } else {
            b.raw(#""name":"#)
            b.string(d.name)
            b.raw(#","query":"#)
            b.string(d.expr.description)
            b.raw(#","labels":"#)
            pairs(d.labelPairs, into: &b)
        }
        b.raw(#","health":"#)
        b.string(record.health.rawValue)
        if let e = record.lastError {
            b.raw(#","lastError":"#)
            b.string(e)
        }
        b.raw(#","evaluationTime":"#)
        b.raw(record.evaluationSeconds)
        b.raw(#","lastEvaluation":"#)
        b.string(time(record.lastEvaluation))
        b.raw(#","type":"#)
        b.string(d.kind == .alerting ? "alerting" : "recording")
        b.byte(UInt8(ascii: "}"))
    }

    static func alert(_ a: Alert, into b: inout JSONBuffer) {
        b.raw(#"{"labels":"#)
        b.labels(a.labels)
        b.raw(#","annotations":"#)
        pairs(a.annotations, into: &b)
        b.raw(#","state":"#)
        b.string(a.state.rawValue)
        b.raw(#","activeAt":"#)
        b.string(time(a.activeAt))
        if let k = a.keepFiringSince {
            b.raw(#","keepFiringSince":"#)
            b.string(time(k))
        }
        b.raw(#","value":"#)
        b.string(GoFormat.floatE(a.value).replacingOccurrences(of: "E", with: "e"))
        b.byte(UInt8(ascii: "}"))
    }

    static func pairs(_ p: [Label], into b: inout JSONBuffer) {
        b.byte(UInt8(ascii: "{"))
        for (i, l) in p.enumerated() {
            if i > 0 { b.byte(UInt8(ascii: ",")) }
            b.string(l.name)
            b.byte(UInt8(ascii: ":"))
            b.string(l.value)
        }
        b.byte(UInt8(ascii: "}"))
    }

    /// A duration in ms as JSON seconds (`15`, `0.5`).
    static func seconds(_ ms: Int64, into b: inout JSONBuffer) { b.timestamp(ms) }

    /// RFC 3339 with fractional seconds, UTC; Go's zero time when never.
    static func time(_ ms: Int64) -> String {
        guard ms > 0 else { return "0001-01-01T00:00:00Z" }
        return StatusRoutes.rfc3339(Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}

extension JSONBuffer {
    /// A finite double as a JSON number (0 for non-finite, which JSON cannot carry).
    mutating func raw(_ v: Double) {
        let s = v.isFinite ? "\(v)" : "0"
        for c in s.utf8 { byte(c) }
    }
}
