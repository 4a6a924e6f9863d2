#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A streaming parser for Prometheus text 0.0.4 and OpenMetrics 1.0 text bodies.
///
/// It walks an `UnsafeRawBufferPointer` holding the whole body and hands out one `ExpositionEntry` per
/// `# HELP`/`# TYPE`/`# UNIT` line or sample line. Entries are byte offsets into the body plus the parsed value
/// and timestamp: no line is copied and the common path allocates nothing (label values are unescaped only when
/// asked for). The body must stay alive and unchanged while the parser and its entries are used.
///
/// Prometheus text is parsed leniently, as Prometheus does (blanks between tokens, comments, blank lines,
/// trailing commas in label sets, Go float spellings). OpenMetrics is parsed strictly and validated as the
/// specification requires (family grouping, histogram and counter rules, exemplars, `# EOF`).
///
/// ```swift
/// try body.withUnsafeBytes { buf throws(ExpositionError) in
///     var parser = ExpositionParser(buf, format: .prometheusText)
///     while let s = try parser.nextSample() { use(s.series, s.value, s.timestamp) }
/// }
/// ```
public struct ExpositionParser {
    /// The format being parsed.
    public let format: ExpositionFormat
    @usableFromInline let p: UnsafePointer<UInt8>
    @usableFromInline let end: Int
    @usableFromInline let om: Bool
    /// Offset of the next unread byte.
    @usableFromInline var pos = 0
    /// 1-based number of the line at `pos`.
    public private(set) var line = 1
    @usableFromInline var finished = false
    @usableFromInline var family = ExpositionFamilyState()
    @usableFromInline var validator = OpenMetricsValidator()
    /// Bodies of 4 GiB or more are refused (samples hold 32-bit offsets).
    @usableFromInline var tooLarge = false
    /// The hint of the current `nextSample(hint:)` call.
    var hint: ExpositionSeriesHint? = nil
    /// Whether the last sample returned started with the hint's bytes (its series is the hint's).
    public private(set) var lastSampleMatchedHint = false

    /// A parser over `body` (the whole body) in `format`. `body` must outlive the parser and its entries.
    /// `validation` says how strictly OpenMetrics semantics are checked (ignored for Prometheus text).
    public init(_ body: UnsafeRawBufferPointer, format: ExpositionFormat, validation: OpenMetricsValidation = .strict) {
        self.format = format
        self.om = format == .openMetrics
        validator.allowNegativeObservations = validation == .compatible
        if let b = body.baseAddress, body.count > 0 {
            p = b.assumingMemoryBound(to: UInt8.self)
            end = min(body.count, Int(UInt32.max))
            tooLarge = body.count >= Int(UInt32.max)
        } else {
            p = UnsafePointer(ExpositionEmptyBody.pointer)
            end = 0
        }
    }

    /// The next entry in body order, nil at the end. Throws on the first invalid line.
    public mutating func next() throws(ExpositionError) -> ExpositionEntry? {
        switch try advance(returningMetadata: true) {
        case .sampleLine: return .sample(try parseSample())
        case .metadata(let entry): return entry
        case .end: return nil
        }
    }

    /// The next sample, skipping metadata entries (still tracked for family types); nil at the end.
    /// Cheaper than `next()` when only samples matter (no entry wrapping).
    public mutating func nextSample() throws(ExpositionError) -> ExpositionSample? {
        switch try advance(returningMetadata: false) {
        case .sampleLine: return try parseSample()
        case .metadata, .end: return nil
        }
    }

    /// `nextSample()`, skipping the label-block parse when the line's series is `hint`'s; then
    /// `lastSampleMatchedHint` is true.
    public mutating func nextSample(hint: ExpositionSeriesHint?) throws(ExpositionError) -> ExpositionSample? {
        self.hint = hint?.openMetrics == om ? hint : nil
        defer { self.hint = nil }
        return try nextSample()
    }

    /// What `advance` stopped at.
    enum Stop {
        case sampleLine
        case metadata(ExpositionEntry)
        case end
    }

