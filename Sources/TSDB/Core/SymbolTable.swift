import Synchronization

/// Numbers every label name and value the head has seen, so a series stores its labels as a few
/// 32-bit ids instead of an array of strings.
///
/// Thread-safe. Lookups by string are striped by hash; strings by id sit behind one lock, taken
/// once per series read. Ids are never reused or removed (the table only grows, as Prometheus'
/// head symbols do until the head is truncated).
public final class SymbolTable: Sendable {
    private static let stripeCount = 16
    private let ids: [LockedValue<[String: UInt32]>]
    private let strings = Mutex<[String]>([])

    /// An empty table.
    public init() {
        ids = (0..<Self.stripeCount).map { _ in LockedValue([String: UInt32]()) }
    }

    /// The id of `s` (assigned on first sight).
    public func id(_ s: String) -> UInt32 {
        let stripe = ids[Int(truncatingIfNeeded: UInt(bitPattern: s.hashValue) % UInt(Self.stripeCount))]
        if let id = stripe.withLock({ $0[s] }) { return id }
        return stripe.withLock { d in
            if let id = d[s] { return id }
            let id = strings.withLock { a in
                a.append(s)
                return UInt32(truncatingIfNeeded: a.count &- 1)
            }
            d[s] = id
            return id
        }
    }

    /// The string with id `id`.
    public func string(_ id: UInt32) -> String { strings.withLock { $0[Int(id)] } }

    /// Number of distinct strings.
    public var count: Int { strings.withLock { $0.count } }

    /// `labels` as symbol ids: name, value, name, value… (4 bytes each, native order).
    func encode(_ labels: Labels) -> XORChunkStorage {
        let pairs = labels.pairs
        var out = XORChunkStorage(zeroedCount: pairs.count &* 8)
        _ = out.isUnique()
        out.withMutableBase { p in
            for (i, l) in pairs.enumerated() {
                p.storeBytes(of: id(l.name), toByteOffset: i &* 8, as: UInt32.self)
                p.storeBytes(of: id(l.value), toByteOffset: i &* 8 &+ 4, as: UInt32.self)
            }
        }
        return out
    }

    /// The labels `encoded` stands for; `hash` is their stable hash (kept by the caller).
    func labels(_ encoded: XORChunkStorage, hash: UInt64) -> Labels {
        let n = encoded.count / 8
        return strings.withLock { a in
            var pairs: [Label] = []
            pairs.reserveCapacity(n)
            encoded.withBase { p in
                for i in 0..<n {
                    let name = p.load(fromByteOffset: i &* 8, as: UInt32.self)
                    let value = p.load(fromByteOffset: i &* 8 &+ 4, as: UInt32.self)
                    pairs.append(Label(name: a[Int(name)], value: a[Int(value)]))
                }
            }
            return Labels(sortedUnchecked: pairs, stableHash: hash)
        }
    }

    /// True when `encoded` stands for exactly `labels`.
    func matches(_ encoded: XORChunkStorage, _ labels: Labels) -> Bool {
        let pairs = labels.pairs
        guard encoded.count == pairs.count &* 8 else { return false }
        return strings.withLock { a in
            encoded.withBase { p in
                for (i, l) in pairs.enumerated() {
                    let name = p.load(fromByteOffset: i &* 8, as: UInt32.self)
                    let value = p.load(fromByteOffset: i &* 8 &+ 4, as: UInt32.self)
                    guard a[Int(name)] == l.name, a[Int(value)] == l.value else { return false }
                }
                return true
            }
        }
    }
}
