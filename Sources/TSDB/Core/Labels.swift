/// One label pair.
public struct Label: Sendable, Hashable, Comparable {
    public var name: String
    public var value: String
    @inlinable public init(name: String, value: String) { self.name = name; self.value = value }
    /// Byte-wise (UTF-8) order, as Prometheus sorts labels.
    @inlinable public static func < (a: Label, b: Label) -> Bool {
        a.name != b.name ? a.name.utf8.lexicographicallyPrecedes(b.name.utf8) : a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
    }
}

/// A series' identity: label pairs sorted by name, names unique, no empty values.
///
/// Construct with `init(validating:)` for untrusted input (throws `LabelError`), or
/// `init(sortedUnchecked:)` when the caller already guarantees the invariants.
public struct Labels: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The pairs, sorted by name.
    public let pairs: [Label]
    /// A stable 64-bit hash of the pairs (FNV-1a over names and values with separators), the
    /// same on every run and machine, so it may be persisted. Cached: series lookups hash every incoming label set once, not per use.
    public let stableHash: UInt64

    /// Labels from trusted, already sorted and validated pairs.
    public init(sortedUnchecked pairs: [Label]) {
        self.pairs = pairs
        self.stableHash = Self.hash(pairs)
    }

    public static func == (a: Labels, b: Labels) -> Bool { a.stableHash == b.stableHash && a.pairs == b.pairs }
    public func hash(into h: inout Hasher) { h.combine(stableHash) }

    /// Validates, drops empty values (an empty value means the label is absent) and sorts.
    public init(validating input: [Label]) throws(LabelError) {
        var out: [Label] = []
        out.reserveCapacity(input.count)
        for l in input {
            guard LabelValidation.isValidLabelName(l.name) else { throw .invalidLabelName(l.name) }
            if l.name == "__name__", !l.value.isEmpty, !LabelValidation.isValidMetricName(l.value) {
                throw .invalidMetricName(l.value)
            }
            if l.value.isEmpty { continue }
            out.append(l)
        }
        out.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        if out.count > 1 {
            for i in 1..<out.count where out[i].name == out[i - 1].name {
                throw .duplicateLabelName(out[i].name)
            }
        }
        guard !out.isEmpty else { throw .empty }
        self.pairs = out
        self.stableHash = Self.hash(out)
    }

    /// Convenience for literals and tests: `Labels(["__name__": "up", "job": "node"])`.
    public init(_ dict: [String: String]) throws(LabelError) {
        try self.init(validating: dict.map { Label(name: $0.key, value: $0.value) })
    }

    /// Number of pairs.
    @inlinable public var count: Int { pairs.count }
    /// True when there are no pairs.
    @inlinable public var isEmpty: Bool { pairs.isEmpty }

    /// Value of label `name`, or "" when absent (Prometheus semantics).
    @inlinable public subscript(name: String) -> String {
        for p in pairs where p.name == name { return p.value }
        return ""
    }

    /// The metric name (`__name__`), "" when absent.
    @inlinable public var metricName: String { self["__name__"] }

    /// A stable 64-bit hash of the pairs (see `stableHash`).
    static func hash(_ pairs: [Label]) -> UInt64 {
        var h = StableHasher()
        for p in pairs {
            h.combine(p.name)
            h.combine(p.value)
        }
        return h.value
    }

    /// Lexicographic order pair by pair (name, then value, each by UTF-8 bytes), shorter first on a common prefix.
    public static func < (a: Labels, b: Labels) -> Bool {
        let n = Swift.min(a.pairs.count, b.pairs.count)
        for i in 0..<n {
            let x = a.pairs[i], y = b.pairs[i]
            if x.name != y.name { return x.name.utf8.lexicographicallyPrecedes(y.name.utf8) }
            if x.value != y.value { return x.value.utf8.lexicographicallyPrecedes(y.value.utf8) }
        }
        return a.pairs.count < b.pairs.count
    }

    /// Prometheus' text form: `name{a="b", c="d"}`.
    public var description: String {
        var s = metricName
        let rest = pairs.filter { $0.name != "__name__" }
        s += "{"
        s += rest.map { "\($0.name)=\"\(LabelValidation.escape($0.value))\"" }.joined(separator: ", ")
        s += "}"
        return s
    }

    /// A copy with `name` set to `value` (removed when `value` is empty). No validation.
    public func setting(_ name: String, to value: String) -> Labels {
        var p = pairs.filter { $0.name != name }
        if !value.isEmpty {
            let idx = p.firstIndex { $0.name > name } ?? p.count
            p.insert(Label(name: name, value: value), at: idx)
        }
        return Labels(sortedUnchecked: p)
    }

    /// A copy without the named labels (itself, hash kept, when it has none of them).
    public func removing(_ names: Set<String>) -> Labels {
        // A few names (`__name__`, as a rule) are compared directly: hashing every label name
        // into the set costs more than the comparisons, on every series of a query result.
        if names.count <= 4 {
            // `contains(where:)` walks the set's elements: no hashing, no allocation.
            func named(_ l: Label) -> Bool { names.contains(where: { $0 == l.name }) }
            guard pairs.contains(where: named) else { return self }
            return Labels(sortedUnchecked: pairs.filter { !named($0) })
        }
        guard pairs.contains(where: { names.contains($0.name) }) else { return self }
        return Labels(sortedUnchecked: pairs.filter { !names.contains($0.name) })
    }
}

/// Why a label set was rejected.
public enum LabelError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidLabelName(String)
    case invalidMetricName(String)
    case duplicateLabelName(String)
    case empty

    public var description: String {
        switch self {
        case .invalidLabelName(let n): return "invalid label name \"\(n)\": must match [a-zA-Z_][a-zA-Z0-9_]*"
        case .invalidMetricName(let n): return "invalid metric name \"\(n)\": must match [a-zA-Z_:][a-zA-Z0-9_:]*"
        case .duplicateLabelName(let n): return "duplicate label name \"\(n)\""
        case .empty: return "empty label set: a series needs at least one non-empty label"
        }
    }
}

/// Prometheus' name rules.
public enum LabelValidation {
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`
    public static func isValidMetricName(_ s: String) -> Bool { check(s, colon: true) }
    /// `[a-zA-Z_][a-zA-Z0-9_]*`
    public static func isValidLabelName(_ s: String) -> Bool { check(s, colon: false) }

    @inline(__always) static func check(_ s: String, colon: Bool) -> Bool {
        var first = true
        for b in s.utf8 {
            let alpha = (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || b == 0x5f || (colon && b == 0x3a)
            if !alpha && (first || !(b >= 0x30 && b <= 0x39)) { return false }
            first = false
        }
        return !first
    }

    /// Escapes `\`, `"` and newline as in the text exposition format.
    public static func escape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x5c || $0 == 0x22 || $0 == 0x0a }) else { return s }
        var out = ""
        for c in s {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}

/// FNV-1a 64 with a separator byte between strings, so ("ab","c") and ("a","bc") differ.
public struct StableHasher: Sendable {
    @usableFromInline var h: UInt64 = 0xcbf2_9ce4_8422_2325
    @inlinable public init() {}
    @inlinable public mutating func combine(_ s: String) {
        var h = self.h
        var s = s
        s.withUTF8 { buf in
            for b in buf { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        }
        h = (h ^ 0xff) &* 0x0000_0100_0000_01b3
        self.h = h
    }
    @inlinable public var value: UInt64 { h }
}