    /// Moves over comment, blank and (unless `returningMetadata`) metadata lines to the next sample line.
    @inline(__always)
    mutating func advance(returningMetadata: Bool) throws(ExpositionError) -> Stop {
        if tooLarge { throw ExpositionError(line: 1, "body of 4 GiB or more; refusing to parse it") }
        while !finished {
            guard pos < end else {
                finished = true
                if om { throw ExpositionError(line: line, "missing \"# EOF\" at the end of the OpenMetrics body") }
                return .end
            }
            let c = p[pos]
            if c == UInt8(ascii: "#") {
                if let entry = try om ? parseOpenMetricsHashLine() : parsePrometheusHashLine(), returningMetadata {
                    return .metadata(entry)
                }
                continue
            }
            if om {
                if c == 0x0a { throw ExpositionError(line: line, "blank lines are not allowed in OpenMetrics") }
            } else if c == 0x0a {
                pos += 1
                line += 1
                continue
            } else if ExpositionByteClass.isBlank(c) || c == 0x0d {
                // Prometheus text tolerates leading blanks; a line of only blanks is a blank line.
                var i = pos
                while i < end && (ExpositionByteClass.isBlank(p[i]) || p[i] == 0x0d) { i += 1 }
                pos = i
                continue
            }
            return .sampleLine
        }
        return .end
    }

    // MARK: - Sample lines

