import Synchronization

/// Numbers every label name and value the head's series use, so a series stores its labels as a
/// few small ids (varint-packed, see `SeriesLabelIDs`) instead of an array of strings.
///
/// Thread-safe. Lookups by string are striped by hash; strings by id sit behind one lock, taken
/// once per series read. Each id counts the series using it: when a series the head dropped is
/// freed, its ids are released and a string no series uses any more is forgotten and its id
/// reused, so series churn (pods coming and going) does not grow the table for ever. Lock order:
/// a stripe, then the strings.
public final class SymbolTable: Sendable {
    private static let stripeCount = 16
    private struct Strings {
        var byID: [String] = []
        var uses: [UInt32] = []
        var free: [UInt32] = []
    }
    private let ids: [LockedValue<[String: UInt32]>]
    private let strings = Mutex(Strings())

    /// An empty table.
    public init() {
        ids = (0..<Self.stripeCount).map { _ in LockedValue([String: UInt32]()) }
    }

    private func stripe(_ s: String) -> LockedValue<[String: UInt32]> {
        ids[Int(truncatingIfNeeded: UInt(bitPattern: s.hashValue) % UInt(Self.stripeCount))]
    }

    /// The id of `s` (assigned on first sight), counted as one more use until `release`.
    public func id(_ s: String) -> UInt32 {
        stripe(s).withLock { d in
            // The use is counted under the stripe lock, so a concurrent release cannot forget
            // the string between the lookup and the count.
            if let id = d[s] {
                strings.withLock { $0.uses[Int(id)] &+= 1 }
                return id
            }
            let id = strings.withLock { t in
                if let reused = t.free.popLast() {
                    t.byID[Int(reused)] = s
                    t.uses[Int(reused)] = 1
                    return reused
                }
                t.byID.append(s)
                t.uses.append(1)
                return UInt32(truncatingIfNeeded: t.byID.count &- 1)
            }
            d[s] = id
            return id
        }
    }

    /// The string with id `id`.
    public func string(_ id: UInt32) -> String { strings.withLock { $0.byID[Int(id)] } }

    /// Number of strings in use.
    public var count: Int { strings.withLock { $0.byID.count &- $0.free.count } }

    /// Gives back one use of each id of a freed encoding (`forEachID` calls its argument with
    /// each: see `SeriesLabelIDs`, which calls this when it goes away); strings left without a
    /// use are forgotten and their ids reused.
    func release(_ forEachID: ((UInt32) -> Void) -> Void) {
        let unused: [(UInt32, String)] = strings.withLock { t in
            var out: [(UInt32, String)] = []
            forEachID { id in
                let i = Int(id)
                t.uses[i] &-= 1
                if t.uses[i] == 0 { out.append((id, t.byID[i])) }
            }
            return out
        }
        for (id, s) in unused {
            stripe(s).withLock { d in
                strings.withLock { t in
                    // Taken again meanwhile, or already forgotten by another release: keep.
                    guard t.uses[Int(id)] == 0, d[s] == id else { return }
                    d[s] = nil
                    t.byID[Int(id)] = ""
                    t.free.append(id)
                }
            }
        }
    }

    /// `labels` as symbol ids, each counted as a use until the result goes away.
    func encode(_ labels: Labels) -> SeriesLabelIDs {
        let pairs = labels.pairs
        var ids: [UInt32] = []
        ids.reserveCapacity(pairs.count &* 2)
        for l in pairs {
            ids.append(id(l.name))
            ids.append(id(l.value))
        }
        return SeriesLabelIDs(ids, symbols: self)
    }

    /// The labels `encoded` stands for; `hash` is their stable hash (kept by the caller).
    func labels(_ encoded: SeriesLabelIDs, hash: UInt64) -> Labels {
        strings.withLock { t in
            let a = t.byID
            var pairs: [Label] = []
            pairs.reserveCapacity(encoded.pairCount)
            var name: UInt32? = nil
            encoded.forEachID { id in
                if let n = name {
                    pairs.append(Label(name: a[Int(n)], value: a[Int(id)]))
                    name = nil
                } else {
                    name = id
                }
            }
            return Labels(sortedUnchecked: pairs, stableHash: hash)
        }
    }

    /// True when `encoded` stands for exactly `labels`.
    func matches(_ encoded: SeriesLabelIDs, _ labels: Labels) -> Bool {
        let pairs = labels.pairs
        guard encoded.pairCount == pairs.count else { return false }
        return strings.withLock { t in
            let a = t.byID
            var i = 0, same = true
            encoded.forEachID { id in
                guard same else { return }
                let l = pairs[i &>> 1]
                same = a[Int(id)] == ((i & 1) == 0 ? l.name : l.value)
                i &+= 1
            }
            return same
        }
    }
}
