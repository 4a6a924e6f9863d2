/// One sample line of an exposition body: a cheap value of byte offsets into the body plus the parsed numbers.
///
/// Valid only while the body it was parsed from is alive and unchanged. Nothing here allocates until a
/// `String` or `Labels` is asked for.
public struct ExpositionSample {
    // Offsets are 32-bit (the parser refuses bodies of 4 GiB and more) to keep the value small: it is
    // returned by value for every sample.
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let seriesStart32: UInt32
    @usableFromInline let nameEnd32: UInt32
    @usableFromInline let labelsStart32: UInt32
    @usableFromInline let labelsEnd32: UInt32
    @usableFromInline let seriesEnd32: UInt32
    @usableFromInline let familyStart32: UInt32
    @usableFromInline let familyEnd32: UInt32
    @usableFromInline let labelCount32: UInt32
    @usableFromInline let line32: UInt32
    @usableFromInline let exemplarLabelsStart: UInt32
    @usableFromInline let exemplarLabelsEnd: UInt32
    /// The sample value.
    public let value: Double
    @usableFromInline let rawTimestamp: Int64
    @usableFromInline let exemplarValue: Double
    @usableFromInline let exemplarTimestamp: Int64
    /// The type of the family the sample belongs to, from `# TYPE` (untyped/unknown when there is none).
    public let familyType: MetricFamilyType
    /// What the sample is within its family (`_total`, `_bucket`, `_created`, ...).
    public let kind: ExpositionSampleKind
    @usableFromInline let flags: UInt8

    @usableFromInline static let hasTimestampFlag: UInt8 = 1
    @usableFromInline static let hasExemplarFlag: UInt8 = 2
    @usableFromInline static let exemplarHasTimestampFlag: UInt8 = 4
    @usableFromInline static let escapesFlag: UInt8 = 8

    @inlinable init(
        base: UnsafePointer<UInt8>, seriesStart: Int, nameEnd: Int, labelsStart: Int, labelsEnd: Int, seriesEnd: Int,
        familyStart: Int, familyEnd: Int, value: Double, timestamp: Int64?, familyType: MetricFamilyType,
        kind: ExpositionSampleKind, labelCount: Int, labelsHaveEscapes: Bool, exemplar: ExpositionExemplar?, line: Int
    ) {
        self.base = base
        seriesStart32 = UInt32(truncatingIfNeeded: seriesStart)
        nameEnd32 = UInt32(truncatingIfNeeded: nameEnd)
        labelsStart32 = UInt32(truncatingIfNeeded: labelsStart)
        labelsEnd32 = UInt32(truncatingIfNeeded: labelsEnd)
        seriesEnd32 = UInt32(truncatingIfNeeded: seriesEnd)
        familyStart32 = UInt32(truncatingIfNeeded: familyStart)
        familyEnd32 = UInt32(truncatingIfNeeded: familyEnd)
        labelCount32 = UInt32(truncatingIfNeeded: labelCount)
        line32 = UInt32(truncatingIfNeeded: line)
        self.value = value
        rawTimestamp = timestamp ?? 0
        self.familyType = familyType
        self.kind = kind
        var f: UInt8 = timestamp == nil ? 0 : Self.hasTimestampFlag
        if labelsHaveEscapes { f |= Self.escapesFlag }
        if let e = exemplar {
            f |= Self.hasExemplarFlag
            if e.timestamp != nil { f |= Self.exemplarHasTimestampFlag }
            exemplarLabelsStart = UInt32(truncatingIfNeeded: e.labelsStart)
            exemplarLabelsEnd = UInt32(truncatingIfNeeded: e.labelsEnd)
            exemplarValue = e.value
            exemplarTimestamp = e.timestamp ?? 0
        } else {
            exemplarLabelsStart = 0
            exemplarLabelsEnd = 0
            exemplarValue = 0
            exemplarTimestamp = 0
        }
        flags = f
    }

    @inlinable var seriesStart: Int { Int(seriesStart32) }
    @inlinable var nameEnd: Int { Int(nameEnd32) }
    @inlinable var labelsStart: Int { Int(labelsStart32) }
    @inlinable var labelsEnd: Int { Int(labelsEnd32) }
    @inlinable var seriesEnd: Int { Int(seriesEnd32) }
    @inlinable var familyStart: Int { Int(familyStart32) }
    @inlinable var familyEnd: Int { Int(familyEnd32) }

    /// The timestamp in milliseconds since the epoch, nil when the line has none (OpenMetrics seconds are
    /// converted exactly, truncated toward zero, saturating at the Int64 range).
    @inlinable public var timestamp: Int64? { flags & Self.hasTimestampFlag != 0 ? rawTimestamp : nil }
    /// Number of label pairs in the line (not counting the metric name).
    @inlinable public var labelCount: Int { Int(labelCount32) }
    /// True when a label value holds a backslash, so unescaping is needed to read it.
    @inlinable public var labelsHaveEscapes: Bool { flags & Self.escapesFlag != 0 }
    /// 1-based line number of the sample in the body.
    @inlinable public var line: Int { Int(line32) }
    /// The exemplar after `#` (OpenMetrics), nil when the line has none.
    @inlinable public var exemplar: ExpositionExemplar? {
        guard flags & Self.hasExemplarFlag != 0 else { return nil }
        return ExpositionExemplar(
            base: base, labelsStart: Int(exemplarLabelsStart), labelsEnd: Int(exemplarLabelsEnd), value: exemplarValue,
            timestamp: flags & Self.exemplarHasTimestampFlag != 0 ? exemplarTimestamp : nil)
    }

