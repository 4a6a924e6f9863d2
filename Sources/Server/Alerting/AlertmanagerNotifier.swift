import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import RuleEval
import Synchronization
import TSDB

/// Delivers alerts to the configured Alertmanagers (v2 API): external labels attached, alert
/// relabeling applied, a bounded queue (the oldest alerts are dropped on overflow, counted and
/// logged), batches of at most 64 sent to every Alertmanager, retried with backoff on failure.
actor AlertmanagerNotifier {
    /// Most alerts in one POST, as Prometheus sends them.
    static let maxBatch = 64

    let capacity: Int
    let logger: Logger
    private let client: HTTPClient
    private var queue: [AlertNotification] = []
    private var alertmanagers: [AlertmanagerConfig] = []
    private var relabeler = Relabeler([])
    private var externalLabels: [Label] = []
    private var wake: CheckedContinuation<Void, Never>?
    private var sender: Task<Void, Never>?
    /// Counters for `/metrics`, readable without awaiting the actor.
    nonisolated let stats = Mutex(Stats())

    /// Notification counters.
    struct Stats: Sendable {
        var sent: [String: Int] = [:]
        var errors: [String: Int] = [:]
        var latencySeconds: [String: Double] = [:]
        var dropped = 0
        var queueLength = 0
    }

    /// The in-process receiver (the built-in dispatcher), given every prepared alert.
    private let local: (@Sendable ([AlertNotification]) async -> Void)?

    init(capacity: Int, logger: Logger, local: (@Sendable ([AlertNotification]) async -> Void)? = nil) {
        self.capacity = capacity
        self.local = local
        self.logger = logger
        var c = HTTPClient.Configuration()
        c.timeout.connect = .seconds(3)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }

    /// Takes the `alerting:` section and external labels of a (re)loaded configuration.
    func apply(_ config: AlertingConfig, externalLabels: [Label]) {
        alertmanagers = config.alertmanagers
        relabeler = Relabeler(config.relabelConfigs)
        self.externalLabels = externalLabels
        if sender == nil { sender = Task { await self.sendLoop() } }
    }

    /// The Alertmanager URLs alerts go to.
    var urls: [String] { alertmanagers.flatMap(\.urls) }

    /// Hands alerts to the built-in dispatcher, if any, and queues them for the configured
    /// Alertmanagers (nothing is queued when there are none).
    func send(_ alerts: [AlertNotification]) async {
        guard !alertmanagers.isEmpty || local != nil else { return }
        var prepared: [AlertNotification] = []
        prepared.reserveCapacity(alerts.count)
        for var a in alerts {
            if !externalLabels.isEmpty {
                var pairs = a.labels.pairs
                for l in externalLabels where a.labels[l.name].isEmpty { pairs.append(l) }
                pairs.sort()
                a.labels = Labels(sortedUnchecked: pairs)
            }
            if !relabeler.isEmpty {
                guard let l = relabeler.process(a.labels) else { continue }
                a.labels = l
            }
            prepared.append(a)
        }
        if let local { await local(prepared) }
        guard !alertmanagers.isEmpty else { return }
        queue += prepared
        if queue.count > capacity {
            let drop = queue.count - capacity
            queue.removeFirst(drop)
            stats.withLock { $0.dropped += drop }
            logger.warning("alert notification queue full, oldest alerts dropped", metadata: ["dropped": "\(drop)"])
        }
        stats.withLock { $0.queueLength = queue.count }
        if let w = wake { wake = nil; w.resume() }
    }

    /// Stops sending (queued alerts are flushed once first, briefly).
    func shutdown() async {
        sender?.cancel()
        if let w = wake { wake = nil; w.resume() }
        try? await client.shutdown()
    }

    private func sendLoop() async {
        while !Task.isCancelled {
            if queue.isEmpty {
                await withCheckedContinuation { wake = $0 }
                continue
            }
            let batch = Array(queue.prefix(Self.maxBatch))
            queue.removeFirst(batch.count)
            stats.withLock { $0.queueLength = queue.count }
            let body = Self.encode(batch)
            let targets = alertmanagers.flatMap { am in am.urls.map { (am, $0) } }
            let delivered = await withTaskGroup(of: Bool.self) { group in
                for (am, url) in targets {
                    group.addTask { await self.post(body, to: url, config: am, count: batch.count) }
                }
                var any = false
                for await ok in group where ok { any = true }
                return any
            }
            if !delivered && !targets.isEmpty {
                stats.withLock { $0.dropped += batch.count }
                logger.error("alerts could not be delivered to any Alertmanager", metadata: ["alerts": "\(batch.count)"])
            }
        }
    }

    /// POSTs one batch to one Alertmanager, retrying with backoff (after 0.5 s, then 1 s); true
    /// when it was accepted. Few retries: the batch holds up the queue meanwhile, and firing
    /// alerts are re-sent every resend delay anyway.
    private nonisolated func post(_ body: [UInt8], to url: String, config: AlertmanagerConfig, count: Int) async -> Bool {
        var delay: Duration = .milliseconds(500)
        let attempts = 3
        for attempt in 1...attempts {
            let start = ContinuousClock.now
            do {
                var req = HTTPClientRequest(url: url)
                req.method = .POST
                req.headers.add(name: "Content-Type", value: "application/json")
                req.headers.add(name: "User-Agent", value: "Tidemark/\(TidemarkVersion.string)")
                if let auth = config.auth { req.headers.add(name: "Authorization", value: try auth.headerValue()) }
                req.body = .bytes(ByteBuffer(bytes: body))
                let resp = try await client.execute(req, timeout: .milliseconds(config.timeoutMs))
                _ = try? await resp.body.collect(upTo: 1 << 20)
                let seconds = RuleGroup.seconds(ContinuousClock.now - start)
                if (200..<300).contains(Int(resp.status.code)) {
                    stats.withLock { $0.sent[url, default: 0] += count; $0.latencySeconds[url, default: 0] += seconds }
                    return true
                }
                stats.withLock { $0.errors[url, default: 0] += count }
                logger.warning("Alertmanager refused alerts", metadata: ["url": "\(url)", "status": "\(resp.status.code)", "attempt": "\(attempt)"])
                // A 4xx will not get better by retrying.
                if (400..<500).contains(Int(resp.status.code)) { return false }
            } catch {
                stats.withLock { $0.errors[url, default: 0] += count }
                logger.warning("sending alerts to Alertmanager failed", metadata: ["url": "\(url)", "err": "\(error)", "attempt": "\(attempt)"])
            }
            if Task.isCancelled || attempt == attempts { return false }
            try? await Task.sleep(for: delay)
            delay *= 2
        }
        return false
    }

    /// The v2 API body: `[{labels, annotations, startsAt, endsAt, generatorURL}]`.
    static func encode(_ alerts: [AlertNotification]) -> [UInt8] {
        var b = JSONBuffer()
        b.array(alerts) { b, a in
            b.raw(#"{"labels":"#)
            b.labels(a.labels)
            b.raw(#","annotations":"#)
            RulesRoutes.pairs(a.annotations, into: &b)
            b.raw(#","startsAt":"#)
            b.string(RulesRoutes.time(a.startsAt))
            b.raw(#","endsAt":"#)
            b.string(RulesRoutes.time(a.endsAt))
            b.raw(#","generatorURL":"#)
            b.string(a.generatorURL)
            b.byte(UInt8(ascii: "}"))
        }
        return b.bytes
    }
}
