/// The one pass over a `WriteRequest` body that checks everything (structure, label bytes,
/// limits) and records each series (label span, its hash, samples) into the decoder's tables;
/// then the label spans not known yet are validated.
/// Visiting happens only after it succeeds, so a malformed body stores nothing.
///
/// A label span seen before under the same limits (its hash is in the known set) skips the
/// per-label checks: senders resend each series every interval, and these checks would
/// otherwise cost more than the rest of the parse. Labels and samples as Prometheus encodes them
/// take inlined fast paths; anything else (other field orders, absent or unknown fields, long
/// lengths) goes through general paths that also produce the diagnostics. Errors are built only
/// on failure (cold functions).
struct RemoteWriteParser {
    let base: UnsafeRawPointer
    /// End of the body: the bound for every read, including word-sized over-reads.
    let end: UnsafeRawPointer
    let limits: RemoteWriteLimits
    var summary = RemoteWriteSummary()
    let seed = LabelBytesHash.processSeed
    var seriesRecords: [RemoteWriteSeriesRecord]
    var samples: [Sample]
    let known: RemoteWriteKnownLabelSets

    init(base: UnsafeRawPointer, count: Int, limits: RemoteWriteLimits, tables: inout RemoteWriteDecoder) {
        self.base = base
        self.end = base + count
        self.limits = limits
        // Take the tables (keeping their capacity) so appends see uniquely referenced arrays.
        seriesRecords = []
        samples = []
        known = tables.knownLabelSets
        swap(&seriesRecords, &tables.seriesRecords)
        swap(&samples, &tables.samples)
        seriesRecords.removeAll(keepingCapacity: true)
        samples.removeAll(keepingCapacity: true)
    }

    /// Hands the tables back to the decoder.
    mutating func returnTables(to tables: inout RemoteWriteDecoder) {
        swap(&seriesRecords, &tables.seriesRecords)
        swap(&samples, &tables.samples)
    }

    // MARK: Errors (cold)

    @inline(never)
    func error(_ kind: RemoteWriteError.Kind, at p: UnsafeRawPointer, series: Int? = nil, label: Int? = nil, sample: Int? = nil) -> RemoteWriteError {
        RemoteWriteError(kind, series: series, label: label, sample: sample, offset: p - base)
    }

    @inline(never)
    func varintError(_ r: ProtobufWireReader, series: Int? = nil, label: Int? = nil, sample: Int? = nil) -> RemoteWriteError {
        error(r.varintFailure(), at: r.p, series: series, label: label, sample: sample)
    }

    @inline(never)
    func lengthError(_ r: ProtobufWireReader, series: Int? = nil, label: Int? = nil, sample: Int? = nil) -> RemoteWriteError {
        error(r.lengthDelimitedFailure(), at: r.p, series: series, label: label, sample: sample)
    }

    /// Skips a field the parser does not interpret; a known field of `message` that reaches here
    /// has the wrong wire type (the parse loops match known fields by their whole tag).
    func skip(
        _ r: inout ProtobufWireReader, tag: UInt64, at tagStart: UnsafeRawPointer, in message: RemoteWriteMessage,
        series: Int? = nil, label: Int? = nil, sample: Int? = nil
    ) throws(RemoteWriteError) {
        let wireType = UInt8(truncatingIfNeeded: tag & 7)
        // A malformed tag is reported as such before asking whether the field is known.
        if wireType > ProtobufWireType.fixed32 { throw error(.invalidWireType(wireType), at: tagStart, series: series, label: label, sample: sample) }
        if tag >> 3 == 0 || tag >> 3 >= 1 << 29 {
            throw error(.invalidFieldNumber(tag >> 3), at: tagStart, series: series, label: label, sample: sample)
        }
        if let known = message.field(tag >> 3), known.wireType != wireType {
            throw error(.wrongWireType(field: known.name, wireType: wireType, expected: known.wireType), at: tagStart,
                        series: series, label: label, sample: sample)
        }
        if let failure = r.skipField(tag: tag) {
            // Tag-level problems point at the tag, payload problems at the cursor.
            let at: UnsafeRawPointer
            switch failure {
            case .invalidFieldNumber, .invalidWireType: at = tagStart
            case .unexpectedEndGroup where wireType == ProtobufWireType.endGroup: at = tagStart
            default: at = r.p
            }
            throw error(failure, at: at, series: series, label: label, sample: sample)
        }
    }

    // MARK: WriteRequest