    /// Parses the sample line at `pos` and moves past it.
    mutating func parseSample() throws(ExpositionError) -> ExpositionSample {
        let start = pos
        var i = pos
        // Prometheus text also takes a series without a name before the brace (`{__name__="up"} 1`).
        let braceFirst = !om && p[i] == UInt8(ascii: "{")
        let nameEnd: Int
        var labelsStart: Int
        var labelsEnd: Int
        var labelCount = 0
        var escapes = false
        if let h = hint, let close = matchHint(h, start: start) {
            // The same bytes parse the same way: the name and label block are the hint's.
            nameEnd = start + h.nameLength
            labelsStart = nameEnd + 1
            labelsEnd = close
            labelCount = h.labelCount
            escapes = h.labelsHaveEscapes
            lastSampleMatchedHint = true
            i = close + 1
        } else {
            lastSampleMatchedHint = false
            guard ExpositionByteClass.isMetricNameStart(p[i]) || braceFirst else {
                throw fail("expected a metric name\(om ? "" : " or '#'") at the start of the line, got \(describe(i))")
            }
            i = ExpositionByteClass.skipName(p, i, end, colon: true)
            nameEnd = i
            labelsStart = i
            labelsEnd = i
            if i < end && p[i] == UInt8(ascii: "{") {
                labelsStart = i + 1
                let block = try parseLabelBlock(from: i + 1, owner: start, ownerEnd: nameEnd)
                labelsEnd = block.close
                labelCount = block.count
                escapes = block.escapes
                i = block.close + 1
            }
        }
        let seriesEnd = i

        // The family: the declared one when the name fits it, else the sample is a family of its own.
        var kind = ExpositionSampleKind.value
        var inFamily = false
        if family.active, !braceFirst, let k = family.classify(p, start, nameEnd, om: om) {
            kind = k
            inFamily = true
        } else if om {
            try switchFamily(to: start, nameEnd)
            inFamily = true
        }
        let familyStart = inFamily ? family.start : start
        let familyEnd = inFamily ? family.end : nameEnd
        let familyType = inFamily ? family.type : MetricFamilyType.untyped

        // Value, optional timestamp, optional exemplar.
        var value = 0.0
        var timestamp: Int64? = nil
        var timestampSeconds: Double? = nil
        var exemplar: ExpositionExemplar? = nil
        if om {
            guard i < end && p[i] == 0x20 else {
                if i < end && p[i] != 0x0a && seriesEnd == nameEnd {
                    throw fail("expected '{' or a space after metric name \"\(text(start, nameEnd))\", got \(describe(i))")
                }
                throw fail("expected a space and a value after \"\(text(start, seriesEnd))\", got \(describe(i))")
            }
            i += 1
            let vs = i
            while i < end && p[i] != 0x20 && p[i] != 0x0a { i += 1 }
            guard i > vs else { throw fail("expected a value after \"\(text(start, seriesEnd))\", got \(describe(i))") }
            guard let v = ExpositionNumberParser.parseFloat(p, vs, i, allowHex: false) else {
                throw fail("invalid value \"\(text(vs, i))\"")
            }
            value = v
            if i < end && p[i] == 0x20 && !(i + 1 < end && p[i + 1] == UInt8(ascii: "#")) {
                i += 1
                let ts = i
                while i < end && p[i] != 0x20 && p[i] != 0x0a { i += 1 }
                guard i > ts else { throw fail("expected a timestamp after the value, got \(describe(i))") }
                guard let t = ExpositionNumberParser.parseSecondsTimestamp(p, ts, i) else {
                    throw fail("invalid timestamp \"\(text(ts, i))\" (expected seconds, e.g. 1700000000.123)")
                }
                timestamp = t.ms
                timestampSeconds = t.seconds
            }
            if i < end && p[i] == 0x20 {
                guard i + 1 < end && p[i + 1] == UInt8(ascii: "#") else {
                    throw fail("expected '# {' to start an exemplar or the end of the line, got \(describe(i + 1))")
                }
                let parsed = try parseExemplar(from: i + 2)
                exemplar = parsed.exemplar
                i = parsed.end
            }
        } else {
            guard i < end && ExpositionByteClass.isBlank(p[i]) else {
                if i < end && p[i] != 0x0a && p[i] != 0x0d && seriesEnd == nameEnd {
                    throw fail("expected '{' or a space after metric name \"\(text(start, nameEnd))\", got \(describe(i))")
                }
                throw fail("expected a space and a value after \"\(text(start, seriesEnd))\", got \(describe(i))")
            }
            while i < end && ExpositionByteClass.isBlank(p[i]) { i += 1 }
            let vs = i
            while i < end && !ExpositionByteClass.isTokenEnd(p[i]) { i += 1 }
            guard i > vs else { throw fail("expected a value after \"\(text(start, seriesEnd))\", got \(describe(i))") }
            guard let v = ExpositionNumberParser.parseFloat(p, vs, i, allowHex: true) else {
                throw fail("invalid value \"\(text(vs, i))\"")
            }
            value = v
            while i < end && (ExpositionByteClass.isBlank(p[i]) || p[i] == 0x0d) { i += 1 }
            if i < end && p[i] != 0x0a {
                let ts = i
                while i < end && !ExpositionByteClass.isTokenEnd(p[i]) { i += 1 }
                guard let t = ExpositionNumberParser.parseMilliseconds(p, ts, i) else {
                    throw fail("invalid timestamp \"\(text(ts, i))\" (expected integer milliseconds)")
                }
                timestamp = t
                while i < end && (ExpositionByteClass.isBlank(p[i]) || p[i] == 0x0d) { i += 1 }
            }
        }
        guard i == end || p[i] == 0x0a else {
            throw fail("expected the end of the line, got \(describe(i))")
        }

        let sample = ExpositionSample(
            base: p, seriesStart: start, nameEnd: nameEnd, labelsStart: labelsStart, labelsEnd: labelsEnd,
            seriesEnd: seriesEnd, familyStart: familyStart, familyEnd: familyEnd, value: value, timestamp: timestamp,
            familyType: familyType, kind: kind, labelCount: labelCount, labelsHaveEscapes: escapes,
            exemplar: exemplar, line: line)
        if om {
            family.hasSamples = true
            try validator.check(sample, timestampSeconds: timestampSeconds)
        }
        pos = i < end ? i + 1 : end
        line += 1
        return sample
    }

    /// The index of the closing `}` when the line at `start` begins with the hint's bytes (a name
    /// of the hint's length, then a label block ending the hint); nil otherwise.
    @inline(__always)
    func matchHint(_ h: ExpositionSeriesHint, start: Int) -> Int? {
        let n = h.bytes.count
        guard let hb = h.bytes.baseAddress, h.nameLength >= 0, n >= h.nameLength + 2, n <= end - start,
              hb.load(fromByteOffset: h.nameLength, as: UInt8.self) == UInt8(ascii: "{"),
              hb.load(fromByteOffset: n - 1, as: UInt8.self) == UInt8(ascii: "}"),
              memcmp(p + start, hb, n) == 0
        else { return nil }
        return start + n - 1
    }

