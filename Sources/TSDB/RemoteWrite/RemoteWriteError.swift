/// Why a remote-write `WriteRequest` body was rejected, with where in the message it happened.
///
/// Indices are 0-based positions among the repeated fields of their parent message
/// (`timeseries 12` is the 13th `timeseries` entry, `label 3` the 4th label of that series).
public struct RemoteWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong.
    public enum Kind: Sendable, Equatable {
        /// A varint runs past the end of its enclosing message.
        case truncatedVarint
        /// A varint is longer than 10 bytes or does not fit 64 bits.
        case varintOverflow
        /// A length-delimited field claims more bytes than its enclosing message has left.
        case lengthPastEnd(length: UInt64, remaining: Int)
        /// A fixed-width (8- or 4-byte) field is cut off.
        case truncatedFixed(size: Int, remaining: Int)
        /// A field tag with field number 0 or above 2^29-1.
        case invalidFieldNumber(UInt64)
        /// Wire type 6 or 7, which protobuf does not define.
        case invalidWireType(UInt8)
        /// A known field encoded with the wrong wire type.
        case wrongWireType(field: String, wireType: UInt8, expected: UInt8)
        /// An end-group tag without a matching start-group.
        case unexpectedEndGroup(fieldNumber: Int)
        /// A start-group whose end-group never comes before the enclosing message ends.
        case unterminatedGroup(fieldNumber: Int)
        /// Groups nested deeper than the decoder follows.
        case groupsNestedTooDeep(limit: Int)
        /// A label name or value that is not valid UTF-8.
        case invalidUTF8(field: String)
        /// A label name outside `[a-zA-Z_][a-zA-Z0-9_]*`.
        case invalidLabelName(String)
        /// A `__name__` value outside `[a-zA-Z_:][a-zA-Z0-9_:]*`.
        case invalidMetricName(String)
        /// Two labels with the same name (and non-empty values) in one series.
        case duplicateLabelName(String)
        /// A series without labels, or whose labels all have empty values.
        case noLabels
        /// More series in the request than allowed.
        case tooManySeries(limit: Int)
        /// More labels in one series than allowed.
        case tooManyLabels(limit: Int)
        /// More samples in the request than allowed.
        case tooManySamples(limit: Int)
        /// A label name longer than allowed.
        case labelNameTooLong(length: Int, limit: Int)
        /// A label value longer than allowed.
        case labelValueTooLong(length: Int, limit: Int)
        /// A body larger than the decoder handles.
        case bodyTooLarge(length: Int, limit: Int)
    }

    /// What was wrong.
    public var kind: Kind
    /// Index of the `timeseries` entry, nil when the problem is outside any series.
    public var series: Int?
    /// Index of the label within the series, when the problem is in a label.
    public var label: Int?
    /// Index of the sample within the series, when the problem is in a sample.
    public var sample: Int?
    /// Byte offset in the decompressed body where the problem was found.
    public var offset: Int

    /// An error at `offset`, optionally inside series/label/sample.
    public init(_ kind: Kind, series: Int? = nil, label: Int? = nil, sample: Int? = nil, offset: Int) {
        self.kind = kind
        self.series = series
        self.label = label
        self.sample = sample
        self.offset = offset
    }

    /// The problem alone, without location.
    public var reason: String {
        switch kind {
        case .truncatedVarint: return "varint runs past the end of the message"
        case .varintOverflow: return "varint longer than 10 bytes or above 64 bits"
        case .lengthPastEnd(let length, let remaining): return "length \(length) exceeds the remaining \(remaining) bytes"
        case .truncatedFixed(let size, let remaining): return "\(size)-byte fixed field but only \(remaining) bytes remain"
        case .invalidFieldNumber(let n): return "invalid field number \(n)"
        case .invalidWireType(let t): return "invalid wire type \(t)"
        case .wrongWireType(let field, let t, let expected):
            return "field \(field) has wire type \(t), expected \(expected)"
        case .unexpectedEndGroup(let n): return "end-group tag for field \(n) without a matching start-group"
        case .unterminatedGroup(let n): return "group of field \(n) is not terminated"
        case .groupsNestedTooDeep(let limit): return "groups nested deeper than \(limit) levels"
        case .invalidUTF8(let field): return "\(field) is not valid UTF-8"
        case .invalidLabelName(let n): return "invalid label name \"\(LabelValidation.escape(n))\": must match [a-zA-Z_][a-zA-Z0-9_]*"
        case .invalidMetricName(let n): return "invalid metric name \"\(LabelValidation.escape(n))\": must match [a-zA-Z_:][a-zA-Z0-9_:]*"
        case .duplicateLabelName(let n): return "duplicate label name \"\(n)\""
        case .noLabels: return "series has no labels (needs at least one label with a non-empty value)"
        case .tooManySeries(let limit): return "more than \(limit) series in one request"
        case .tooManyLabels(let limit): return "more than \(limit) labels in one series"
        case .tooManySamples(let limit): return "more than \(limit) samples in one request"
        case .labelNameTooLong(let length, let limit): return "label name of \(length) bytes exceeds the limit of \(limit)"
        case .labelValueTooLong(let length, let limit): return "label value of \(length) bytes exceeds the limit of \(limit)"
        case .bodyTooLarge(let length, let limit): return "body of \(length) bytes exceeds the limit of \(limit)"
        }
    }

    /// E.g. `timeseries 12: label 3: length 400 exceeds the remaining 20 bytes (at byte 5120)`.
    public var description: String {
        var s = ""
        if let series { s += "timeseries \(series): " }
        if let label { s += "label \(label): " }
        if let sample { s += "sample \(sample): " }
        return s + reason + " (at byte \(offset))"
    }
}
