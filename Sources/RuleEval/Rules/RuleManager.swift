import Foundation
import Logging
import TSDB

/// Loads rule files and runs their groups: each group on its own schedule, concurrently with the
/// others; its alerts go to `notify`. A reload that fails keeps the running groups.
public actor RuleManager {
    /// Settings from flags and the configuration.
    public struct Options: Sendable {
        /// `global.evaluation_interval`, ms.
        public var evaluationIntervalMs: Int64 = 60_000
        /// `global.rule_query_offset`, ms.
        public var queryOffsetMs: Int64 = 0
        /// `--rules.alert.resend-delay`, ms.
        public var resendDelayMs: Int64 = 60_000
        /// `--rules.alert.for-outage-tolerance`, ms.
        public var outageToleranceMs: Int64 = 3_600_000
        /// `--rules.alert.for-grace-period`, ms.
        public var gracePeriodMs: Int64 = 600_000
        public var externalLabels: [Label] = []
        public var externalURL = ""
        public init() {}
    }

    let engine: PromQLEngine
    let storage: any RuleStorage
    let notify: @Sendable ([AlertNotification]) async -> Void
    let logger: Logger
    public private(set) var groups: [RuleGroup] = []
    private var tasks: [String: Task<Void, Never>] = [:]
    private var options = Options()
    private var loadedOnce = false
    private let slots = RuleEvaluationSlots()

    public init(engine: PromQLEngine, storage: any RuleStorage, logger: Logger,
                notify: @escaping @Sendable ([AlertNotification]) async -> Void) {
        self.engine = engine
        self.storage = storage
        self.logger = logger
        self.notify = notify
    }

    /// Loads every file (all must be valid, or nothing changes) and replaces the running groups;
    /// identical rules keep their alert state.
    public func update(files: [String], options: Options, loadOptions: RuleFileLoader.Options = .init()) async throws(RuleFileError) {
        var loaded: [RuleFile] = []
        var problems: [String] = []
        for f in files {
            do { loaded.append(try RuleFileLoader.load(path: f, options: loadOptions)) } catch {
                problems += error.problems.map { "\(f): \($0)" }
            }
        }
        guard problems.isEmpty else { throw RuleFileError(file: files.count == 1 ? files[0] : "rule files", problems: problems) }
        self.options = options
        let restore = !loadedOnce
        loadedOnce = true
        var fresh: [RuleGroup] = []
        for file in loaded {
            for g in file.groups {
                fresh.append(RuleGroup(g, defaultIntervalMs: options.evaluationIntervalMs, defaultQueryOffsetMs: options.queryOffsetMs,
                                       restore: restore, gracePeriodMs: options.gracePeriodMs))
            }
        }
        // Running evaluations finish first, so the state taken over is final and no old evaluation
        // writes after the new groups start.
        let running = Array(tasks.values)
        tasks = [:]
        for t in running { t.cancel() }
        for t in running { await t.value }
        let old = Dictionary(groups.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for g in fresh { if let o = old[g.key] { g.adopt(from: o) } }
        let keep = Set(fresh.map(\.key))
        let now = Self.nowMs()
        for (k, g) in old where !keep.contains(k) { g.markAllStale(at: now, storage: storage) }
        groups = fresh
        for g in fresh { tasks[g.key] = start(g) }
        logger.info("rules loaded", metadata: ["files": "\(files.count)", "groups": "\(fresh.count)",
                                              "rules": "\(loaded.reduce(0) { $0 + $1.ruleCount })"])
    }

    /// Stops every group.
    public func stop() {
        for (_, t) in tasks { t.cancel() }
        tasks = [:]
    }

    /// Active alerts of every alerting rule.
    public func alerts() -> [Alert] { groups.flatMap { $0.alertingRules.flatMap(\.alerts) } }

    private func start(_ group: RuleGroup) -> Task<Void, Never> {
        let env = RuleEnvironment(engine: engine, storage: storage, externalLabels: options.externalLabels, externalURL: options.externalURL)
        let o = options
        let notify = self.notify
        let logger = self.logger
        let slots = self.slots
        return Task.detached {
            var next = group.nextEvaluation(after: Self.nowMs())
            while !Task.isCancelled {
                let wait = next - Self.nowMs()
                if wait > 0 {
                    do { try await Task.sleep(for: .milliseconds(wait)) } catch { return }
                }
                let now = Self.nowMs()
                // Late by whole intervals (a long evaluation, a stalled machine): those iterations
                // are counted as missed and the group evaluates at the latest due time.
                let late = (now - next) / group.intervalMs
                if late > 0 {
                    group.countMissed(Int(late))
                    next += late * group.intervalMs
                }
                let ts = next
                let sent = await group.evaluateOffPool(at: ts, env: env, slots: slots, resendDelayMs: o.resendDelayMs,
                                                       outageToleranceMs: o.outageToleranceMs, gracePeriodMs: o.gracePeriodMs)
                for r in group.rules where r.record.health == .err {
                    logger.warning("rule evaluation failed", metadata: [
                        "group": "\(group.definition.name)", "rule": "\(r.definition.name)", "err": "\(r.record.lastError ?? "")",
                    ])
                }
                if !sent.isEmpty, !Task.isCancelled { await notify(sent) }
                next += group.intervalMs
            }
        }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