    /// Parses a label block after its `{`; returns the index of the closing `}`, the pair count and whether
    /// any value holds a backslash. `owner..<ownerEnd` names the metric, for messages.
    @inline(__always)
    mutating func parseLabelBlock(from: Int, owner: Int, ownerEnd: Int) throws(ExpositionError) -> (close: Int, count: Int, escapes: Bool) {
        var i = from
        var count = 0
        var escapes = false
        // A 64-bit Bloom filter over label names: a full duplicate scan only when two names share a bit.
        var seen: UInt64 = 0
        while true {
            if !om { while i < end && ExpositionByteClass.isBlank(p[i]) { i += 1 } }
            guard i < end && p[i] != 0x0a else {
                throw fail("unterminated label set of \"\(text(owner, ownerEnd))\": expected '}', got \(describe(i))")
            }
            if p[i] == UInt8(ascii: "}") {
                if om && count > 0 { throw fail("expected a label name after ',', got '}'") }
                return (i, count, escapes)
            }
            let nameStart = i
            guard ExpositionByteClass.isLabelNameStart(p[i]) else {
                throw fail("expected a label name, got \(describe(i))")
            }
            i = ExpositionByteClass.skipName(p, i + 1, end, colon: false)
            let nameEnd = i
            let bit: UInt64 = 1 << ((UInt64(nameEnd - nameStart) &* 7 &+ UInt64(p[nameStart]) &+ UInt64(p[nameEnd - 1]) &* 3) & 63)
            if seen & bit != 0 { try checkDuplicateLabel(blockStart: from, nameStart: nameStart, nameEnd: nameEnd) }
            seen |= bit
            if !om { while i < end && ExpositionByteClass.isBlank(p[i]) { i += 1 } }
            guard i < end && p[i] == UInt8(ascii: "=") else {
                throw fail("expected '=' after label name \"\(text(nameStart, nameEnd))\", got \(describe(i))")
            }
            i += 1
            if !om { while i < end && ExpositionByteClass.isBlank(p[i]) { i += 1 } }
            guard i < end && p[i] == UInt8(ascii: "\"") else {
                throw fail("expected '\"' to open the value of label \"\(text(nameStart, nameEnd))\", got \(describe(i))")
            }
            i += 1
            while true {
                // Plain bytes are skipped with one table test each.
                i = ExpositionByteClass.skipLabelValueText(p, i, end)
                guard i < end else {
                    throw fail("unterminated value of label \"\(text(nameStart, nameEnd))\": missing closing '\"'")
                }
                let b = p[i]
                if b == UInt8(ascii: "\"") { break }
                if b == 0x0a || (b == UInt8(ascii: "\\") && i + 1 < end && p[i + 1] == 0x0a) {
                    throw fail("unterminated value of label \"\(text(nameStart, nameEnd))\": missing closing '\"'")
                }
                // A backslash: skip it and the escaped byte.
                escapes = true
                i += 2
            }
            i += 1
            count += 1
            if !om { while i < end && ExpositionByteClass.isBlank(p[i]) { i += 1 } }
            guard i < end else {
                throw fail("unterminated label set of \"\(text(owner, ownerEnd))\": expected '}', got \(describe(i))")
            }
            if p[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            if p[i] == UInt8(ascii: "}") { return (i, count, escapes) }
            throw fail("expected ',' or '}' after the value of label \"\(text(nameStart, nameEnd))\", got \(describe(i))")
        }
    }

    /// Throws when the label name at `nameStart..<nameEnd` already occurs earlier in the block.
    @inline(never)
    func checkDuplicateLabel(blockStart: Int, nameStart: Int, nameEnd: Int) throws(ExpositionError) {
        let name = UnsafeRawBufferPointer(start: p + nameStart, count: nameEnd - nameStart)
        for l in ExpositionLabels(base: p, start: blockStart, end: nameStart) where l.name.exposEquals(name) {
            throw fail("duplicate label name \"\(text(nameStart, nameEnd))\"")
        }
    }

    /// Parses an exemplar after the sample's ` #`; returns it and the index after it (end of line).
    mutating func parseExemplar(from: Int) throws(ExpositionError) -> (exemplar: ExpositionExemplar, end: Int) {
        var i = from
        guard i + 1 < end && p[i] == 0x20 && p[i + 1] == UInt8(ascii: "{") else {
            throw fail("expected ' {' after '#' to start an exemplar, got \(describe(i))")
        }
        i += 2
        let labelsStart = i
        let block = try parseLabelBlock(from: i, owner: i - 1, ownerEnd: i)
        let labelsEnd = block.close
        var codePoints = 0
        for l in ExpositionLabels(base: p, start: labelsStart, end: labelsEnd) {
            codePoints += ExpositionParser.codePointCount(l.name) + ExpositionParser.codePointCount(l.value.raw, unescaping: true)
        }
        guard codePoints <= 128 else {
            throw fail("exemplar labels are \(codePoints) characters long; at most 128 are allowed")
        }
        i = block.close + 1
        guard i < end && p[i] == 0x20 else {
            throw fail("expected a space and a value after the exemplar's labels, got \(describe(i))")
        }
        i += 1
        let vs = i
        while i < end && p[i] != 0x20 && p[i] != 0x0a { i += 1 }
        guard i > vs, let v = ExpositionNumberParser.parseFloat(p, vs, i, allowHex: false) else {
            throw fail(i > vs ? "invalid exemplar value \"\(text(vs, i))\"" : "expected an exemplar value, got \(describe(i))")
        }
        var timestamp: Int64? = nil
        if i < end && p[i] == 0x20 {
            i += 1
            let ts = i
            while i < end && p[i] != 0x20 && p[i] != 0x0a { i += 1 }
            guard i > ts, let t = ExpositionNumberParser.parseSecondsTimestamp(p, ts, i) else {
                throw fail(i > ts ? "invalid exemplar timestamp \"\(text(ts, i))\"" : "expected an exemplar timestamp, got \(describe(i))")
            }
            timestamp = t.ms
        }
        return (ExpositionExemplar(base: p, labelsStart: labelsStart, labelsEnd: labelsEnd, value: v, timestamp: timestamp), i)
    }

    /// Unicode code points in UTF-8 `bytes`; with `unescaping`, a label-value escape counts as one.
    static func codePointCount(_ bytes: UnsafeRawBufferPointer, unescaping: Bool = false) -> Int {
        var n = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b & 0xC0 != 0x80 { n += 1 }
            if unescaping && b == UInt8(ascii: "\\") && i + 1 < bytes.count {
                let e = bytes[i + 1]
                if e == UInt8(ascii: "\\") || e == UInt8(ascii: "\"") || e == UInt8(ascii: "n") { i += 1 }
            }
            i += 1
        }
        return n
    }

