import Foundation
import RuleEval
import TSDB

/// A PromQL conformance test script (the upstream `promqltest` format described in
/// `shared/conformance/promql/README.md`), parsed into commands in file order.
struct PromQLTestScript: Sendable {
    /// The script's file name, for messages.
    let file: String
    /// The commands in file order.
    let commands: [Command]

    /// One command of a script; each knows its 1-based line in the file.
    enum Command: Sendable {
        case load(Load)
        case clear(line: Int)
        case eval(Eval)

        /// The 1-based file line of the command's first line.
        var line: Int {
            switch self {
            case .load(let l): return l.line
            case .clear(let line): return line
            case .eval(let e): return e.line
            }
        }
    }

    /// One label of a series selector, as written (values may be empty).
    typealias LabelPair = Label
    /// One slot of an expanded value sequence.
    typealias Slot = SeriesNotation.Slot

    /// A series description: a selector and its expanded value sequence.
    struct Series: Sendable {
        let line: Int
        /// Sorted by name (UTF-8 order), names unique; the metric name is `__name__`.
        let labels: [LabelPair]
        let slots: [Slot]
        /// True when any slot is a histogram.
        var hasHistograms: Bool { slots.contains { if case .histogram = $0 { return true } else { return false } } }
    }

    /// `load <interval>` or `load_with_nhcb <interval>`.
    struct Load: Sendable {
        let line: Int
        let intervalMs: Int64
        /// `load_with_nhcb`: classic histograms are also loaded as NHCB (not done by this runner).
        let withNHCB: Bool
        /// One entry per distinct label set; a series listed twice keeps its last line.
        let series: [Series]
        /// Whether any value is a native histogram.
        let hasHistograms: Bool
        /// Whether the block has `@st` start-timestamp lines (parsed for shape only, not kept).
        let hasStartTimestamps: Bool
    }

    /// The time(s) an eval runs at.
    enum Query: Sendable, Equatable {
        case instant(at: Int64)
        case range(start: Int64, end: Int64, step: Int64)
    }

    /// How an `expect` line's text (after `msg:` / `regex:`) matches a message.
    enum TextMatch: Sendable {
        case any
        case exact(String)
        /// An RE2 pattern, matched unanchored.
        case regex(String)

        /// Whether `message` satisfies this expectation (an invalid regex matches nothing).
        func matches(_ message: String) -> Bool {
            switch self {
            case .any: return true
            case .exact(let s): return s == message
            case .regex(let p):
                guard let re = try? NSRegularExpression(pattern: p) else { return false }
                return re.firstMatch(in: message, range: NSRange(message.startIndex..., in: message)) != nil
            }
        }
    }

    /// Which annotation list an `expect warn/info` line is about.
    enum AnnotationKind: String, Sendable {
        case warn, info
    }

    /// `expect warn|info [msg:|regex:]` (`present`) or `expect no_warn|no_info` (not `present`).
    struct AnnotationExpectation: Sendable {
        let kind: AnnotationKind
        let present: Bool
        let match: TextMatch
    }

    /// What an eval must return when it succeeds.
    enum Expected: Sendable {
        /// Series lines (possibly none: an empty result).
        case series([Series])
        /// A bare number line: a scalar result.
        case scalar(Double)
        /// `expect string "…"`.
        case string(String)
        /// `expect range vector from … to … step …` with one slot per timestamp `start + i·step`.
        case rangeVector(start: Int64, end: Int64, step: Int64, series: [Series])
    }

    /// `eval instant at …` / `eval range from … to … step …` (and the legacy `eval_*` forms).
    struct Eval: Sendable {
        let line: Int
        let expr: String
        let query: Query
        let expected: Expected
        /// Non-nil when the query must fail (`expect fail`, `eval_fail`).
        let fail: TextMatch?
        /// `expect ordered` / `eval_ordered`: the instant vector must come back in the listed order.
        let ordered: Bool
        let annotations: [AnnotationExpectation]
        /// Whether the expected result mentions native histograms.
        let needsHistograms: Bool
    }

