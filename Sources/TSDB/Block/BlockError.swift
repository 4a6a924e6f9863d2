/// Errors of block writing, reading and compaction. Corruption always names the file.
public enum BlockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A system call failed.
    case io(path: String, operation: String, errno: Int32)
    /// A required file is missing.
    case missingFile(path: String)
    /// `meta.json` is unreadable, malformed or inconsistent.
    case invalidMeta(path: String, reason: String)
    /// A file's bytes do not form a valid block file (truncation, bad CRC, bad structure).
    case corrupt(file: String, reason: String)
    /// Series must be added in ascending label order; this one is not after the previous one.
    case seriesOutOfOrder(labels: String)
    /// Label names within a series must be sorted ascending and unique.
    case labelsNotSorted(labels: String)
    /// Timestamps must strictly increase within a series.
    case samplesOutOfOrder(timestamp: Int64)
    /// A sample lies outside the block's `[minTime, maxTime)`.
    case sampleOutOfRange(timestamp: Int64)
    /// `timestamps` and `values` differ in length.
    case lengthMismatch(timestamps: Int, values: Int)
    /// The series ordinal is not in this block.
    case seriesNotFound(UInt32)
    /// A limit of the format would be exceeded (what says which).
    case tooLarge(String)
    /// The writer was already finished or aborted, or the reader closed.
    case closed
    /// zstd reported an error.
    case compression(String)

    public var description: String {
        switch self {
        case let .io(path, op, e): return "\(op) \(path): errno \(e)"
        case let .missingFile(path): return "missing file \(path)"
        case let .invalidMeta(path, reason): return "invalid meta \(path): \(reason)"
        case let .corrupt(file, reason): return "corrupt \(file): \(reason)"
        case let .seriesOutOfOrder(l): return "series out of order: \(l)"
        case let .labelsNotSorted(l): return "labels not sorted/unique: \(l)"
        case let .samplesOutOfOrder(t): return "samples not strictly increasing at t=\(t)"
        case let .sampleOutOfRange(t): return "sample t=\(t) outside the block's time range"
        case let .lengthMismatch(a, b): return "\(a) timestamps but \(b) values"
        case let .seriesNotFound(s): return "series \(s) not in block"
        case let .tooLarge(w): return "too large: \(w)"
        case .closed: return "block writer/reader closed"
        case let .compression(m): return "zstd: \(m)"
        }
    }
}