    // MARK: - Comment and metadata lines

    /// Index of the `\n` ending the line at `from`, or `end`.
    @inline(__always)
    func lineEnd(from: Int) -> Int {
        guard from < end else { return end }
        if let nl = memchr(p + from, 0x0a, end - from) {
            return UnsafePointer<UInt8>(nl.assumingMemoryBound(to: UInt8.self)) - p
        }
        return end
    }

    /// Moves past the line ending at `le`.
    @inline(__always)
    mutating func finishLine(_ le: Int) {
        pos = le < end ? le + 1 : end
        line += 1
    }

    /// A `#` line in Prometheus text: `# HELP`, `# TYPE`, or a comment (nil).
    mutating func parsePrometheusHashLine() throws(ExpositionError) -> ExpositionEntry? {
        let le = lineEnd(from: pos)
        var i = pos + 1
        while i < le && ExpositionByteClass.isBlank(p[i]) { i += 1 }
        let isHelp = matches(i, le, "HELP")
        guard isHelp || matches(i, le, "TYPE"), i + 4 < le, ExpositionByteClass.isBlank(p[i + 4]) else {
            finishLine(le)
            return nil
        }
        let keyword = isHelp ? "HELP" : "TYPE"
        i += 4
        while i < le && ExpositionByteClass.isBlank(p[i]) { i += 1 }
        let nameStart = i
        guard i < le && ExpositionByteClass.isMetricNameStart(p[i]) else {
            throw fail("expected a metric name after # \(keyword), got \(describe(i))")
        }
        while i < le && ExpositionByteClass.isMetricNameChar(p[i]) { i += 1 }
        let nameEnd = i
        var textEnd = le
        if textEnd > i && p[textEnd - 1] == 0x0d { textEnd -= 1 }
        guard i == textEnd || ExpositionByteClass.isBlank(p[i]) else {
            throw fail("invalid metric name in # \(keyword) line: unexpected \(describe(i)) after \"\(text(nameStart, nameEnd))\"")
        }
        let name = ExpositionText(raw: bytes(nameStart, nameEnd), escaping: .none)
        let entry: ExpositionEntry
        if isHelp {
            if i < textEnd { i += 1 }
            if !family.matches(p, nameStart, nameEnd) { family.begin(nameStart, nameEnd, type: .untyped) }
            entry = .help(family: name, text: ExpositionText(raw: bytes(i, textEnd), escaping: .prometheusHelp))
        } else {
            while i < textEnd && ExpositionByteClass.isBlank(p[i]) { i += 1 }
            var typeEnd = textEnd
            while typeEnd > i && ExpositionByteClass.isBlank(p[typeEnd - 1]) { typeEnd -= 1 }
            guard let type = MetricFamilyType.parse(bytes(i, typeEnd), format: .prometheusText) else {
                throw fail("invalid metric type \"\(text(i, typeEnd))\" for \"\(text(nameStart, nameEnd))\" (expected counter, gauge, histogram, summary or untyped)")
            }
            if !family.matches(p, nameStart, nameEnd) { family.begin(nameStart, nameEnd, type: type) }
            family.type = type
            entry = .type(family: name, type: type)
        }
        finishLine(le)
        return entry
    }

