import Foundation
import Hummingbird
import TSDB

/// Alertmanager's v2 API, served by the built-in dispatcher on Tidemark's own port, so that any
/// alert source (Prometheus, vmalert, Grafana, Tidemark's rules) and `amtool` work against it;
/// plus `/api/v2/alerts/groups/<id>/ack` for acknowledgements.
enum AlertmanagerAPIRoutes {
    /// Largest alert or silence body accepted.
    static let maxBodyBytes = 16 << 20

    static func register(on router: Router<BasicRequestContext>, dispatcher: Dispatcher, version: String) {
        router.post("/api/v2/alerts") { req, _ -> Response in
            let posted: [AlertmanagerJSON.PostableAlert]
            do {
                posted = try AlertJSONReader.alerts(try await body(req))
            } catch let e as BodyTooLarge {
                return Self.error(.contentTooLarge, e.description)
            } catch {
                dispatcher.countInvalid(1)
                return Self.error(.badRequest, "invalid alerts body: \(error)")
            }
            let (good, errors) = AlertmanagerJSON.alerts(posted, now: await dispatcher.now, resolveTimeoutMs: await dispatcher.resolveTimeoutMs)
            // As Alertmanager: the valid alerts are kept even when others in the same body are refused.
            if !good.isEmpty { await dispatcher.put(good) }
            if !errors.isEmpty {
                dispatcher.countInvalid(errors.count)
                return Self.error(.badRequest, errors.joined(separator: "; "))
            }
            return Response(status: .ok)
        }

        router.get("/api/v2/alerts") { req, _ -> Response in
            let f: AlertFilter
            do { f = try AlertFilter(QueryParameters(req)) } catch { return Self.error(.badRequest, "\(error)") }
            let list = await dispatcher.alertStatuses().filter(f.accepts)
            var b = JSONBuffer(reservingCapacity: 256 + list.count * 400)
            b.array(list) { b, s in AlertmanagerJSON.gettableAlert(s, into: &b) }
            return b.response()
        }

        router.get("/api/v2/alerts/groups") { req, _ -> Response in
            let f: AlertFilter
            do { f = try AlertFilter(QueryParameters(req)) } catch { return Self.error(.badRequest, "\(error)") }
            let groups = await dispatcher.groupStatuses()
            var b = JSONBuffer(reservingCapacity: 1024)
            var first = true
            b.byte(UInt8(ascii: "["))
            for g in groups {
                let alerts = g.alerts.filter(f.accepts)
                guard !alerts.isEmpty, f.receiver?.matches(g.receiver) ?? true else { continue }
                if !first { b.byte(UInt8(ascii: ",")) }
                first = false
                b.raw(#"{"alerts":"#)
                b.array(alerts) { b, s in AlertmanagerJSON.gettableAlert(s, into: &b) }
                b.raw(#","labels":"#)
                b.labels(g.labels)
                b.raw(#","receiver":{"name":"#)
                b.string(g.receiver)
                b.raw(#"},"id":"#)
                b.string(g.shortID)
                b.raw(#","groupKey":"#)
                b.string(g.key)
                if let e = g.escalation {
                    b.raw(#","escalation":"#)
                    AlertmanagerJSON.escalation(e, policy: g.escalationPolicy, into: &b)
                }
                b.byte(UInt8(ascii: "}"))
            }
            b.byte(UInt8(ascii: "]"))
            return b.response()
        }

        struct AckBody: Decodable { var ackedBy: String?; var comment: String? }
        let ack: @Sendable (Request, BasicRequestContext) async throws -> Response = { req, ctx in
            let id = ctx.parameters.get("id") ?? ""
            var by: String?, comment: String?
            if let raw = try? await body(req), !raw.isEmpty {
                guard let b = try? JSONDecoder().decode(AckBody.self, from: Data(raw)) else {
                    return Self.error(.badRequest, "invalid acknowledgement body: expected {\"ackedBy\": \"…\", \"comment\": \"…\"}")
                }
                by = b.ackedBy
                comment = b.comment
            }
            do {
                let st = try await dispatcher.acknowledge(id, by: by ?? QueryParameters(req).first("by"), comment: comment)
                var b = JSONBuffer()
                AlertmanagerJSON.escalation(st, policy: nil, into: &b)
                return b.response()
            } catch {
                return Self.error(.notFound, "alert group \(id) not found")
            }
        }
        let unack: @Sendable (Request, BasicRequestContext) async throws -> Response = { _, ctx in
            let id = ctx.parameters.get("id") ?? ""
            do {
                guard let st = try await dispatcher.unacknowledge(id) else { return Response(status: .ok) }
                var b = JSONBuffer()
                AlertmanagerJSON.escalation(st, policy: nil, into: &b)
                return b.response()
            } catch {
                return Self.error(.notFound, "alert group \(id) not found")
            }
        }
        router.post("/api/v2/alerts/groups/:id/ack", use: ack)
        router.delete("/api/v2/alerts/groups/:id/ack", use: unack)
        router.post("/api/v2/alerts/groups/:id/unack", use: unack)

        router.get("/api/v2/silences") { req, _ -> Response in
            var matchers: [Matcher] = []
            for f in QueryParameters(req).all("filter") {
                do { matchers += try AlertMatchers.parse(f) } catch { return Self.error(.badRequest, "\(error)") }
            }
            let now = await dispatcher.now
            // Alertmanager's order: active, then pending, then expired; each by end (expired: latest first).
            let order: [Silence.State: Int] = [.active: 0, .pending: 1, .expired: 2]
            let list = await dispatcher.silenceList().filter { s in
                matchers.allSatisfy { m in s.matchers.contains { $0.name == m.name && m.matches($0.value) } }
            }.sorted { a, b in
                let sa = a.state(at: now), sb = b.state(at: now)
                if sa != sb { return order[sa, default: 3] < order[sb, default: 3] }
                if sa == .expired { return a.endsAt > b.endsAt }
                return a.endsAt < b.endsAt
            }
            var b = JSONBuffer(reservingCapacity: 256 + list.count * 300)
            b.array(list) { b, s in AlertmanagerJSON.gettableSilence(s, now: now, into: &b) }
            return b.response()
        }

        router.post("/api/v2/silences") { req, _ -> Response in
            let p: AlertmanagerJSON.PostableSilence
            do {
                p = try JSONDecoder().decode(AlertmanagerJSON.PostableSilence.self, from: Data(try await body(req)))
            } catch let e as BodyTooLarge {
                return Self.error(.contentTooLarge, e.description)
            } catch {
                return Self.error(.badRequest, "invalid silence body: \(describe(error))")
            }
            var matchers: [Matcher] = []
            for m in p.matchers {
                let kind = Matcher.Kind(isRegex: m.isRegex, isEqual: m.isEqual ?? true)
                do { matchers.append(try Matcher(kind, m.name, m.value)) } catch {
                    return Self.error(.badRequest, "invalid silence: invalid label matcher \(m.name): \(error)")
                }
            }
            guard let starts = AlertmanagerJSON.time(p.startsAt), let ends = AlertmanagerJSON.time(p.endsAt) else {
                return Self.error(.badRequest, "invalid silence: startsAt and endsAt must be RFC 3339 times")
            }
            let s = Silence(id: p.id ?? "", matchers: matchers, startsAt: starts, endsAt: ends, updatedAt: 0,
                            createdBy: p.createdBy, comment: p.comment)
            do {
                let id = try await dispatcher.upsertSilence(s)
                var b = JSONBuffer()
                b.raw(#"{"silenceID":"#)
                b.string(id)
                b.byte(UInt8(ascii: "}"))
                return b.response()
            } catch let e as Dispatcher.SilenceError {
                switch e {
                case .notFound: return Self.error(.notFound, "silence not found")
                case .invalid(let why): return Self.error(.badRequest, "invalid silence: \(why)")
                }
            }
        }

        router.get("/api/v2/silence/:id") { _, ctx -> Response in
            let id = ctx.parameters.get("id") ?? ""
            guard let s = await dispatcher.silence(id) else { return Self.error(.notFound, "silence \(id) not found") }
            var b = JSONBuffer()
            AlertmanagerJSON.gettableSilence(s, now: await dispatcher.now, into: &b)
            return b.response()
        }

        router.delete("/api/v2/silence/:id") { _, ctx -> Response in
            let id = ctx.parameters.get("id") ?? ""
            do {
                try await dispatcher.expireSilence(id)
                return Response(status: .ok)
            } catch let e as Dispatcher.SilenceError {
                switch e {
                case .notFound: return Self.error(.notFound, "silence \(id) not found")
                case .invalid(let why): return Self.error(.internalServerError, why)
                }
            }
        }

        router.get("/api/v2/status") { _, _ -> Response in
            let config = await dispatcher.config
            let uptime = await dispatcher.startedAt
            var b = JSONBuffer()
            b.raw(#"{"cluster":{"name":"tidemark","peers":[],"status":"disabled"},"config":{"original":"#)
            b.string(config.original)
            b.raw(#"},"uptime":"#)
            b.string(DispatcherTime.format(uptime))
            b.raw(#","versionInfo":{"branch":"main","buildDate":"","buildUser":"tidemark","goVersion":"swift","revision":"","version":"#)
            b.string(version)
            b.raw("}}")
            return b.response()
        }

        router.get("/api/v2/receivers") { _, _ -> Response in
            let names = await dispatcher.receiverNames
            var b = JSONBuffer()
            b.array(names) { b, n in
                b.raw(#"{"name":"#)
                b.string(n)
                b.byte(UInt8(ascii: "}"))
            }
            return b.response()
        }
    }

    struct BodyTooLarge: Error, CustomStringConvertible {
        var description: String { "request body larger than \(AlertmanagerAPIRoutes.maxBodyBytes) bytes" }
    }

    static func body(_ req: Request) async throws -> [UInt8] {
        var out: [UInt8] = []
        for try await var chunk in req.body {
            guard out.count + chunk.readableBytes <= maxBodyBytes else { throw BodyTooLarge() }
            out += chunk.readBytes(length: chunk.readableBytes) ?? []
        }
        return out
    }

    /// Alertmanager's error body: a JSON string.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var b = JSONBuffer()
        b.string(message)
        return b.response(status)
    }

    static func describe(_ e: Error) -> String {
        switch e {
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "\(c.debugDescription) at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.keyNotFound(let k, let c):
            return "missing \(([k.stringValue] + c.codingPath.map(\.stringValue)).reversed().joined(separator: "."))"
        case DecodingError.dataCorrupted(let c):
            return c.debugDescription
        default: return "\(e)"
        }
    }
}

/// The filters of `GET /api/v2/alerts` and `/alerts/groups`: `filter` matchers, `active`,
/// `silenced`, `inhibited`, `unprocessed` (all true by default) and a `receiver` regex.
struct AlertFilter {
    var matchers: [Matcher] = []
    var active = true
    var silenced = true
    var inhibited = true
    var receiver: Matcher?

    struct Invalid: Error, CustomStringConvertible { var description: String }

    init(_ p: QueryParameters) throws(Invalid) {
        for f in p.all("filter") {
            do { matchers += try AlertMatchers.parse(f) } catch { throw Invalid(description: "\(error)") }
        }
        func flag(_ name: String) throws(Invalid) -> Bool {
            guard let v = p.first(name) else { return true }
            switch v.lowercased() {
            case "true", "1": return true
            case "false", "0": return false
            default: throw Invalid(description: "\(name) must be true or false, got \"\(v)\"")
            }
        }
        active = try flag("active")
        silenced = try flag("silenced")
        inhibited = try flag("inhibited")
        _ = try flag("unprocessed")
        if let r = p.first("receiver"), !r.isEmpty {
            do { receiver = try Matcher(.regex, "receiver", r) } catch { throw Invalid(description: "receiver: \(error)") }
        }
    }

    func accepts(_ s: Dispatcher.AlertStatus) -> Bool {
        guard AlertMatchers.matches(matchers, s.alert.labels) else { return false }
        if let r = receiver, !s.receivers.contains(where: r.matches) { return false }
        let isSilenced = !s.silencedBy.isEmpty, isInhibited = !s.inhibitedBy.isEmpty
        if !active && !isSilenced && !isInhibited { return false }
        if !silenced && isSilenced { return false }
        if !inhibited && isInhibited { return false }
        return true
    }
}