    /// Parses a whole `WriteRequest` body.
    mutating func parseRequest() throws(RemoteWriteError) {
        var r = ProtobufWireReader(base, end)
        while !r.isAtEnd {
            let tagStart = r.p
            guard let tag = r.varint() else { throw varintError(r) }
            switch tag {
            case 0x0A:  // timeseries
                let index = seriesRecords.count
                guard index < limits.maxSeriesPerRequest else {
                    throw error(.tooManySeries(limit: limits.maxSeriesPerRequest), at: tagStart)
                }
                guard let body = r.lengthDelimited() else { throw lengthError(r, series: index) }
                try parseSeries(body.start, body.end, index: index, tagStart: tagStart)
            case 0x1A:  // metadata: not decoded
                guard r.lengthDelimited() != nil else { throw lengthError(r) }
                summary.metadataCount += 1
            default:
                try skip(&r, tag: tag, at: tagStart, in: .writeRequest)
            }
        }
        try validateUnknownLabelSets()
        summary.seriesCount = seriesRecords.count
        summary.sampleCount = samples.count
    }

    /// Validates the label spans not in the known set, in request order. Done for the whole
    /// request after framing, not series by series: the lookups are independent cache misses
    /// (one per series with many active series); prefetched together they overlap instead of
    /// stalling the parse one after another.
    mutating func validateUnknownLabelSets() throws(RemoteWriteError) {
        let count = seriesRecords.count
        let unknown = seriesRecords.withUnsafeMutableBufferPointer { known.markUnknown($0, limits: limits) }
        guard unknown > 0 else { return }
        var validated: [UInt64] = []
        validated.reserveCapacity(unknown)
        // Remembered together (one lock), also when a later series fails: each one passed.
        defer { known.insert(validated, limits: limits) }
        for i in 0..<count where seriesRecords[i].needsValidation {
            let r = seriesRecords[i]
            try validateLabels(base + Int(r.labelBytesStart), base + Int(r.labelBytesEnd), series: i, seriesStart: base + Int(r.seriesStart))
            if !r.labelsInterleaved { validated.append(r.labelHash) }
        }
    }

    // MARK: TimeSeries

    /// Parses one `TimeSeries` body: finds the label span, records the samples, counts
    /// exemplars and histograms. Labels are only framed here (see `validateUnknownLabelSets`).
    // Inlined into its one caller: as a call, the parser (about 200 bytes) was copied for each series.
    @inline(__always)
    mutating func parseSeries(_ start: UnsafeRawPointer, _ seriesEnd: UnsafeRawPointer, index: Int, tagStart seriesStart: UnsafeRawPointer) throws(RemoteWriteError) {
        let firstSample = samples.count
        let maxLabels = limits.maxLabelsPerSeries
        let maxSamples = limits.maxSamplesPerRequest
        var spanStart = start
        var spanEnd = start
        var labelCount = 0
        var interleaved = false
        var otherSinceLabel = false
        var exemplars = 0
        var histograms = 0
        var r = ProtobufWireReader(start, seriesEnd)
        while !r.isAtEnd {
            let tagStart = r.p
            guard let tag = r.varint() else { throw varintError(r, series: index) }
            switch tag {
            case 0x0A:  // labels: only framed here, checked below
                guard labelCount < maxLabels else { throw error(.tooManyLabels(limit: maxLabels), at: tagStart, series: index) }
                guard let body = r.lengthDelimited() else { throw lengthError(r, series: index, label: labelCount) }
                if labelCount == 0 {
                    spanStart = tagStart
                } else if otherSinceLabel {
                    interleaved = true
                }
                otherSinceLabel = false
                spanEnd = body.end
                labelCount += 1
            case 0x12:  // samples
                let sampleIndex = samples.count - firstSample
                guard let body = r.lengthDelimited() else { throw lengthError(r, series: index, sample: sampleIndex) }
                guard samples.count < maxSamples else {
                    throw error(.tooManySamples(limit: maxSamples), at: tagStart, series: index, sample: sampleIndex)
                }
                if let fast = Self.fastSample(body.start, body.end) {
                    samples.append(fast)
                } else {
                    samples.append(try slowSample(body.start, body.end, series: index, sample: sampleIndex))
                }
                otherSinceLabel = true
            case 0x1A:  // exemplars: not decoded
                guard r.lengthDelimited() != nil else { throw lengthError(r, series: index) }
                exemplars += 1
                otherSinceLabel = true
            case 0x22:  // histograms: not decoded, counted so the server can refuse them
                guard r.lengthDelimited() != nil else { throw lengthError(r, series: index) }
                histograms += 1
                otherSinceLabel = true
            default:
                try skip(&r, tag: tag, at: tagStart, in: .timeSeries, series: index)
                otherSinceLabel = true
            }
        }
        guard labelCount > 0 else { throw error(.noLabels, at: seriesStart, series: index) }
        let hash = LabelBytesHash.hash(UnsafeRawBufferPointer(start: spanStart, count: spanEnd - spanStart), seed: seed)
        // Labels are validated for the whole request afterwards (validateUnknownLabelSets);
        // interleaved spans are rare and never remembered: their bytes include other fields.
        seriesRecords.append(RemoteWriteSeriesRecord(
            labelHash: hash, seriesStart: offset(seriesStart), labelBytesStart: offset(spanStart), labelBytesEnd: offset(spanEnd),
            labelCount: UInt32(truncatingIfNeeded: labelCount),
            firstSample: UInt32(truncatingIfNeeded: firstSample), sampleCount: UInt32(truncatingIfNeeded: samples.count - firstSample),
            exemplarCount: UInt32(truncatingIfNeeded: exemplars), histogramCount: UInt32(truncatingIfNeeded: histograms),
            labelsInterleaved: interleaved))
        summary.exemplarCount += exemplars
        summary.histogramCount += histograms
        summary.labelCount += labelCount
    }