    /// A `#` line in OpenMetrics: `# HELP`, `# TYPE`, `# UNIT` or `# EOF`; nil after `# EOF`.
    mutating func parseOpenMetricsHashLine() throws(ExpositionError) -> ExpositionEntry? {
        let le = lineEnd(from: pos)
        if le - pos == 5 && matches(pos, le, "# EOF") {
            if family.active { try validator.finishFamily(family, p, line: line) }
            family = ExpositionFamilyState()
            guard le + 1 >= end else { throw ExpositionError(line: line + 1, "text after \"# EOF\"") }
            finished = true
            pos = end
            return nil
        }
        let isHelp = matches(pos, le, "# HELP "), isType = matches(pos, le, "# TYPE "), isUnit = matches(pos, le, "# UNIT ")
        guard isHelp || isType || isUnit else {
            if matches(pos, le, "# EOF") { throw fail("expected the end of the line after \"# EOF\", got \(describe(pos + 5))") }
            throw fail("invalid line \"\(text(pos, le))\": OpenMetrics allows only \"# HELP\", \"# TYPE\", \"# UNIT\" and \"# EOF\" lines starting with '#'")
        }
        let keyword = isHelp ? "HELP" : isType ? "TYPE" : "UNIT"
        var i = pos + 7
        let nameStart = i
        guard i < le && ExpositionByteClass.isMetricNameStart(p[i]) else {
            throw fail("expected a metric name after # \(keyword), got \(describe(i))")
        }
        while i < le && ExpositionByteClass.isMetricNameChar(p[i]) { i += 1 }
        let nameEnd = i
        guard i < le && p[i] == 0x20 else {
            if i < le && p[i] != 0x09 {
                throw fail("invalid metric name in # \(keyword) line: unexpected \(describe(i)) after \"\(text(nameStart, nameEnd))\"")
            }
            throw fail("expected a space and the \(isHelp ? "help text" : isType ? "type" : "unit") after \"# \(keyword) \(text(nameStart, nameEnd))\", got \(describe(i))")
        }
        i += 1
        let name = ExpositionText(raw: bytes(nameStart, nameEnd), escaping: .none)

        // Metadata opens a family, or adds to the current one before its first sample.
        if family.active && family.matches(p, nameStart, nameEnd) {
            if family.hasSamples {
                throw fail("# \(keyword) for \"\(text(nameStart, nameEnd))\" after its samples; metadata must come first")
            }
        } else {
            try switchFamily(to: nameStart, nameEnd)
        }
        let entry: ExpositionEntry
        if isHelp {
            if family.hasHelp { throw fail("second # HELP for \"\(text(nameStart, nameEnd))\"") }
            family.hasHelp = true
            entry = .help(family: name, text: ExpositionText(raw: bytes(i, le), escaping: .openMetricsHelp))
        } else if isType {
            if family.hasType { throw fail("second # TYPE for \"\(text(nameStart, nameEnd))\"") }
            guard let type = MetricFamilyType.parse(bytes(i, le), format: .openMetrics) else {
                throw fail("invalid metric type \"\(text(i, le))\" for \"\(text(nameStart, nameEnd))\" (expected counter, gauge, histogram, gaugehistogram, summary, info, stateset or unknown)")
            }
            family.hasType = true
            family.type = type
            try checkUnit()
            entry = .type(family: name, type: type)
        } else {
            if family.hasUnit { throw fail("second # UNIT for \"\(text(nameStart, nameEnd))\"") }
            for k in i..<le where !ExpositionByteClass.isMetricNameChar(p[k]) {
                throw fail("invalid unit \"\(text(i, le))\": \(describe(k)) is not allowed in a unit")
            }
            family.hasUnit = true
            family.unitStart = i
            family.unitEnd = le
            try checkUnit()
            entry = .unit(family: name, unit: ExpositionText(raw: bytes(i, le), escaping: .none))
        }
        finishLine(le)
        return entry
    }

