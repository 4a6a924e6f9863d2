#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension UnsafeRawBufferPointer {
    /// Byte equality with `s` by `memcmp` (the generic `elementsEqual` is slow on this hot path).
    @usableFromInline
    func exposEquals(_ s: StaticString) -> Bool {
        guard count == s.utf8CodeUnitCount else { return false }
        guard let a = baseAddress, count > 0 else { return true }
        return memcmp(a, s.utf8Start, count) == 0
    }

    /// Byte equality with another buffer by `memcmp`.
    @usableFromInline
    func exposEquals(_ o: UnsafeRawBufferPointer) -> Bool {
        guard count == o.count else { return false }
        guard let a = baseAddress, let b = o.baseAddress, count > 0 else { return true }
        return memcmp(a, b, count) == 0
    }
}

/// How the bytes of an `ExpositionText` are escaped in the body.
public enum ExpositionEscaping: UInt8, Sendable, Hashable {
    /// Taken literally (names, units, type keywords).
    case none
    /// Label values: `\\`, `\"` and `\n`; any other backslash stays as it is.
    case labelValue
    /// Prometheus text `# HELP`: `\\` and `\n`.
    case prometheusHelp
    /// OpenMetrics `# HELP`: `\\`, `\"` and `\n`.
    case openMetricsHelp
}

/// A piece of text inside the parsed body: a view of its bytes, decoded to a `String` only on request.
///
/// Valid only while the body it was parsed from is alive and unchanged.
public struct ExpositionText {
    /// The bytes exactly as in the body (escapes not yet resolved).
    public let raw: UnsafeRawBufferPointer
    /// How `raw` is escaped.
    public let escaping: ExpositionEscaping

    /// Wraps `raw`, escaped as `escaping` says.
    @inlinable public init(raw: UnsafeRawBufferPointer, escaping: ExpositionEscaping) {
        self.raw = raw
        self.escaping = escaping
    }

    /// True when `raw` holds a backslash, so `string` has to unescape.
    @inlinable public var hasEscapes: Bool {
        escaping != .none && raw.contains(UInt8(ascii: "\\"))
    }

    /// The text with escapes resolved (invalid UTF-8 is repaired with U+FFFD; see `validatedString`).
    public var string: String {
        guard hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        return String(decoding: unescapedBytes(), as: UTF8.self)
    }

    /// The text with escapes resolved, or nil when it is not valid UTF-8.
    public var validatedString: String? {
        guard hasEscapes else { return String(validating: raw, as: UTF8.self) }
        return String(validating: unescapedBytes(), as: UTF8.self)
    }

    /// Compares the unescaped text with `s` without building a `String` when there are no escapes.
    public func equals(_ s: String) -> Bool {
        if hasEscapes { return unescapedBytes().elementsEqual(s.utf8) }
        return raw.elementsEqual(s.utf8)
    }

    /// The unescaped bytes.
    func unescapedBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        let n = raw.count
        while i < n {
            let b = raw[i]
            if b == UInt8(ascii: "\\") && i + 1 < n {
                let e = raw[i + 1]
                switch e {
                case UInt8(ascii: "\\"): out.append(e); i += 2; continue
                case UInt8(ascii: "n"): out.append(0x0a); i += 2; continue
                case UInt8(ascii: "\"") where escaping != .prometheusHelp: out.append(e); i += 2; continue
                default: break
                }
            }
            out.append(b)
            i += 1
        }
        return out
    }
}
