import Foundation

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
    struct LabelPair: Sendable, Hashable {
        let name: String
        let value: String
    }

    /// One slot of an expanded value sequence.
    enum Slot: Sendable {
        /// `_`: no sample in this slot.
        case empty
        case float(Double)
        /// `stale`: a stale marker.
        case stale
        /// A native-histogram sample (`{{…}}`), not parsed further.
        case histogram
    }

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
            do throws(LineError) {
                desc = try SeriesDescription.parse(bytes)
                guard !desc.isStartTimestamps else { throw LineError("@st lines are only allowed in load blocks") }
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
private typealias Numbers = PromQLTestScript.Numbers
private typealias Quoting = PromQLTestScript.Quoting
private typealias ValueSequence = PromQLTestScript.ValueSequence
private typealias SeriesDescription = PromQLTestScript.SeriesDescription

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

    /// Number syntaxes of the script format.
    enum Numbers {
        /// A float literal of a value sequence: decimal or exponent form, hex integer (`0x1F`),
        /// `Inf`/`NaN` in any case, optionally signed.
        static func floatLiteral(_ text: Substring) -> Double? {
            var body = text
            var negative = false
            if let f = body.first, f == "+" || f == "-" {
                negative = f == "-"
                body = body.dropFirst()
            }
            let lower = body.lowercased()
            if lower == "inf" { return negative ? -.infinity : .infinity }
            if lower == "nan" { return .nan }
            if lower.hasPrefix("0x") {
                guard lower.count > 2, let v = UInt64(lower.dropFirst(2), radix: 16) else { return nil }
                return negative ? -Double(v) : Double(v)
            }
            guard let v = decimal(body) else { return nil }
            return negative ? -v : v
        }

        /// `digits[.digits][e[+-]digits]` or `.digits…`, `digits.`: a finite decimal, no sign.
        private static func decimal(_ s: Substring) -> Double? {
            let b = Array(s.utf8)
            var p = 0
            var mantissaDigits = 0
            while p < b.count, isDigit(b[p]) { p += 1; mantissaDigits += 1 }
            if p < b.count, b[p] == UInt8(ascii: ".") {
                p += 1
                while p < b.count, isDigit(b[p]) { p += 1; mantissaDigits += 1 }
            }
            guard mantissaDigits > 0 else { return nil }
            if p < b.count, b[p] == UInt8(ascii: "e") || b[p] == UInt8(ascii: "E") {
                p += 1
                if p < b.count, b[p] == UInt8(ascii: "+") || b[p] == UInt8(ascii: "-") { p += 1 }
                let expStart = p
                while p < b.count, isDigit(b[p]) { p += 1 }
                guard p > expStart else { return nil }
            }
            guard p == b.count else { return nil }
            // Swift's parser wants a digit on both sides of the point.
            var t = String(s)
            if t.hasPrefix(".") { t = "0" + t }
            t = t.replacingOccurrences(of: ".e", with: ".0e").replacingOccurrences(of: ".E", with: ".0E")
            if t.hasSuffix(".") { t += "0" }
            return Double(t)
        }

        /// A bare result number: Go integer syntax with a base prefix (`0x`, `0o`, `0b`, leading `0`
        /// octal) first, then Go float syntax.
        static func goNumber(_ text: String) -> Double? {
            if let i = goInteger(Substring(text)) { return Double(i) }
            let lower = text.lowercased()
            for (word, v) in [("infinity", Double.infinity), ("+infinity", .infinity), ("-infinity", -.infinity)] where lower == word {
                return v
            }
            return floatLiteral(Substring(text))
        }

        private static func goInteger(_ text: Substring) -> Int64? {
            var body = text
            var negative = false
            if let f = body.first, f == "+" || f == "-" {
                negative = f == "-"
                body = body.dropFirst()
            }
            guard let first = body.first, first.isASCII, first.isNumber else { return nil }
            var radix = 10
            let lower = body.lowercased()
            if lower.hasPrefix("0x") { radix = 16; body = body.dropFirst(2) }
            else if lower.hasPrefix("0o") { radix = 8; body = body.dropFirst(2) }
            else if lower.hasPrefix("0b") { radix = 2; body = body.dropFirst(2) }
            else if body.count > 1, first == "0" { radix = 8; body = body.dropFirst() }
            guard !body.isEmpty, let magnitude = UInt64(body, radix: radix) else { return nil }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return Int64(magnitude)
        }
    }

    /// PromQL string literals: `"…"` and `'…'` with Go escapes, `` `…` `` raw.
    enum Quoting {
        /// Reads a quoted string at `p` (advancing past it); nil when malformed.
        static func unquote(_ b: [UInt8], _ p: inout Int) -> String? {
            guard p < b.count else { return nil }
            let quote = b[p]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") || quote == UInt8(ascii: "`") else { return nil }
            var i = p + 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                if c == quote {
                    p = i + 1
                    // Invalid UTF-8 from \x escapes is replaced, not trapped on.
                    return String(decoding: out, as: UTF8.self)
                }
                if quote == UInt8(ascii: "`") || c != UInt8(ascii: "\\") {
                    if c == 0x0A { return nil }
                    out.append(c)
                    i += 1
                    continue
                }
                i += 1
                guard i < b.count else { return nil }
                let e = b[i]
                i += 1
                switch e {
                case UInt8(ascii: "a"): out.append(0x07)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "v"): out.append(0x0B)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "\""), UInt8(ascii: "'"): out.append(e)
                case UInt8(ascii: "x"):
                    guard let v = hex(b, &i, digits: 2) else { return nil }
                    out.append(UInt8(v))
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    guard let v = hex(b, &i, digits: e == UInt8(ascii: "u") ? 4 : 8), let scalar = Unicode.Scalar(v) else { return nil }
                    out.append(contentsOf: Array(String(Character(scalar)).utf8))
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var v = UInt32(e - 0x30)
                    for _ in 0..<2 {
                        guard i < b.count, b[i] >= 0x30, b[i] <= 0x37 else { return nil }
                        v = v * 8 + UInt32(b[i] - 0x30)
                        i += 1
                    }
                    guard v <= 255 else { return nil }
                    out.append(UInt8(v))
                default:
                    return nil
                }
            }
            return nil
        }

        private static func hex(_ b: [UInt8], _ i: inout Int, digits: Int) -> UInt32? {
            guard i + digits <= b.count else { return nil }
            var v: UInt32 = 0
            for k in i..<(i + digits) {
                let c = b[k]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                default: return nil
                }
                v = v * 16 + d
            }
            i += digits
            return v
        }
    }

    // MARK: - Series descriptions

    /// A series selector and the unexpanded value items after it.
    fileprivate struct SeriesDescription {
        var labels: [PromQLTestScript.LabelPair]
        /// `name{…}@st items`: start-timestamp offsets, not values.
        var isStartTimestamps: Bool
        var values: [Substring]

        static func parse(_ b: [UInt8]) throws(LineError) -> SeriesDescription {
            var p = 0
            var pairs: [PromQLTestScript.LabelPair] = []
            var hasSelector = false
            if p < b.count, isNameStart(b[p]) || b[p] == UInt8(ascii: ":") {
                let start = p
                while p < b.count, isNameStart(b[p]) || isDigit(b[p]) || b[p] == UInt8(ascii: ":") { p += 1 }
                pairs.append(.init(name: "__name__", value: String(decoding: b[start..<p], as: UTF8.self)))
                hasSelector = true
            }
            if p < b.count, b[p] == UInt8(ascii: "{") {
                p += 1
                hasSelector = true
                labelLoop: while true {
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard p < b.count else { throw LineError("unterminated label set") }
                    if b[p] == UInt8(ascii: "}") { p += 1; break labelLoop }
                    guard isNameStart(b[p]) else { throw LineError("expected a label name at column \(p + 1)") }
                    let nameStart = p
                    while p < b.count, isNameStart(b[p]) || isDigit(b[p]) { p += 1 }
                    let name = String(decoding: b[nameStart..<p], as: UTF8.self)
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard p < b.count, b[p] == UInt8(ascii: "=") else { throw LineError("expected = after label \(name)") }
                    p += 1
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard let value = Quoting.unquote(b, &p) else { throw LineError("expected a quoted value for label \(name)") }
                    pairs.append(.init(name: name, value: value))
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard p < b.count else { throw LineError("unterminated label set") }
                    if b[p] == UInt8(ascii: ",") { p += 1; continue }
                    guard b[p] == UInt8(ascii: "}") else { throw LineError("expected , or } at column \(p + 1)") }
                    p += 1
                    break
                }
            }
            guard hasSelector else { throw LineError("expected a series selector") }
            var isST = false
            if b.count - p >= 3, b[p] == UInt8(ascii: "@"), b[p + 1] == UInt8(ascii: "s"), b[p + 2] == UInt8(ascii: "t") {
                isST = true
                p += 3
            }
            guard p == b.count || isBlank(b[p]) else { throw LineError("expected blank after the selector at column \(p + 1)") }
            pairs.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            for i in pairs.indices.dropFirst() where pairs[i].name == pairs[i - 1].name {
                throw LineError("duplicate label \(pairs[i].name)")
            }
            let rest = String(decoding: b[p...], as: UTF8.self)
            return SeriesDescription(labels: pairs, isStartTimestamps: isST, values: try ValueSequence.tokens(rest))
        }
    }

    /// The value-sequence items of a series description and their expansion into slots.
    enum ValueSequence {
        /// Splits on blanks, keeping `{{…}}` histogram literals (which contain blanks) in one item.
        fileprivate static func tokens(_ text: String) throws(LineError) -> [Substring] {
            var out: [Substring] = []
            let u = text.utf8
            var i = u.startIndex
            while i < u.endIndex {
                if isBlank(u[i]) { i = u.index(after: i); continue }
                let start = i
                while i < u.endIndex, !isBlank(u[i]) {
                    let next = u.index(after: i)
                    if u[i] == UInt8(ascii: "{"), next < u.endIndex, u[next] == UInt8(ascii: "{") {
                        // Skip to the closing `}}`.
                        var j = u.index(after: next)
                        var closed = false
                        while j < u.endIndex {
                            let k = u.index(after: j)
                            if u[j] == UInt8(ascii: "}"), k < u.endIndex, u[k] == UInt8(ascii: "}") { i = u.index(after: k); closed = true; break }
                            j = k
                        }
                        guard closed else { throw LineError("unterminated histogram literal {{…}}") }
                    } else {
                        i = next
                    }
                }
                out.append(Substring(text[start..<i]))
            }
            return out
        }

        /// Expands items (`N`, `_`, `_xK`, `stale`, `AxK`, `A+BxK`, `A-BxK`, `{{…}}` forms) into slots.
        fileprivate static func expand(_ items: [Substring]) throws(LineError) -> [PromQLTestScript.Slot] {
            var slots: [PromQLTestScript.Slot] = []
            for item in items {
                if item.contains("{{") {
                    // A histogram item: `{{H}}`, `{{H}}xK`, `{{H}}+{{I}}xK`, `{{H}}-{{I}}xK`.
                    guard let close = item.range(of: "}}", options: .backwards) else { throw LineError("bad histogram item") }
                    let tail = item[close.upperBound...]
                    if tail.isEmpty {
                        guard !item.dropFirst(2).contains("{{") else { throw LineError("histogram series item needs xK: \(item)") }
                        slots.append(.histogram)
                    } else {
                        guard tail.first == "x", let k = Int(tail.dropFirst()), k >= 0, k < 1_000_000 else {
                            throw LineError("bad histogram repetition \(tail)")
                        }
                        slots.append(contentsOf: repeatElement(.histogram, count: k + 1))
                    }
                    continue
                }
                if item == "_" { slots.append(.empty); continue }
                if item == "stale" { slots.append(.stale); continue }
                if let (base, k) = repetition(item) {
                    if base == "_" { slots.append(contentsOf: repeatElement(.empty, count: k)); continue }
                    if let a = Numbers.floatLiteral(base) {
                        slots.append(contentsOf: repeatElement(.float(a), count: k + 1))
                        continue
                    }
                    guard let (a, b) = increment(base) else { throw LineError("bad value item \(item)") }
                    var v = a
                    slots.append(.float(v))
                    for _ in 0..<k {
                        v += b  // repeated addition, as the format specifies
                        slots.append(.float(v))
                    }
                    continue
                }
                guard let v = Numbers.floatLiteral(item) else { throw LineError("bad value item \(item)") }
                slots.append(.float(v))
            }
            return slots
        }

        /// `<base>x<K>` with K decimal digits; nil when the item does not end that way.
        private static func repetition(_ item: Substring) -> (Substring, Int)? {
            guard let x = item.lastIndex(of: "x"), x > item.startIndex else { return nil }
            let digits = item[item.index(after: x)...]
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let k = Int(digits), k < 1_000_000 else { return nil }
            return (item[..<x], k)
        }

        /// `A+B` or `A-B` (the sign of B folded in); tries each split point after the first character.
        private static func increment(_ s: Substring) -> (Double, Double)? {
            var i = s.index(after: s.startIndex)
            while i < s.endIndex {
                if s[i] == "+" || s[i] == "-", let a = Numbers.floatLiteral(s[..<i]), let b = Numbers.floatLiteral(s[s.index(after: i)...]) {
                    return (a, s[i] == "-" ? -b : b)
                }
                i = s.index(after: i)
            }
            return nil
        }
    }
}