    /// A syntax error in a script.
    struct ParseError: Error, Sendable, CustomStringConvertible {
        let file: String
        let line: Int
        let message: String
        var description: String { "\(file):\(line): \(message)" }
    }

    /// Parses the text of a script.
    static func parse(_ text: String, file: String) throws(ParseError) -> PromQLTestScript {
        var parser = ScriptParser(text: text, file: file)
        return PromQLTestScript(file: file, commands: try parser.parseAll())
    }
}

// MARK: - Block structure

/// Splits a script into blocks and dispatches each to its command parser.
private struct ScriptParser {
    let file: String
    /// Lines trimmed of blanks, as UTF-8 bytes; comment lines are empty.
    let lines: [[UInt8]]
    var index = 0

    init(text: String, file: String) {
        self.file = file
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { raw in
            let bytes = Array(raw.utf8)
            var lo = 0, hi = bytes.count
            while lo < hi, isBlank(bytes[lo]) { lo += 1 }
            while hi > lo, isBlank(bytes[hi - 1]) { hi -= 1 }
            // A comment is recognised only on a whole line.
            if lo < hi, bytes[lo] == UInt8(ascii: "#") { return [] }
            return Array(bytes[lo..<hi])
        }
    }

    func error(_ line: Int, _ message: String) -> PromQLTestScript.ParseError {
        PromQLTestScript.ParseError(file: file, line: line, message: message)
    }

    mutating func parseAll() throws(PromQLTestScript.ParseError) -> [PromQLTestScript.Command] {
        var out: [PromQLTestScript.Command] = []
        while index < lines.count {
            let bytes = lines[index]
            if bytes.isEmpty { index += 1; continue }
            let lineNo = index + 1
            var cursor = Cursor(bytes)
            let word = cursor.word()
            switch word {
            case "clear":
                guard cursor.atEnd else { throw error(lineNo, "unexpected text after clear") }
                out.append(.clear(line: lineNo))
                // `clear` is a block of its own: a command may follow on the next line.
                index += 1
            case "load", "load_with_nhcb":
                out.append(.load(try parseLoad(&cursor, nhcb: word == "load_with_nhcb", line: lineNo)))
            case "eval", "eval_fail", "eval_warn", "eval_info", "eval_ordered":
                out.append(.eval(try parseEval(&cursor, command: word, line: lineNo)))
            default:
                throw error(lineNo, "unknown command \"\(word)\"")
            }
        }
        return out
    }

    /// The lines after a command line up to the next empty line, each with its 1-based number.
    mutating func blockBody() -> [(line: Int, bytes: [UInt8])] {
        var body: [(line: Int, bytes: [UInt8])] = []
        index += 1
        while index < lines.count, !lines[index].isEmpty {
            body.append((index + 1, lines[index]))
            index += 1
        }
        return body
    }

    // MARK: load

    mutating func parseLoad(_ cursor: inout Cursor, nhcb: Bool, line: Int) throws(PromQLTestScript.ParseError) -> PromQLTestScript.Load {
        let intervalWord = cursor.word()
        guard cursor.atEnd else { throw error(line, "unexpected text after the load interval") }
        guard let interval = Durations.parse(intervalWord), interval > 0 else {
            throw error(line, "invalid load interval \"\(intervalWord)\"")
        }
        var series: [PromQLTestScript.Series] = []
        var position: [[PromQLTestScript.LabelPair]: Int] = [:]
        var hasStartTimestamps = false
        for (lineNo, bytes) in blockBody() {
            let desc: SeriesDescription
            do { desc = try SeriesDescription.parse(bytes) } catch { throw self.error(lineNo, error.message) }
            if desc.isStartTimestamps {
                // Start timestamps are a feature this runner does not load; the block is flagged.
                hasStartTimestamps = true
                continue
            }
            let s: PromQLTestScript.Series
            do { s = PromQLTestScript.Series(line: lineNo, labels: desc.labels, slots: try ValueSequence.expand(desc.values)) } catch {
                throw self.error(lineNo, error.message)
            }
            if let at = position[s.labels] {
                series[at] = s  // listed twice in one block: the last line wins
            } else {
                position[s.labels] = series.count
                series.append(s)
            }
        }
        return PromQLTestScript.Load(
            line: line, intervalMs: interval, withNHCB: nhcb, series: series,
            hasHistograms: series.contains { $0.hasHistograms }, hasStartTimestamps: hasStartTimestamps)
    }

