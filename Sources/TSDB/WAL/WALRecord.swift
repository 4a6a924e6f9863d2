/// One label of a series as stored in the WAL (independent of Tidemark's label types).
public struct WALLabel: Sendable, Hashable {
    public var name: String
    public var value: String
    /// Creates a label pair.
    @inlinable public init(name: String, value: String) { self.name = name; self.value = value }
}

/// A series definition: the reference the samples records use, and its labels.
public struct WALSeries: Sendable, Hashable {
    public var ref: UInt64
    public var labels: [WALLabel]
    /// Creates a series record entry.
    @inlinable public init(ref: UInt64, labels: [WALLabel]) { self.ref = ref; self.labels = labels }
}

/// One float sample of the series `ref`: millisecond timestamp `t`, value `v`.
public struct WALSample: Sendable, Hashable {
    public var ref: UInt64
    public var t: Int64
    public var v: Double
    /// Creates a sample.
    @inlinable public init(ref: UInt64, t: Int64, v: Double) { self.ref = ref; self.t = t; self.v = v }
    /// Bit-exact equality (NaN payloads included), unlike `==` on Double.
    @inlinable public func bitEqual(_ o: WALSample) -> Bool {
        ref == o.ref && t == o.t && v.bitPattern == o.v.bitPattern
    }
}

/// Record type codes (byte 0 of a record frame). 0 is never valid so a zero-filled tail reads as damage.
public enum WALRecordType: UInt8, Sendable {
    /// `[WALSeries]`.
    case series = 1
    /// `[WALSample]`.
    case samples = 2
    /// Reserved for tombstones; not written yet, skipped with a warning on replay.
    case tombstones = 3
}

/// A decoded WAL record.
public enum WALRecord: Sendable {
    /// New series and their refs; always logged before samples that use the refs.
    case series([WALSeries])
    /// A batch of samples.
    case samples([WALSample])

    /// The type code this record is stored with.
    public var type: WALRecordType {
        switch self {
        case .series: .series
        case .samples: .samples
        }
    }
}