    // MARK: Labels

    /// Full checks of a series' labels (span already framed): each `Label` message, lengths,
    /// UTF-8, and with `checksLabelRules` the name rules, duplicates and an empty set.
    mutating func validateLabels(_ spanStart: UnsafeRawPointer, _ spanEnd: UnsafeRawPointer, series: Int, seriesStart: UnsafeRawPointer) throws(RemoteWriteError) {
        let checkRules = limits.checksLabelRules
        let maxNameBytes = limits.maxLabelNameBytes
        let maxValueBytes = limits.maxLabelValueBytes
        var labelIndex = 0
        var nonEmpty = 0
        // Previous non-empty-valued label name: checks order and duplicates without sorting.
        var previousName = spanStart
        var previousNameCount = -1
        var sorted = true
        // Rule violations are collected and diagnosed afterwards: branching on each check would
        // mispredict on ever-changing label lengths.
        var violations: UInt64 = 0
        var r = ProtobufWireReader(spanStart, spanEnd)
        while !r.isAtEnd {
            // The span was framed by parseSeries; only label fields need a look here.
            guard let tag = r.varint() else { break }
            guard tag == 0x0A else {
                if r.skipField(tag: tag) != nil { break }
                continue
            }
            guard let body = r.lengthDelimited() else { break }
            let l: RemoteWriteLabelRecord
            if let fast = fastLabel(body.start, body.end) {
                l = fast
            } else {
                l = try slowLabel(body.start, body.end, series: series, label: labelIndex)
            }
            guard Int(l.nameCount) <= maxNameBytes, Int(l.valueCount) <= maxValueBytes else {
                throw lengthLimitError(l, series: series, label: labelIndex)
            }
            let name = base + Int(l.nameOffset)
            let nameCount = Int(l.nameCount)
            if checkRules {
                violations |= RemoteWriteByteRules.nameViolations(name, nameCount, colon: false, end: end)
                if l.valueCount > 0 {
                    if RemoteWriteByteRules.isMetricNameLabel(name, nameCount) {
                        violations |= RemoteWriteByteRules.nameViolations(base + Int(l.valueOffset), Int(l.valueCount), colon: true, end: end)
                    }
                    if previousNameCount >= 0,
                       !RemoteWriteByteRules.precedes(previousName, previousNameCount, name, nameCount, end: end)
                    {
                        sorted = false
                    }
                    previousName = name
                    previousNameCount = nameCount
                }
            }
            if l.valueCount > 0 { nonEmpty += 1 }
            labelIndex += 1
        }
        // Label fields are ASCII (short lengths included) in practice: one check for the whole span.
        if !RemoteWriteByteRules.isASCII(spanStart, spanEnd - spanStart, end: end) {
            try checkUTF8(spanStart, spanEnd, names: !checkRules, series: series)
        }
        if violations != 0 { throw ruleError(spanStart, spanEnd, series: series) }
        if checkRules {
            guard nonEmpty > 0 else { throw error(.noLabels, at: seriesStart, series: series) }
            if !sorted { try checkDuplicatesUnsorted(spanStart, spanEnd, series: series) }
        }
    }