    // MARK: eval

    mutating func parseEval(_ cursor: inout Cursor, command: String, line: Int) throws(PromQLTestScript.ParseError) -> PromQLTestScript.Eval {
        let query: PromQLTestScript.Query
        func time(_ what: String, _ cursor: inout Cursor) throws(PromQLTestScript.ParseError) -> Int64 {
            let w = cursor.word()
            guard let t = Durations.parse(w) else { throw error(line, "invalid \(what) time \"\(w)\"") }
            return t
        }
        switch cursor.word() {
        case "instant":
            guard cursor.word() == "at" else { throw error(line, "expected \"at\" after \"instant\"") }
            query = .instant(at: try time("evaluation", &cursor))
        case "range":
            guard cursor.word() == "from" else { throw error(line, "expected \"from\" after \"range\"") }
            let start = try time("start", &cursor)
            guard cursor.word() == "to" else { throw error(line, "expected \"to\" in a range eval") }
            let end = try time("end", &cursor)
            guard cursor.word() == "step" else { throw error(line, "expected \"step\" in a range eval") }
            let step = try time("step", &cursor)
            guard end >= start, step > 0 else { throw error(line, "invalid range: end before start or step not positive") }
            query = .range(start: start, end: end, step: step)
        case let other:
            throw error(line, "expected \"instant\" or \"range\", got \"\(other)\"")
        }
        let expr = cursor.rest()
        guard !expr.isEmpty else { throw error(line, "missing expression") }
        let isRange: Bool
        if case .range = query { isRange = true } else { isRange = false }

        var fail: PromQLTestScript.TextMatch?
        var failLines = 0
        var ordered = false
        var annotations: [PromQLTestScript.AnnotationExpectation] = []
        switch command {
        case "eval_fail": fail = .any
        case "eval_warn": annotations.append(.init(kind: .warn, present: true, match: .any))
        case "eval_info": annotations.append(.init(kind: .info, present: true, match: .any))
        case "eval_ordered":
            guard !isRange else { throw error(line, "eval_ordered is for instant queries only") }
            ordered = true
        default: break
        }

        var seriesLines: [PromQLTestScript.Series] = []
        var scalar: Double?
        var string: String?
        var rangeVector: (start: Int64, end: Int64, step: Int64)?
        var needsHistograms = false

        // Read the body line by line: a bare number or `expected_fail_*` line ends the block early.
        index += 1
        bodyLoop: while index < lines.count, !lines[index].isEmpty {
            let lineNo = index + 1
            let bytes = lines[index]
            index += 1
            var c = Cursor(bytes)
            let first = c.word()
            if first == "expect" {
                try parseExpect(&c, line: lineNo, isRange: isRange, fail: &fail, failLines: &failLines, ordered: &ordered,
                                annotations: &annotations, string: &string, rangeVector: &rangeVector)
                continue
            }
            if first == "expected_fail_message" || first == "expected_fail_regexp" {
                guard command == "eval_fail" else { throw error(lineNo, "\(first) is only allowed after eval_fail") }
                let text = c.rest()
                fail = first == "expected_fail_message" ? .exact(text) : .regex(text)
                break bodyLoop
            }
            if let v = Numbers.goNumber(String(decoding: bytes, as: UTF8.self)) {
                scalar = v
                break bodyLoop
            }
            let desc: SeriesDescription
            let slots: [PromQLTestScript.Slot]
            do throws(SeriesNotationError) {
                desc = try SeriesDescription.parse(bytes)
                guard !desc.isStartTimestamps else { throw SeriesNotationError("@st lines are only allowed in load blocks") }
                slots = try ValueSequence.expand(desc.values)
            } catch { throw self.error(lineNo, error.message) }
            let s = PromQLTestScript.Series(line: lineNo, labels: desc.labels, slots: slots)
            if s.hasHistograms { needsHistograms = true }
            seriesLines.append(s)
        }
        if !isRange, rangeVector == nil, let bad = seriesLines.first(where: { $0.slots.count != 1 }) {
            throw error(bad.line, "an instant eval expects exactly one value per series, got \(bad.slots.count)")
        }

        let expected: PromQLTestScript.Expected
        switch (scalar, string, rangeVector) {
        case (nil, nil, nil):
            expected = .series(seriesLines)
        case (let v?, nil, nil):
            guard seriesLines.isEmpty else { throw error(line, "a scalar result cannot be combined with series lines") }
            expected = .scalar(v)
        case (nil, let s?, nil):
            guard seriesLines.isEmpty, !isRange else { throw error(line, "expect string is for instant evals without series lines") }
            expected = .string(s)
        case (nil, nil, let rv?):
            guard !isRange else { throw error(line, "expect range vector is for instant evals") }
            expected = .rangeVector(start: rv.start, end: rv.end, step: rv.step, series: seriesLines)
        default:
            throw error(line, "conflicting result expectations (scalar, string, range vector)")
        }
        return PromQLTestScript.Eval(
            line: line, expr: expr, query: query, expected: expected, fail: fail, ordered: ordered,
            annotations: annotations, needsHistograms: needsHistograms)
    }

