import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Synchronization

/// Delivers notification jobs to a receiver's integrations (webhook, Slack, email), each retried
/// with exponential backoff until the job's retry window closes; counts everything for `/metrics`.
final class NotificationSender: Sendable {
    /// Per-integration counters, keyed `integration|receiver`.
    struct Stats: Sendable {
        var sent: [String: Int] = [:]
        var failed: [String: Int] = [:]
    }

    let externalURL: String
    let logger: Logger
    let stats = Mutex(Stats())
    private let client: HTTPClient

    init(externalURL: String, logger: Logger) {
        self.externalURL = externalURL
        self.logger = logger
        client = Self.client
    }

    /// One client for the process (never shut down, so no sender has to outlive its deliveries),
    /// with room for many receivers' connections at once: a burst of new groups to one webhook
    /// would otherwise queue behind AsyncHTTPClient's default of 8 connections per host.
    static let client: HTTPClient = {
        var c = HTTPClient.Configuration()
        c.timeout.connect = .seconds(5)
        c.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 32
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }()

    /// Sends the job to each of its integrations; the ones that took it.
    func deliver(_ job: NotificationJob) async -> Set<IntegrationRef> {
        await withTaskGroup(of: (IntegrationRef, Bool).self) { group in
            for ref in job.integrations {
                group.addTask { (ref, await self.deliver(job, to: ref)) }
            }
            var ok: Set<IntegrationRef> = []
            for await (ref, delivered) in group where delivered { ok.insert(ref) }
            return ok
        }
    }

    private func deliver(_ job: NotificationJob, to ref: IntegrationRef) async -> Bool {
        let r = job.receiver
        switch ref.kind {
        case .webhook:
            let w = r.webhooks[ref.index]
            guard var d = data(job, sendResolved: w.sendResolved) else { return true }
            var truncated = 0
            if w.maxAlerts > 0 && d.alerts.count > w.maxAlerts {
                truncated = d.alerts.count - w.maxAlerts
                d.alerts = Array(d.alerts.prefix(w.maxAlerts))
            }
            let body = WebhookPayload.encode(job, data: d, truncated: truncated)
            return await retrying("webhook", job) { try await self.post(body, to: w.url, auth: w.auth, timeoutMs: w.timeoutMs) }
        case .slack:
            let s = r.slacks[ref.index]
            guard let data = data(job, sendResolved: s.sendResolved) else { return true }
            let body: [UInt8]
            do { body = try SlackPayload.encode(s, data: data) } catch {
                logger.error("slack template failed", metadata: ["receiver": "\(r.name)", "err": "\(error)"])
                countFailure("slack", job)
                return false
            }
            return await retrying("slack", job) { try await self.post(body, to: s.apiURL, auth: s.auth, timeoutMs: 10_000) }
        case .email:
            let e = r.emails[ref.index]
            guard let data = data(job, sendResolved: e.sendResolved) else { return true }
            let message: EmailMessage
            do { message = try EmailMessage.build(e, data: data) } catch {
                logger.error("email template failed", metadata: ["receiver": "\(r.name)", "err": "\(error)"])
                countFailure("email", job)
                return false
            }
            let parts = e.smarthost.split(separator: ":")
            let smtp = SMTPClient(host: String(parts.first ?? ""), port: Int(parts.last ?? "") ?? 25, hello: e.hello,
                                  requireTLS: e.requireTLS, insecureSkipVerify: e.insecureSkipVerify,
                                  username: e.authUsername, password: e.authPassword, identity: e.authIdentity)
            return await retrying("email", job) {
                try await smtp.send(from: message.envelopeFrom, to: message.recipients, message: message.text, timeout: .seconds(30))
            }
        }
    }

    /// The template data for one integration, or nil when it has nothing to send (only resolved
    /// alerts and `send_resolved: false`).
    private func data(_ job: NotificationJob, sendResolved: Bool) -> NotificationData? {
        let alerts = sendResolved ? job.alerts : job.alerts.filter { !$0.isResolved(at: job.now) }
        guard !alerts.isEmpty else { return nil }
        return NotificationData(receiver: job.routeReceiver, alerts: alerts, groupLabels: job.groupLabels,
                                externalURL: externalURL, heldBack: job.heldBack, now: job.now)
    }

    private func retrying(_ integration: String, _ job: NotificationJob, _ attempt: @Sendable () async throws -> Void) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(job.retryForMs)
        var delay: Duration = .milliseconds(250)
        var n = 0
        while true {
            n += 1
            do {
                try await attempt()
                stats.withLock { $0.sent["\(integration)|\(job.receiver.name)", default: 0] += 1 }
                return true
            } catch {
                countFailure(integration, job)
                logger.warning("notification failed", metadata: ["integration": "\(integration)", "receiver": "\(job.receiver.name)",
                                                                 "attempt": "\(n)", "err": "\(error)"])
                if error is PermanentFailure { return false }
            }
            if Task.isCancelled || ContinuousClock.now + delay > deadline { return false }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(30))
        }
    }

    private func countFailure(_ integration: String, _ job: NotificationJob) {
        stats.withLock { $0.failed["\(integration)|\(job.receiver.name)", default: 0] += 1 }
    }

    /// A refusal that retrying cannot fix (4xx other than 429).
    struct PermanentFailure: Error, CustomStringConvertible { var description: String }

    struct HTTPFailure: Error, CustomStringConvertible { var description: String }

    private func post(_ body: [UInt8], to url: String, auth: ScrapeAuth?, timeoutMs: Int64) async throws {
        var req = HTTPClientRequest(url: url)
        req.method = .POST
        req.headers.add(name: "Content-Type", value: "application/json")
        req.headers.add(name: "User-Agent", value: "Tidemark/\(TidemarkVersion.string)")
        if let auth { req.headers.add(name: "Authorization", value: try auth.headerValue()) }
        req.body = .bytes(ByteBuffer(bytes: body))
        let resp = try await client.execute(req, timeout: .milliseconds(timeoutMs))
        let text = (try? await resp.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
        let code = Int(resp.status.code)
        if (200..<300).contains(code) { return }
        if (400..<500).contains(code) && code != 429 { throw PermanentFailure(description: "\(url) answered \(code): \(text)") }
        throw HTTPFailure(description: "\(url) answered \(code): \(text)")
    }
}
