import Foundation
import Logging

/// The dispatcher's durable state — silences, the notification log, escalation positions and
/// acknowledgements — as an append-only file of JSON lines, fsynced before the change is
/// acknowledged. Replayed at start (a torn last line from a kill is skipped), then compacted.
final class DispatcherJournal: @unchecked Sendable {
    /// One change.
    enum Record: Codable, Sendable {
        case silence(StoredSilence)
        case nlog(key: String, entry: NotificationLog.Entry?)
        case escalation(group: String, state: EscalationState?)
    }

    /// A silence as stored (matchers in their API form).
    struct StoredSilence: Codable, Sendable, Equatable {
        struct StoredMatcher: Codable, Sendable, Equatable {
            var name: String
            var value: String
            var isRegex: Bool
            var isEqual: Bool
        }
        var id: String
        var matchers: [StoredMatcher]
        var startsAt: Int64
        var endsAt: Int64
        var updatedAt: Int64
        var createdBy: String
        var comment: String
    }

    /// Everything replayed.
    struct State: Sendable {
        var silences: [String: StoredSilence] = [:]
        var nlog: [String: NotificationLog.Entry] = [:]
        var escalations: [String: EscalationState] = [:]
    }

    private let path: String
    private let logger: Logger
    private var handle: FileHandle?
    /// Records appended since the last compaction.
    private var appended = 0
    private let lock = NSLock()
    private let encoder = JSONEncoder()

    private init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    /// Opens (creating) `directory/journal.jsonl`, replays it and compacts it.
    static func open(directory: String, logger: Logger) throws -> (DispatcherJournal, State) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let j = DispatcherJournal(path: directory + "/journal.jsonl", logger: logger)
        var state = State()
        if let data = FileManager.default.contents(atPath: j.path) {
            let decoder = JSONDecoder()
            var bad = 0
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
                guard let r = try? decoder.decode(Record.self, from: Data(line)) else { bad += 1; continue }
                apply(r, to: &state)
            }
            if bad > 0 { logger.warning("dispatcher journal: unreadable records skipped (torn write?)", metadata: ["records": "\(bad)"]) }
        }
        try j.rewrite(state)
        return (j, state)
    }

    static func apply(_ r: Record, to s: inout State) {
        switch r {
        case .silence(let x): s.silences[x.id] = x
        case .nlog(let k, let e): s.nlog[k] = e
        case .escalation(let g, let e): s.escalations[g] = e
        }
    }

    /// Appends and fsyncs `records`; returns once they are durable.
    func append(_ records: [Record]) {
        guard !records.isEmpty else { return }
        lock.lock()
        defer { lock.unlock() }
        var bytes = Data()
        for r in records {
            guard let d = try? encoder.encode(r) else { continue }
            bytes.append(d)
            bytes.append(UInt8(ascii: "\n"))
        }
        do {
            guard let h = handle else { throw CocoaError(.fileNoSuchFile) }
            try h.write(contentsOf: bytes)
            try h.synchronize()
            appended += records.count
        } catch {
            logger.error("dispatcher journal: write failed; this change may not survive a restart", metadata: ["err": "\(error)"])
        }
    }

    /// Records since the last compaction, to decide when to compact.
    var appendedSinceCompaction: Int { lock.withLock { appended } }

    /// Replaces the file with just `state` (written aside, fsynced, renamed over).
    func rewrite(_ state: State) throws {
        lock.lock()
        defer { lock.unlock() }
        var bytes = Data()
        func add(_ r: Record) {
            guard let d = try? encoder.encode(r) else { return }
            bytes.append(d)
            bytes.append(UInt8(ascii: "\n"))
        }
        for s in state.silences.values.sorted(by: { $0.id < $1.id }) { add(.silence(s)) }
        for (k, e) in state.nlog.sorted(by: { $0.key < $1.key }) { add(.nlog(key: k, entry: e)) }
        for (g, e) in state.escalations.sorted(by: { $0.key < $1.key }) { add(.escalation(group: g, state: e)) }
        let tmp = path + ".tmp"
        FileManager.default.createFile(atPath: tmp, contents: nil)
        guard let t = FileHandle(forWritingAtPath: tmp) else { throw CocoaError(.fileWriteUnknown) }
        try t.write(contentsOf: bytes)
        try t.synchronize()
        try t.close()
        try? handle?.close()
        if rename(tmp, path) != 0 { throw CocoaError(.fileWriteUnknown) }
        let dir = (path as NSString).deletingLastPathComponent
        let fd = Foundation.open(dir, O_RDONLY)
        if fd >= 0 { fsync(fd); Glibc.close(fd) }
        handle = FileHandle(forWritingAtPath: path)
        _ = try handle?.seekToEnd()
        appended = 0
    }

    func close() {
        lock.withLock { try? handle?.close(); handle = nil }
    }
}