    @inline(__always) func offset(_ p: UnsafeRawPointer) -> UInt32 { UInt32(truncatingIfNeeded: p - base) }

    /// `0A n name 12 m value` with 1-byte lengths filling the body exactly: how senders encode a label.
    @inline(__always) func fastLabel(_ s: UnsafeRawPointer, _ e: UnsafeRawPointer) -> RemoteWriteLabelRecord? {
        let n = e - s
        guard n >= 4, s.load(as: UInt8.self) == 0x0A else { return nil }
        let nameCount = Int(s.load(fromByteOffset: 1, as: UInt8.self))
        guard nameCount < 0x80, nameCount + 4 <= n else { return nil }
        let v = s + 2 + nameCount
        guard v.load(as: UInt8.self) == 0x12 else { return nil }
        let valueCount = Int(v.load(fromByteOffset: 1, as: UInt8.self))
        guard valueCount < 0x80, nameCount + valueCount + 4 == n else { return nil }
        return RemoteWriteLabelRecord(
            nameOffset: offset(s + 2), nameCount: UInt32(truncatingIfNeeded: nameCount),
            valueOffset: offset(v + 2), valueCount: UInt32(truncatingIfNeeded: valueCount))
    }

    /// Any valid `Label` encoding: fields in any order, repeated (the last wins, as in protobuf),
    /// absent (empty), unknown fields skipped.
    @inline(never)
    func slowLabel(_ s: UnsafeRawPointer, _ e: UnsafeRawPointer, series: Int, label: Int) throws(RemoteWriteError) -> RemoteWriteLabelRecord {
        var r = ProtobufWireReader(s, e)
        var name = (start: s, count: 0)
        var value = (start: s, count: 0)
        while !r.isAtEnd {
            let tagStart = r.p
            guard let tag = r.varint() else { throw varintError(r, series: series, label: label) }
            switch tag {
            case 0x0A:
                guard let f = r.lengthDelimited() else { throw lengthError(r, series: series, label: label) }
                name = (f.start, f.end - f.start)
            case 0x12:
                guard let f = r.lengthDelimited() else { throw lengthError(r, series: series, label: label) }
                value = (f.start, f.end - f.start)
            default:
                try skip(&r, tag: tag, at: tagStart, in: .label, series: series, label: label)
            }
        }
        return RemoteWriteLabelRecord(
            nameOffset: offset(name.start), nameCount: UInt32(truncatingIfNeeded: name.count),
            valueOffset: offset(value.start), valueCount: UInt32(truncatingIfNeeded: value.count))
    }

    @inline(never)
    func lengthLimitError(_ l: RemoteWriteLabelRecord, series: Int, label: Int) -> RemoteWriteError {
        if Int(l.nameCount) > limits.maxLabelNameBytes {
            return error(.labelNameTooLong(length: Int(l.nameCount), limit: limits.maxLabelNameBytes), at: base + Int(l.nameOffset), series: series, label: label)
        }
        return error(.labelValueTooLong(length: Int(l.valueCount), limit: limits.maxLabelValueBytes), at: base + Int(l.valueOffset), series: series, label: label)
    }

