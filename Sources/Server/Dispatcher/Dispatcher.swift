import Foundation
import Logging
import RuleEval
import Synchronization
import TSDB

/// The built-in alert dispatcher: takes alerts (from the rule evaluator in-process, or any sender
/// through the Alertmanager v2 API), routes them into aggregation groups, and notifies receivers
/// with Alertmanager's grouping, timing, silencing and inhibition semantics — plus escalation
/// policies, acknowledgements, on-call rotations and per-receiver rate limits. Silences, the
/// notification log, escalation positions and acknowledgements are journaled to disk.
actor Dispatcher {
    /// An aggregation group: the alerts one route collected for one set of `group_by` values.
    struct Group: Sendable {
        /// Unique: route ID and group labels.
        let id: String
        /// Alertmanager's group key (route key and group labels), as webhooks receive it.
        let key: String
        /// A short stable handle for the API (`/api/v2/alerts/groups/<id>/ack`).
        let shortID: String
        let route: DispatchRoute
        let labels: Labels
        var alerts: Set<UInt64> = []
        /// When the group is next flushed (Unix ms).
        var nextFlush: Int64
        var flushed = false
    }

    /// An alert with what the API reports about it.
    struct AlertStatus: Sendable {
        var alert: DispatchAlert
        var silencedBy: [String]
        var inhibitedBy: [String]
        var receivers: [String]
    }

    /// A group as the API reports it.
    struct GroupStatus: Sendable {
        var shortID: String
        var key: String
        var labels: Labels
        var receiver: String
        var alerts: [AlertStatus]
        var escalation: EscalationState?
        var escalationPolicy: String?
    }

    /// Counters and gauges for `/metrics`.
    struct Stats: Sendable {
        var alertsReceived = 0
        var alertsInvalid = 0
        var alerts = 0
        var groups = 0
        var silencesActive = 0
        var silencesPending = 0
        var silencesExpired = 0
        var heldBack: [String: Int] = [:]
        var escalations = 0
        /// Flush-due-to-delivered latency histogram (seconds), cumulative counts per bucket.
        var latencyBuckets = [Int](repeating: 0, count: Dispatcher.latencyBounds.count)
        var latencyCount = 0
        var latencySum = 0.0
    }

    static let latencyBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    private(set) var config: DispatcherConfig
    private var alerts: [UInt64: DispatchAlert] = [:]
    private var groups: [String: Group] = [:]
    private var groupByShortID: [String: String] = [:]
    private var silences: [String: Silence] = [:]
    private var nlog = NotificationLog()
    private var escalations: [String: EscalationState] = [:]
    private var limiters: [String: ReceiverRateLimiter] = [:]
    private var inFlight: Set<String> = []
    private var inhibition = InhibitionIndex()
    /// Bumped when a possible inhibition source arrives or alerts are collected.
    private var alertsVersion = 0
    private var lastGC: Int64 = 0
    private let journal: DispatcherJournal
    let sender: NotificationSender
    let logger: Logger
    private let clock: @Sendable () -> Int64
    private var pendingJournal: [DispatcherJournal.Record] = []
    /// Escalation states without a group, and since when (for their garbage collection).
    private var orphanedEscalations: [String: Int64] = [:]
    private var journalFlush: Task<Void, Never>?
    private var loop: Task<Void, Never>?
    private var sleeper: Task<Void, Never>?
    private var scheduledWake: Int64 = .max
    let startedAt: Int64
    nonisolated let stats = Mutex(Stats())

    /// Opens the state under `directory` and takes `config`; call `start()` to begin flushing.
    init(config: DispatcherConfig, directory: String, externalURL: String, logger: Logger,
         clock: @escaping @Sendable () -> Int64 = DispatcherTime.nowMs) throws {
        self.config = config
        self.logger = logger
        self.clock = clock
        startedAt = clock()
        let (j, state) = try DispatcherJournal.open(directory: directory, logger: logger)
        journal = j
        sender = NotificationSender(externalURL: externalURL, logger: logger)
        for s in state.silences.values {
            if let silence = try? Self.silence(from: s) { silences[s.id] = silence }
        }
        for (k, e) in state.nlog { nlog.set(k, e) }
        escalations = state.escalations
    }

    func start() {
        guard loop == nil else { return }
        loop = Task { await self.run() }
    }

    func stop() async {
        loop?.cancel()
        sleeper?.cancel()
        loop = nil
        journalFlush?.cancel()
        flushJournal()
        journal.close()
    }

    /// Takes a reloaded configuration: alerts are routed again into new groups (the notification
    /// log keeps what was already sent from being sent again).
    func apply(_ c: DispatcherConfig) {
        config = c
        groups = [:]
        groupByShortID = [:]
        limiters = limiters.filter { name, l in c.receiver(name)?.rateLimit == l.limit }
        let now = clock()
        // Resolved alerts too: their resolution may not have been notified yet.
        for a in alerts.values { route(a, now: now) }
        alertsVersion &+= 1
        wake()
    }

    // MARK: Alerts in

    /// Stores and routes alerts (deduplicated by fingerprint, merged with what is stored).
    func put(_ batch: [DispatchAlert]) {
        let now = clock()
        var changedSource = false
        for var a in batch {
            if let old = alerts[a.fingerprint] { a = old.merged(with: a, now: now) }
            alerts[a.fingerprint] = a
            route(a, now: now)
            // Only a possible inhibition source invalidates the inhibition index.
            if !changedSource && config.inhibitRules.contains(where: { AlertMatchers.matches($0.sourceMatchers, a.labels) }) {
                changedSource = true
            }
        }
        if changedSource { alertsVersion &+= 1 }
        stats.withLock { $0.alertsReceived += batch.count; $0.alerts = alerts.count; $0.groups = groups.count }
        if scheduledWake > nextWake(now: now) { wake() }
    }

    /// Counts alerts refused by the API.
    nonisolated func countInvalid(_ n: Int) { stats.withLock { $0.alertsInvalid += n } }

    private func route(_ a: DispatchAlert, now: Int64) {
        for r in Self.matchingRoutes(config.route, a.labels) {
            let gl = Self.groupLabels(r, a.labels)
            let ls = Self.labelString(gl)
            let id = r.id + ":" + ls
            if groups[id] == nil {
                let short = AlertFingerprint.hex(AlertFingerprint.of(Labels(sortedUnchecked: [Label(name: "group", value: id)])))
                groups[id] = Group(id: id, key: r.key + ":" + ls, shortID: short, route: r, labels: gl, nextFlush: now + r.groupWaitMs)
                groupByShortID[short] = id
            }
            guard var g = groups[id] else { continue }
            g.alerts.insert(a.fingerprint)
            // An alert that started long enough ago need not wait for group_wait.
            if !g.flushed && a.startsAt + r.groupWaitMs < now { g.nextFlush = min(g.nextFlush, now) }
            groups[id] = g
        }
    }

    /// Alertmanager's routing: the deepest matching routes, siblings tried in order until one
    /// matches without `continue`; a route none of whose children match takes the alert itself.
    static func matchingRoutes(_ r: DispatchRoute, _ labels: Labels) -> [DispatchRoute] {
        guard AlertMatchers.matches(r.matchers, labels) else { return [] }
        var all: [DispatchRoute] = []
        for child in r.routes {
            let m = matchingRoutes(child, labels)
            all += m
            if !m.isEmpty && !child.continueMatching { break }
        }
        return all.isEmpty ? [r] : all
    }

    static func groupLabels(_ r: DispatchRoute, _ labels: Labels) -> Labels {
        if r.groupByAll { return labels }
        return Labels(sortedUnchecked: labels.pairs.filter { r.groupBy.contains($0.name) && !$0.value.isEmpty })
    }

    /// `{a="b", c="d"}`, as Go prints a label set.
    static func labelString(_ l: Labels) -> String {
        "{" + l.pairs.map { "\($0.name)=\"\(LabelValidation.escape($0.value))\"" }.joined(separator: ", ") + "}"
    }

    // MARK: Scheduling

    private func run() async {
        while !Task.isCancelled {
            let now = clock()
            tick(now: now)
            let next = nextWake(now: clock())
            scheduledWake = next
            let ms = max(1, min(next - clock(), 10_000))
            let s = Task { _ = try? await Task.sleep(for: .milliseconds(ms)) }
            sleeper = s
            await s.value
            scheduledWake = .max
        }
    }

    private func wake() { sleeper?.cancel() }

    private func nextWake(now: Int64) -> Int64 {
        var next = now + 10_000
        for g in groups.values where g.nextFlush < next { next = g.nextFlush }
        for (id, st) in escalations {
            if let due = escalationDue(id, st), due < next { next = due }
        }
        for l in limiters.values where !l.held.isEmpty {
            // A limit with room already released its groups in the last tick; only a future slot is an event.
            if let t = l.nextSlot(now: now), t < next { next = t }
        }
        return next
    }

    /// Runs everything due at `now` (the scheduler's step; tests drive it with a fake clock).
    func tick(now: Int64) {
        // Rate limits with room again: retry the groups they held back.
        for (name, var l) in limiters where !l.held.isEmpty {
            // Held groups that are gone have nothing left to send.
            if l.dropHeld(where: { gid in
                guard let g = groups[gid] else { return true }
                return isMuted(g.route, now: now) || !targets(of: g).contains { concreteReceiver($0, now: now) == name }
            }) { limiters[name] = l }
            if l.nextSlot(now: now) == nil { for h in l.held { groups[h.groupID]?.nextFlush = now } }
        }
        let due = groups.values.filter { $0.nextFlush <= now }.sorted { $0.nextFlush < $1.nextFlush }
        for g in due { flush(g.id, now: now, dueAt: g.nextFlush) }
        for (id, st) in escalations {
            if let t = escalationDue(id, st), t <= now { escalate(id, now: now) }
        }
        if now - lastGC > 30_000 { collectGarbage(now: now) }
        stats.withLock { $0.alerts = alerts.count; $0.groups = groups.count; $0.escalations = escalations.count }
    }

    /// When the group's next escalation step is due; nil when none is (acknowledged, finished, or no group).
    private func escalationDue(_ id: String, _ st: EscalationState) -> Int64? {
        guard !st.acked, let g = groups[id], let p = g.route.escalationPolicy.flatMap({ config.escalationPolicies[$0] }),
              st.step < p.steps.count else { return nil }
        guard st.step + 1 < p.steps.count || p.repeats else { return nil }
        return st.stepAt + p.steps[st.step].delayMs
    }

    // MARK: Flushing

    private struct Visible {
        var alerts: [DispatchAlert]
        var firing: [UInt64]
        var resolved: [UInt64]
    }

    /// The group's alerts that are neither silenced nor inhibited, and drops resolved ones that are.
    private func visible(_ g: inout Group, now: Int64) -> Visible {
        var list: [DispatchAlert] = []
        var gone: [UInt64] = []
        for fp in g.alerts {
            guard let a = alerts[fp] else { gone.append(fp); continue }
            if isSilenced(a, now: now) || isInhibited(a, now: now) {
                // A muted alert that resolved will never be notified: let it go.
                if a.isResolved(at: now) { gone.append(fp) }
                continue
            }
            list.append(a)
        }
        for fp in gone { g.alerts.remove(fp) }
        list.sort { $0.fingerprint < $1.fingerprint }
        var v = Visible(alerts: list, firing: [], resolved: [])
        for a in list {
            if a.isResolved(at: now) { v.resolved.append(a.fingerprint) } else { v.firing.append(a.fingerprint) }
        }
        return v
    }

    private func isMuted(_ r: DispatchRoute, now: Int64) -> Bool {
        for name in r.muteTimeIntervals where config.timeIntervals[name]?.contains(where: { $0.contains(now) }) == true { return true }
        if !r.activeTimeIntervals.isEmpty {
            let active = r.activeTimeIntervals.contains { config.timeIntervals[$0]?.contains(where: { $0.contains(now) }) == true }
            if !active { return true }
        }
        return false
    }

    private func flush(_ id: String, now: Int64, dueAt: Int64) {
        guard var g = groups[id] else { return }
        g.nextFlush = now + g.route.groupIntervalMs
        g.flushed = true
        if isMuted(g.route, now: now) { groups[id] = g; return }
        let v = visible(&g, now: now)
        if g.alerts.isEmpty {
            groups[id] = nil
            groupByShortID[g.shortID] = nil
            clearEscalation(id)
            return
        }
        groups[id] = g
        var targets: [String] = [g.route.receiver]
        if let p = g.route.escalationPolicy.flatMap({ config.escalationPolicies[$0] }) {
            if v.firing.isEmpty {
                // Resolved: everyone notified so far hears it; the state goes with the group.
                targets = escalations[id]?.notified ?? []
            } else {
                var st = escalations[id] ?? EscalationState(step: 0, stepAt: now, notified: [p.steps[0].receiver])
                // Acknowledged before its first notification: the first step still hears of it.
                if st.notified.isEmpty { st.notified = [p.steps[0].receiver] }
                if st.acked && !NotificationLog.isSubset(v.firing, of: st.firingAtAck) {
                    // The group changed: the acknowledgement no longer covers it.
                    st.acked = false
                    st.stepAt = now
                }
                if st != escalations[id] { setEscalation(id, st) }
                targets = st.notified
            }
        }
        var pending = false
        for t in targets {
            if notify(g, routeReceiver: t, v, now: now, dueAt: dueAt) { pending = true }
        }
        // As Alertmanager: once nothing is left to deliver, resolved alerts leave the group.
        if !pending && !v.resolved.isEmpty { dropResolved(id, v.resolved, notifiedAt: now, now: now) }
    }

    /// The receivers (as routes and escalation steps name them) a group notifies.
    private func targets(of g: Group) -> [String] {
        guard g.route.escalationPolicy.flatMap({ config.escalationPolicies[$0] }) != nil else { return [g.route.receiver] }
        return escalations[g.id]?.notified ?? []
    }

    /// Removes resolved alerts (unchanged since `notifiedAt`) from a group; an emptied group goes,
    /// with its escalation state.
    private func dropResolved(_ id: String, _ resolved: [UInt64], notifiedAt: Int64, now: Int64) {
        guard var g = groups[id] else { return }
        for fp in resolved {
            if let a = alerts[fp], a.isResolved(at: now), a.updatedAt <= notifiedAt { g.alerts.remove(fp) }
        }
        if g.alerts.isEmpty {
            groups[id] = nil
            groupByShortID[g.shortID] = nil
            clearEscalation(id)
            for (name, var l) in limiters where l.dropHeld(id) { limiters[name] = l }
        } else {
            groups[id] = g
        }
    }

    private func escalate(_ id: String, now: Int64) {
        guard var st = escalations[id], var g = groups[id],
              let p = g.route.escalationPolicy.flatMap({ config.escalationPolicies[$0] }) else { return }
        let v = visible(&g, now: now)
        groups[id] = g
        guard !v.firing.isEmpty, !isMuted(g.route, now: now) else {
            // Everything resolved, silenced or in a mute window: wait a step's delay again rather than spin.
            st.stepAt = now
            escalations[id] = st
            return
        }
        var next = st.step + 1
        if next >= p.steps.count {
            guard p.repeats else { return }
            next = 0
        }
        st.step = next
        st.stepAt = now
        let receiver = p.steps[next].receiver
        if !st.notified.contains(receiver) { st.notified.append(receiver) }
        setEscalation(id, st)
        logger.info("escalating unacknowledged alert group", metadata: ["group": "\(g.key)", "step": "\(next)", "receiver": "\(receiver)"])
        notify(g, routeReceiver: receiver, v, now: now, dueAt: now, escalating: true)
    }

    private func setEscalation(_ id: String, _ st: EscalationState?) {
        escalations[id] = st
        journal.append([.escalation(group: id, state: st)])
    }

    private func clearEscalation(_ id: String) {
        if escalations[id] != nil { setEscalation(id, nil) }
    }

    /// The receiver that gets notifications for `name` at `now` (a rotation's current member).
    func concreteReceiver(_ name: String, now: Int64) -> String {
        guard let r = config.receiver(name), let rot = r.rotation else { return name }
        return rot.member(at: now)
    }

    /// Sends the group's state to a receiver if it needs it; true when a delivery is pending
    /// (started, in flight, or held back by a rate limit). `escalating`: an escalation step, which
    /// notifies a firing group even when nothing changed.
    @discardableResult
    private func notify(_ g: Group, routeReceiver: String, _ v: Visible, now: Int64, dueAt: Int64, escalating: Bool = false) -> Bool {
        let name = concreteReceiver(routeReceiver, now: now)
        guard let rc = config.receiver(name) else { return false }
        // Everything silenced or inhibited: nothing to say, and the log keeps what was last said.
        guard !v.alerts.isEmpty else { return false }
        // Integrations needing the update, each with its own log entry (Alertmanager's nflog).
        var needed: [IntegrationRef] = []
        var anyNeeded = false
        var busy = false
        let refs: [IntegrationRef?] = rc.integrationCount == 0 ? [nil] : rc.integrations.map { $0 }
        for ref in refs {
            let key = Self.logKey(g.id, name, ref)
            if inFlight.contains(key) { busy = true; continue }
            let sendResolved = ref.map(rc.sendResolved) ?? true
            if escalating ? !v.firing.isEmpty
                : NotificationLog.needsUpdate(nlog.entries[key], firing: v.firing, resolved: v.resolved, sendResolved: sendResolved,
                                              repeatIntervalMs: g.route.repeatIntervalMs, now: now) {
                anyNeeded = true
                if let ref { needed.append(ref) }
            }
        }
        guard anyNeeded else {
            // Nothing to send: nothing to hold back either.
            if !busy, var l = limiters[name], l.dropHeld(g.id) { limiters[name] = l }
            return busy
        }
        var held: [ReceiverRateLimiter.Held] = []
        if let limit = rc.rateLimit {
            var l = limiters[name] ?? ReceiverRateLimiter(limit: limit)
            guard l.admit(now: now) else {
                l.hold(.init(groupID: g.id, groupLabels: g.labels, firing: v.firing.count, resolved: v.resolved.count, count: 1))
                limiters[name] = l
                stats.withLock { $0.heldBack[name, default: 0] += 1 }
                return true
            }
            held = l.takeHeld(except: g.id)
            limiters[name] = l
        }
        let integrations = needed
        let job = NotificationJob(groupID: g.id, groupKey: g.key, groupLabels: g.labels, routeReceiver: routeReceiver,
                                  receiver: rc, integrations: integrations, alerts: v.alerts, firing: v.firing, resolved: v.resolved,
                                  heldBack: held, dueAt: dueAt, now: now, retryForMs: max(10_000, min(g.route.groupIntervalMs, 300_000)))
        if integrations.isEmpty {
            // A receiver without integrations: "delivered" at once, so the log and the timing still hold.
            delivered(job, ok: [])
            return false
        }
        for ref in integrations { inFlight.insert(Self.logKey(g.id, name, ref)) }
        let sender = self.sender
        // Above the request handlers' priority: under a burst of posted alerts, deliveries would
        // otherwise queue behind JSON decoding for the cooperative threads (p99 halves with it).
        Task(priority: .high) {
            let ok = await sender.deliver(job)
            await self.delivered(job, ok: ok)
        }
        return true
    }

    /// The notification-log key of a group, receiver and integration (none: a receiver without integrations).
    static func logKey(_ group: String, _ receiver: String, _ ref: IntegrationRef?) -> String {
        let base = NotificationLog.key(group: group, receiver: receiver)
        return ref.map { base + "|" + $0.name } ?? base
    }

    private func delivered(_ job: NotificationJob, ok: Set<IntegrationRef>) {
        let now = clock()
        let seconds = Double(max(0, now - job.dueAt)) / 1000
        stats.withLock { s in
            s.latencyCount += 1
            s.latencySum += seconds
            for (i, b) in Self.latencyBounds.enumerated() where seconds <= b { s.latencyBuckets[i] += 1 }
        }
        let e = NotificationLog.Entry(firing: job.firing, resolved: job.resolved, at: job.now)
        let refs: [IntegrationRef?] = job.integrations.isEmpty ? [nil] : job.integrations.map { $0 }
        var allOK = true
        for ref in refs {
            let key = Self.logKey(job.groupID, job.receiver.name, ref)
            inFlight.remove(key)
            if let ref, !ok.contains(ref) { allOK = false; continue }
            nlog.set(key, e)
            journalSoon(.nlog(key: key, entry: e))
        }
        guard allOK else {
            // Held-back summaries ride on the next attempt instead of vanishing.
            if !job.heldBack.isEmpty, var l = limiters[job.receiver.name] {
                for h in job.heldBack { l.hold(h) }
                limiters[job.receiver.name] = l
            }
            return
        }
        dropResolved(job.groupID, job.resolved, notifiedAt: job.now, now: now)
    }

    /// Journals a notification-log record with others of the next few milliseconds under one
    /// fsync: a burst of deliveries would otherwise hold the actor for an fsync each. (Silences
    /// and acknowledgements, which a client waits for, are journaled before answering.)
    private func journalSoon(_ r: DispatcherJournal.Record) {
        pendingJournal.append(r)
        guard journalFlush == nil else { return }
        journalFlush = Task {
            try? await Task.sleep(for: .milliseconds(20))
            self.flushJournal()
        }
    }

    private func flushJournal() {
        journalFlush = nil
        let records = pendingJournal
        pendingJournal = []
        journal.append(records)
    }

    private func collectGarbage(now: Int64) {
        lastGC = now
        var member: Set<UInt64> = []
        for g in groups.values { member.formUnion(g.alerts) }
        let before = alerts.count
        alerts = alerts.filter { !$0.value.isResolved(at: now) || member.contains($0.key) }
        if alerts.count != before { alertsVersion &+= 1 }
        // Expired silences and old notification-log entries are kept five days, as Alertmanager does.
        let retention: Int64 = 5 * 86_400_000
        var changed = false
        for (id, s) in silences where s.endsAt < now - retention { silences[id] = nil; changed = true }
        if !nlog.expire(before: now - retention).isEmpty { changed = true }
        var counts = (0, 0, 0)
        for s in silences.values {
            switch s.state(at: now) {
            case .active: counts.0 += 1
            case .pending: counts.1 += 1
            case .expired: counts.2 += 1
            }
        }
        stats.withLock { $0.silencesActive = counts.0; $0.silencesPending = counts.1; $0.silencesExpired = counts.2 }
        // Escalation states whose group did not come back (the alert resolved while Tidemark was
        // down): forgotten once senders would have re-sent a firing alert.
        for id in escalations.keys where groups[id] == nil {
            let since = orphanedEscalations[id] ?? now
            orphanedEscalations[id] = since
            if now - since > config.resolveTimeoutMs + 300_000 {
                clearEscalation(id)
                orphanedEscalations[id] = nil
            }
        }
        for id in orphanedEscalations.keys where groups[id] != nil || escalations[id] == nil { orphanedEscalations[id] = nil }
        if changed || journal.appendedSinceCompaction > 20_000 { compact() }
    }

    private func compact() {
        var state = DispatcherJournal.State()
        for s in silences.values { state.silences[s.id] = Self.stored(s) }
        state.nlog = nlog.entries
        state.escalations = escalations
        do { try journal.rewrite(state) } catch {
            logger.error("dispatcher journal: compaction failed", metadata: ["err": "\(error)"])
        }
    }

    // MARK: Silencing and inhibition

    func isSilenced(_ a: DispatchAlert, now: Int64) -> Bool { !silencedBy(a, now: now).isEmpty }

    func silencedBy(_ a: DispatchAlert, now: Int64) -> [String] {
        silences.values.filter { $0.mutes(a.labels, at: now) }.map(\.id).sorted()
    }

    func isInhibited(_ a: DispatchAlert, now: Int64) -> Bool { !inhibitedBy(a, now: now).isEmpty }

    func inhibitedBy(_ a: DispatchAlert, now: Int64) -> [String] {
        guard !config.inhibitRules.isEmpty else { return [] }
        // Sources that resolve after the build are skipped when checked, so only new or changed
        // sources (and garbage collection) call for a rebuild.
        if inhibition.version != alertsVersion {
            inhibition = InhibitionIndex(rules: config.inhibitRules, alerts: alerts, now: now)
            inhibition.version = alertsVersion
        }
        return inhibition.inhibitors(of: a, rules: config.inhibitRules, alerts: alerts, now: now)
    }

    // MARK: Queries

    /// Alerts that are not resolved, with their silencing, inhibition and receivers.
    func alertStatuses(now: Int64? = nil) -> [AlertStatus] {
        let t = now ?? clock()
        return alerts.values.filter { !$0.isResolved(at: t) }.sorted { $0.fingerprint < $1.fingerprint }.map { status($0, now: t) }
    }

    private func status(_ a: DispatchAlert, now: Int64) -> AlertStatus {
        let receivers = Self.matchingRoutes(config.route, a.labels).map(firstReceiver)
        var seen: Set<String> = []
        return AlertStatus(alert: a, silencedBy: silencedBy(a, now: now), inhibitedBy: inhibitedBy(a, now: now),
                           receivers: receivers.filter { seen.insert($0).inserted })
    }

    /// The receiver a route notifies first (its escalation policy's first step, if it has one).
    private func firstReceiver(_ r: DispatchRoute) -> String {
        r.escalationPolicy.flatMap { config.escalationPolicies[$0]?.steps.first?.receiver } ?? r.receiver
    }

    /// The aggregation groups and their unresolved alerts.
    func groupStatuses() -> [GroupStatus] {
        let now = clock()
        return groups.values.sorted { $0.key < $1.key }.compactMap { g in
            let list = g.alerts.compactMap { alerts[$0] }.filter { !$0.isResolved(at: now) }.sorted { $0.fingerprint < $1.fingerprint }
            guard !list.isEmpty else { return nil }
            let receiver = firstReceiver(g.route)
            return GroupStatus(shortID: g.shortID, key: g.key, labels: g.labels, receiver: receiver,
                               alerts: list.map { status($0, now: now) }, escalation: escalations[g.id], escalationPolicy: g.route.escalationPolicy)
        }
    }

    // MARK: Acknowledgement

    enum AckError: Error { case notFound }

    /// Acknowledges a group (by short ID or full key): its escalation stops until the group changes.
    func acknowledge(_ handle: String, by: String?, comment: String?) throws(AckError) -> EscalationState {
        let now = clock()
        guard let id = groupID(handle), var g = groups[id] else { throw .notFound }
        let v = visible(&g, now: now)
        groups[id] = g
        var st = escalations[id] ?? EscalationState(step: 0, stepAt: now, notified: [])
        st.acked = true
        st.ackedBy = by
        st.ackedAt = now
        st.ackComment = comment
        st.firingAtAck = v.firing
        setEscalation(id, st)
        wake()
        return st
    }

    /// Withdraws an acknowledgement: escalation resumes, the current step's delay counted from now.
    func unacknowledge(_ handle: String) throws(AckError) -> EscalationState? {
        guard let id = groupID(handle), groups[id] != nil else { throw .notFound }
        guard var st = escalations[id] else { return nil }
        st.acked = false
        st.ackedBy = nil
        st.ackedAt = nil
        st.ackComment = nil
        st.stepAt = clock()
        setEscalation(id, st)
        wake()
        return st
    }

    private func groupID(_ handle: String) -> String? {
        if let id = groupByShortID[handle] { return id }
        return groups.values.first { $0.key == handle || $0.id == handle }?.id
    }

    // MARK: Silences

    enum SilenceError: Error { case notFound, invalid(String) }

    func silenceList() -> [Silence] { Array(silences.values) }

    func silence(_ id: String) -> Silence? { silences[id] }

    /// Creates a silence, or updates the one with `s.id`: in place while its matchers are the same
    /// and it has not expired, otherwise the old one expires and a new one (new ID) takes over.
    func upsertSilence(_ input: Silence) throws(SilenceError) -> String {
        let now = clock()
        var s = input
        do { try s.validate() } catch { throw .invalid(error.description) }
        guard s.endsAt > now else { throw .invalid("end time can't be in the past") }
        s.updatedAt = now
        var records: [DispatcherJournal.Record] = []
        if !s.id.isEmpty {
            guard var old = silences[s.id] else { throw .notFound }
            if old.state(at: now) != .expired && old.matchers == s.matchers {
                if old.state(at: now) == .active { s.startsAt = old.startsAt }
                silences[s.id] = s
                journal.append([.silence(Self.stored(s))])
                wake()
                return s.id
            }
            if old.state(at: now) != .expired {
                old.endsAt = now
                old.updatedAt = now
                if old.startsAt > now { old.startsAt = now }
                silences[old.id] = old
                records.append(.silence(Self.stored(old)))
            }
        }
        s.id = UUID().uuidString.lowercased()
        if s.startsAt < now { s.startsAt = now }
        silences[s.id] = s
        records.append(.silence(Self.stored(s)))
        journal.append(records)
        wake()
        return s.id
    }

    /// Expires a silence now.
    func expireSilence(_ id: String) throws(SilenceError) {
        let now = clock()
        guard var s = silences[id] else { throw .notFound }
        guard s.state(at: now) != .expired else { throw .invalid("silence \(id) already expired") }
        s.endsAt = now
        if s.startsAt > now { s.startsAt = now }
        s.updatedAt = now
        silences[id] = s
        journal.append([.silence(Self.stored(s))])
        wake()
    }

    static func stored(_ s: Silence) -> DispatcherJournal.StoredSilence {
        .init(id: s.id, matchers: s.matchers.map {
            .init(name: $0.name, value: $0.value, isRegex: $0.kind.isRegex, isEqual: $0.kind.isEqual)
        }, startsAt: s.startsAt, endsAt: s.endsAt, updatedAt: s.updatedAt, createdBy: s.createdBy, comment: s.comment)
    }

    static func silence(from s: DispatcherJournal.StoredSilence) throws -> Silence {
        Silence(id: s.id, matchers: try s.matchers.map { m in
            try Matcher(Matcher.Kind(isRegex: m.isRegex, isEqual: m.isEqual), m.name, m.value)
        }, startsAt: s.startsAt, endsAt: s.endsAt, updatedAt: s.updatedAt, createdBy: s.createdBy, comment: s.comment)
    }

    var resolveTimeoutMs: Int64 { config.resolveTimeoutMs }
    /// What was last sent to `receiver` for the group with ID `group`.
    func lastNotification(group: String, receiver: String) -> NotificationLog.Entry? {
        if let e = nlog[group, receiver] { return e }
        let prefix = NotificationLog.key(group: group, receiver: receiver) + "|"
        return nlog.entries.filter { $0.key.hasPrefix(prefix) }.map(\.value).max { $0.at < $1.at }
    }

    /// Writes the notification log's pending group commit now (tests, shutdown).
    func syncJournal() { journalFlush?.cancel(); flushJournal() }
    var receiverNames: [String] { config.receivers.map(\.name) }
    /// Aggregation groups held (resolved-only ones included).
    var groupCount: Int { groups.count }
    var now: Int64 { clock() }
}