    /// OpenMetrics: a non-empty unit must end the family name (`_seconds`), and info/stateset have none.
    func checkUnit() throws(ExpositionError) {
        guard family.hasUnit && family.unitEnd > family.unitStart else { return }
        let unitCount = family.unitEnd - family.unitStart
        let nameCount = family.end - family.start
        let suffixed = nameCount > unitCount && p[family.end - unitCount - 1] == UInt8(ascii: "_")
            && memcmp(p + family.end - unitCount, p + family.unitStart, unitCount) == 0
        guard suffixed else {
            throw fail("unit \"\(text(family.unitStart, family.unitEnd))\" does not match metric name \"\(text(family.start, family.end))\": the name must end in \"_\(text(family.unitStart, family.unitEnd))\"")
        }
        if family.type == .info || family.type == .stateset {
            throw fail("\(family.type) metric \"\(text(family.start, family.end))\" cannot have a unit")
        }
    }

    /// OpenMetrics: ends the current family and opens `start..<nameEnd` as a new one.
    mutating func switchFamily(to start: Int, _ nameEnd: Int) throws(ExpositionError) {
        if family.active { try validator.finishFamily(family, p, line: line) }
        try validator.startFamily(p, start, nameEnd, line: line)
        family.begin(start, nameEnd, type: .unknown)
    }

    // MARK: - Helpers

    /// True when `s` occurs at `i` and fits before `limit`.
    @inline(__always)
    func matches(_ i: Int, _ limit: Int, _ s: StaticString) -> Bool {
        let n = s.utf8CodeUnitCount
        return limit - i >= n && memcmp(p + i, s.utf8Start, n) == 0
    }

    @inline(__always)
    func bytes(_ a: Int, _ b: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: p + a, count: b - a) }

    /// The body's bytes `a..<b` as text for messages.
    func text(_ a: Int, _ b: Int) -> String {
        let lo = max(0, min(a, end)), hi = max(lo, min(b, end))
        return String(decoding: bytes(lo, hi), as: UTF8.self)
    }

    /// What is at `i`, for messages: `'x'`, `end of line`, `end of input`, `byte 0x07`.
    func describe(_ i: Int) -> String {
        guard i < end else { return "end of input" }
        let b = p[i]
        switch b {
        case 0x0a: return "end of line"
        case 0x09: return "a tab"
        case 0x20: return "a space"
        case 0x21...0x7e: return "'\(Character(Unicode.Scalar(b)))'"
        default:
            let hex = String(b, radix: 16, uppercase: true)
            return "byte 0x\(hex.count == 1 ? "0" : "")\(hex)"
        }
    }

    /// An error on the current line.
    @inline(never)
    func fail(_ message: String) -> ExpositionError { ExpositionError(line: line, message) }
}

/// One byte that an empty body's parser can point at without reading it.
enum ExpositionEmptyBody {
    nonisolated(unsafe) static let pointer: UnsafeMutablePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return p
    }()
}