    /// The labels of a validated-structure span, with their positions.
    func labels(_ spanStart: UnsafeRawPointer, _ spanEnd: UnsafeRawPointer) -> [(index: Int, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] {
        var out: [(index: Int, name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] = []
        var i = 0
        for l in RemoteWriteLabels(start: spanStart, end: spanEnd, hash: 0, count: 0) {
            out.append((i, l.name, l.value))
            i += 1
        }
        return out
    }

    /// The first label of a series that breaks the name rules, as an error.
    @inline(never)
    func ruleError(_ spanStart: UnsafeRawPointer, _ spanEnd: UnsafeRawPointer, series: Int) -> RemoteWriteError {
        for (label, nameBytes, valueBytes) in labels(spanStart, spanEnd) {
            let name = nameBytes.baseAddress ?? spanStart, value = valueBytes.baseAddress ?? spanStart
            if !RemoteWriteByteRules.isValidName(name, nameBytes.count, colon: false, end: end) {
                if !RemoteWriteByteRules.isValidUTF8(name, nameBytes.count, end: end) {
                    return error(.invalidUTF8(field: "name"), at: name, series: series, label: label)
                }
                return error(.invalidLabelName(String(decoding: nameBytes, as: UTF8.self)), at: name, series: series, label: label)
            }
            if valueBytes.count > 0, RemoteWriteByteRules.isMetricNameLabel(name, nameBytes.count),
               !RemoteWriteByteRules.isValidName(value, valueBytes.count, colon: true, end: end)
            {
                if !RemoteWriteByteRules.isValidUTF8(value, valueBytes.count, end: end) {
                    return error(.invalidUTF8(field: "value"), at: value, series: series, label: label)
                }
                return error(.invalidMetricName(String(decoding: valueBytes, as: UTF8.self)), at: value, series: series, label: label)
            }
        }
        // Unreachable when the fast checks agree with these; kept total.
        return error(.invalidLabelName(""), at: spanStart, series: series)
    }

    /// Full UTF-8 check of a series' label strings (the span had a non-ASCII byte).
    @inline(never)
    func checkUTF8(_ spanStart: UnsafeRawPointer, _ spanEnd: UnsafeRawPointer, names: Bool, series: Int) throws(RemoteWriteError) {
        for (label, name, value) in labels(spanStart, spanEnd) {
            if names, let p = name.baseAddress, !RemoteWriteByteRules.isValidUTF8(p, name.count, end: end) {
                throw error(.invalidUTF8(field: "name"), at: p, series: series, label: label)
            }
            if let p = value.baseAddress, !RemoteWriteByteRules.isValidUTF8(p, value.count, end: end) {
                throw error(.invalidUTF8(field: "value"), at: p, series: series, label: label)
            }
        }
    }

    /// Duplicate check for a series whose labels are not sorted by name (rare: senders sort).
    @inline(never)
    func checkDuplicatesUnsorted(_ spanStart: UnsafeRawPointer, _ spanEnd: UnsafeRawPointer, series: Int) throws(RemoteWriteError) {
        var named = labels(spanStart, spanEnd).filter { $0.value.count > 0 }
        func compare(_ x: UnsafeRawBufferPointer, _ y: UnsafeRawBufferPointer) -> Int {
            RemoteWriteByteRules.compare(x.baseAddress ?? spanStart, x.count, y.baseAddress ?? spanStart, y.count, end: end)
        }
        named.sort { a, b in
            let c = compare(a.name, b.name)
            return c != 0 ? c < 0 : a.index < b.index
        }
        guard named.count > 1 else { return }
        for k in 1..<named.count where compare(named[k - 1].name, named[k].name) == 0 {
            let dup = named[k]
            throw error(.duplicateLabelName(String(decoding: dup.name, as: UTF8.self)), at: dup.name.baseAddress ?? spanStart,
                        series: series, label: dup.index)
        }
    }

    // MARK: Sample

    /// `09 <8 bytes> 10 <varint>` filling the body exactly: how senders encode a non-zero sample.
    @inline(__always) static func fastSample(_ s: UnsafeRawPointer, _ e: UnsafeRawPointer) -> Sample? {
        guard e - s >= 11, s.load(as: UInt8.self) == 0x09, s.load(fromByteOffset: 9, as: UInt8.self) == 0x10 else { return nil }
        let bits = UInt64(littleEndian: s.loadUnaligned(fromByteOffset: 1, as: UInt64.self))
        var r = ProtobufWireReader(s + 10, e)
        guard let t = r.varint(), r.isAtEnd else { return nil }
        return Sample(t: Int64(bitPattern: t), v: Double(bitPattern: bits))
    }

    /// Any valid `Sample` encoding: absent fields are 0 (proto3), the last occurrence wins.
    @inline(never)
    func slowSample(_ s: UnsafeRawPointer, _ e: UnsafeRawPointer, series: Int, sample: Int) throws(RemoteWriteError) -> Sample {
        var r = ProtobufWireReader(s, e)
        var bits: UInt64 = 0
        var t: UInt64 = 0
        while !r.isAtEnd {
            let tagStart = r.p
            guard let tag = r.varint() else { throw varintError(r, series: series, sample: sample) }
            switch tag {
            case 0x09:  // value, fixed64
                guard let v = r.fixed64() else {
                    throw error(.truncatedFixed(size: 8, remaining: r.remaining), at: r.p, series: series, sample: sample)
                }
                bits = v
            case 0x10:  // timestamp, varint (int64: two's complement, 10 bytes when negative)
                guard let v = r.varint() else { throw varintError(r, series: series, sample: sample) }
                t = v
            default:
                try skip(&r, tag: tag, at: tagStart, in: .sample, series: series, sample: sample)
            }
        }
        return Sample(t: Int64(bitPattern: t), v: Double(bitPattern: bits))
    }
}