    /// One `expect …` line (the word `expect` already read).
    func parseExpect(
        _ c: inout Cursor, line: Int, isRange: Bool, fail: inout PromQLTestScript.TextMatch?, failLines: inout Int, ordered: inout Bool,
        annotations: inout [PromQLTestScript.AnnotationExpectation], string: inout String?,
        rangeVector: inout (start: Int64, end: Int64, step: Int64)?
    ) throws(PromQLTestScript.ParseError) {
        let type = c.word()
        switch type {
        case "fail", "warn", "no_warn", "info", "no_info":
            let text = c.rest()
            let match: PromQLTestScript.TextMatch
            if text.isEmpty {
                match = .any
            } else if text.hasPrefix("msg:") {
                match = .exact(String(text.dropFirst(4)).trimmingCharacters(in: .whitespaces))
            } else if text.hasPrefix("regex:") {
                let pattern = String(text.dropFirst(6)).trimmingCharacters(in: .whitespaces)
                guard (try? NSRegularExpression(pattern: pattern)) != nil else { throw error(line, "invalid regex \"\(pattern)\"") }
                match = .regex(pattern)
            } else {
                throw error(line, "expected msg: or regex: after expect \(type)")
            }
            switch type {
            case "fail":
                // The legacy eval_fail sets `.any`; an explicit line may refine it, but only once.
                failLines += 1
                guard failLines == 1 else { throw error(line, "more than one expect fail") }
                fail = match
            case "warn", "no_warn", "info", "no_info":
                let kind: PromQLTestScript.AnnotationKind = type.hasSuffix("warn") ? .warn : .info
                let present = !type.hasPrefix("no_")
                if annotations.contains(where: { $0.kind == kind && $0.present != present }) {
                    throw error(line, "\(kind.rawValue) and no_\(kind.rawValue) cannot be combined")
                }
                if !present, match.isAny == false { throw error(line, "expect no_\(kind.rawValue) takes no message") }
                annotations.append(.init(kind: kind, present: present, match: match))
            default: break
            }
        case "ordered":
            guard c.atEnd else { throw error(line, "unexpected text after expect ordered") }
            guard !isRange else { throw error(line, "expect ordered is for instant queries only") }
            ordered = true
        case "string":
            let text = c.rest()
            let bytes = Array(text.utf8)
            var p = 0
            guard let s = Quoting.unquote(bytes, &p), p == bytes.count else {
                throw error(line, "expect string needs one quoted string")
            }
            string = s
        case "range":
            guard c.word() == "vector", c.word() == "from" else { throw error(line, "expected \"range vector from\"") }
            let sw = c.word()
            guard c.word() == "to" else { throw error(line, "expected \"to\" in expect range vector") }
            let ew = c.word()
            guard c.word() == "step" else { throw error(line, "expected \"step\" in expect range vector") }
            let dw = c.word()
            guard c.atEnd, let s = Durations.parse(sw), let e = Durations.parse(ew), let d = Durations.parse(dw), d > 0, e >= s else {
                throw error(line, "invalid expect range vector times")
            }
            rangeVector = (s, e, d)
        default:
            throw error(line, "unknown expectation \"expect \(type)\"")
        }
    }
}

