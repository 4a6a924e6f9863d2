import Synchronization

/// The head's inverted index: label name → value → sorted series refs.
///
/// Thread-safe. Refs are handed out in increasing order, so appending keeps lists sorted;
/// the rare out-of-order insert (WAL replay with forced refs) falls back to a sorted insert.
final class MemPostings: Sendable {
    typealias Table = [String: [String: [UInt32]]]
    private let table = Mutex<Table>([:])

    func add(_ ref: UInt32, _ labels: Labels) {
        table.withLock { t in
            for l in labels.pairs {
                t[l.name, default: [:]][l.value, default: []].insertSorted(ref)
            }
            // The empty name can never be a label, so it keys the list of all series.
            t["", default: [:]]["", default: []].insertSorted(ref)
        }
    }

    func remove(_ refs: Set<UInt32>) {
        guard !refs.isEmpty else { return }
        table.withLock { t in
            for name in Array(t.keys) {
                guard var values = t[name] else { continue }
                for (v, list) in values {
                    let kept = list.filter { !refs.contains($0) }
                    values[v] = kept.isEmpty ? nil : (kept.count == list.count ? list : kept)
                }
                t[name] = values.isEmpty ? nil : values
            }
        }
    }

    /// A consistent copy (copy-on-write: O(names) now, lists are copied only if later mutated).
    func snapshot() -> Table { table.withLock { $0 } }
}

extension Array where Element == UInt32 {
    @inline(__always) mutating func insertSorted(_ x: UInt32) {
        if let l = last, l >= x {
            var lo = 0, hi = count
            while lo < hi { let m = (lo + hi) >> 1; if self[m] < x { lo = m + 1 } else { hi = m } }
            if lo < count && self[lo] == x { return }
            insert(x, at: lo)
        } else {
            append(x)
        }
    }
}

/// Index reader over a snapshot of the head's postings; ordinals are head series refs.
public struct HeadIndexReader: IndexReader {
    let head: Head
    let snapshot: MemPostings.Table

    public func labelNames() -> [String] { snapshot.keys.filter { !$0.isEmpty }.sorted() }
    public func labelValues(for name: String) -> [String] { name.isEmpty ? [] : snapshot[name]?.keys.sorted() ?? [] }
    public func postings(name: String, value: String) -> [UInt32] { name.isEmpty ? [] : snapshot[name]?[value] ?? [] }
    public func postings(forName name: String) -> [UInt32] {
        guard let vals = snapshot[name] else { return [] }
        return Postings.union(Array(vals.values))
    }
    public func allPostings() -> [UInt32] { snapshot[""]?[""] ?? [] }
}