    /// The series identifier exactly as in the body: metric name plus label block (`up{job="node"}`).
    /// The same series written the same way gives the same bytes, so a scraper can cache series by them.
    @inlinable public var series: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + seriesStart, count: seriesEnd - seriesStart)
    }

    /// The metric name's bytes (`http_requests_total`); empty for a Prometheus-text line that names the metric
    /// only by a `__name__` label (`{__name__="up"} 1`).
    @inlinable public var metricNameBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + seriesStart, count: nameEnd - seriesStart)
    }

    /// The metric name (from the `__name__` label when the line has no name before its labels).
    public var metricName: String {
        nameEnd > seriesStart ? String(decoding: metricNameBytes, as: UTF8.self) : labelValue("__name__") ?? ""
    }

    /// The family name's bytes: the `# TYPE` name the sample belongs to (`http_requests` for
    /// `http_requests_total` in OpenMetrics), or the metric name when no declared family matches.
    @inlinable public var familyNameBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base + familyStart, count: familyEnd - familyStart)
    }

    /// The family name.
    public var familyName: String { String(decoding: familyNameBytes, as: UTF8.self) }

    /// The label pairs in body order (without the metric name).
    @inlinable public var labels: ExpositionLabels { ExpositionLabels(base: base, start: labelsStart, end: labelsEnd) }

    /// The value of label `name` (escapes resolved), nil when the line has no such label.
    public func labelValue(_ name: String) -> String? {
        for l in labels where l.name.elementsEqual(name.utf8) { return l.value.string }
        return nil
    }

    /// A validated `Labels` for the sample: the pairs plus `__name__`, sorted, empty values dropped.
    /// Throws when a label value is not valid UTF-8 or the set is invalid (e.g. a duplicate name).
    public func makeLabels() throws(ExpositionError) -> Labels {
        var pairs: [Label] = []
        pairs.reserveCapacity(labelCount + 1)
        if nameEnd > seriesStart { pairs.append(Label(name: "__name__", value: metricName)) }
        try ExpositionSample.appendPairs(labels, to: &pairs, line: line)
        guard pairs.contains(where: { $0.name == "__name__" && !$0.value.isEmpty }) else {
            throw ExpositionError(line: line, "series \"\(String(decoding: series, as: UTF8.self))\" has no metric name")
        }
        do {
            return try Labels(validating: pairs)
        } catch {
            throw ExpositionError(line: line, "\(error)")
        }
    }

    /// Appends the decoded pairs of `labels`, rejecting values that are not valid UTF-8.
    static func appendPairs(_ labels: ExpositionLabels, to pairs: inout [Label], line: Int) throws(ExpositionError) {
        for l in labels {
            guard let value = l.value.validatedString else {
                throw ExpositionError(line: line, "value of label \"\(l.nameString)\" is not valid UTF-8")
            }
            pairs.append(Label(name: l.nameString, value: value))
        }
    }
}

/// An exemplar (`# {trace_id="..."} value [timestamp]`) attached to an OpenMetrics sample.
public struct ExpositionExemplar {
    @usableFromInline let base: UnsafePointer<UInt8>
    @usableFromInline let labelsStart: Int
    @usableFromInline let labelsEnd: Int
    /// The exemplar's value.
    public let value: Double
    /// The exemplar's timestamp in milliseconds, nil when it has none.
    public let timestamp: Int64?

    @inlinable init(base: UnsafePointer<UInt8>, labelsStart: Int, labelsEnd: Int, value: Double, timestamp: Int64?) {
        self.base = base
        self.labelsStart = labelsStart
        self.labelsEnd = labelsEnd
        self.value = value
        self.timestamp = timestamp
    }

    /// The exemplar's label pairs in body order (may be empty).
    @inlinable public var labels: ExpositionLabels { ExpositionLabels(base: base, start: labelsStart, end: labelsEnd) }

    /// The pairs decoded, in body order; throws when a value is not valid UTF-8.
    public func makeLabelPairs(line: Int) throws(ExpositionError) -> [Label] {
        var pairs: [Label] = []
        try ExpositionSample.appendPairs(labels, to: &pairs, line: line)
        return pairs
    }
}

/// One entry of an exposition body, as `ExpositionParser.next()` returns them in body order.
public enum ExpositionEntry {
    /// A sample line.
    case sample(ExpositionSample)
    /// `# HELP family text`; `text` is escaped as its format says (`text.string` unescapes).
    case help(family: ExpositionText, text: ExpositionText)
    /// `# TYPE family type`.
    case type(family: ExpositionText, type: MetricFamilyType)
    /// `# UNIT family unit` (OpenMetrics).
    case unit(family: ExpositionText, unit: ExpositionText)
}