extension PromQLTestScript.TextMatch {
    fileprivate var isAny: Bool { if case .any = self { return true } else { return false } }
}

// MARK: - Lexical helpers

private typealias Durations = PromQLTestScript.Durations
private typealias Numbers = SeriesNotation.Numbers
private typealias Quoting = SeriesNotation.Quoting
private typealias ValueSequence = SeriesNotation.ValueSequence
private typealias SeriesDescription = SeriesNotation.SeriesDescription

private func isBlank(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C
}

private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

private func isNameStart(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_")
}

/// A syntax error inside one line, turned into a `ParseError` by the caller who knows the line.
private struct LineError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// Reads blank-separated words off one line.
private struct Cursor {
    let bytes: [UInt8]
    var pos = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool {
        var p = pos
        while p < bytes.count, isBlank(bytes[p]) { p += 1 }
        return p == bytes.count
    }

    /// The next word ("" at the end of the line).
    mutating func word() -> String {
        while pos < bytes.count, isBlank(bytes[pos]) { pos += 1 }
        let start = pos
        while pos < bytes.count, !isBlank(bytes[pos]) { pos += 1 }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    /// Everything after the current position, trimmed.
    mutating func rest() -> String {
        while pos < bytes.count, isBlank(bytes[pos]) { pos += 1 }
        var end = bytes.count
        while end > pos, isBlank(bytes[end - 1]) { end -= 1 }
        defer { pos = bytes.count }
        return String(decoding: bytes[pos..<end], as: UTF8.self)
    }
}

extension PromQLTestScript {
    /// Prometheus duration syntax (`1h30m`, `5m59s`, `1ms`, `0`), plus a bare integer as seconds.
    enum Durations {
        private static let units: [(name: String, ms: Int64)] = [
            ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
            ("m", 60_000), ("s", 1_000), ("ms", 1),
        ]

        /// Milliseconds, or nil when `text` is not a duration.
        static func parse(_ text: String) -> Int64? {
            let b = Array(text.utf8)
            guard !b.isEmpty else { return nil }
            if b.allSatisfy(isDigit) {
                guard let n = Int64(text) else { return nil }
                let (ms, overflow) = n.multipliedReportingOverflow(by: 1_000)
                return overflow ? nil : ms
            }
            var total: Int64 = 0
            var p = 0
            var lastUnit = -1  // units must come in order y w d h m s ms, each at most once
            while p < b.count {
                var n: Int64 = 0
                let digitsStart = p
                while p < b.count, isDigit(b[p]) {
                    let (m, o1) = n.multipliedReportingOverflow(by: 10)
                    let (a, o2) = m.addingReportingOverflow(Int64(b[p] - 0x30))
                    guard !o1, !o2 else { return nil }
                    n = a
                    p += 1
                }
                guard p > digitsStart, p < b.count else { return nil }
                var unit = -1
                if b[p] == UInt8(ascii: "m"), p + 1 < b.count, b[p + 1] == UInt8(ascii: "s") {
                    unit = 6
                    p += 2
                } else {
                    for (i, u) in units.enumerated() where i < 6 && u.name.utf8.first == b[p] { unit = i }
                    guard unit >= 0 else { return nil }
                    p += 1
                }
                guard unit > lastUnit else { return nil }
                lastUnit = unit
                let (part, o1) = n.multipliedReportingOverflow(by: units[unit].ms)
                let (sum, o2) = total.addingReportingOverflow(part)
                guard !o1, !o2 else { return nil }
                total = sum
            }
            return total
        }
    }


}
