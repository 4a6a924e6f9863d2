import Synchronization

/// Interns strings so that a million series share one copy of each label name and value.
///
/// Thread-safe. Striped by hash so concurrent writers rarely contend.
public final class SymbolTable: Sendable {
    private static let stripeCount = 16
    private let stripes: [LockedValue<Set<String>>]

    /// An empty table.
    public init() {
        stripes = (0..<Self.stripeCount).map { _ in LockedValue(Set<String>()) }
    }

    /// The canonical instance equal to `s` (inserted on first sight).
    public func intern(_ s: String) -> String {
        // Small strings live inline in the String value; interning them saves nothing.
        if s.utf8.count <= 15 { return s }
        let i = Int(truncatingIfNeeded: UInt(bitPattern: s.hashValue) % UInt(Self.stripeCount))
        return stripes[i].withLock { $0.insert(s).memberAfterInsert }
    }

    /// Interns every name and value of `labels`.
    public func intern(_ labels: Labels) -> Labels {
        Labels(sortedUnchecked: labels.pairs.map { Label(name: intern($0.name), value: intern($0.value)) })
    }

    /// Number of distinct interned (long) strings.
    public var count: Int { stripes.reduce(0) { acc, s in acc + s.withLock { $0.count } } }
}
