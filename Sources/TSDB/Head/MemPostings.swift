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

    /// A consistent copy (copy-on-write: O(names) now, but every inner map and list it shares is
    /// copied when next mutated, so it suits rare whole-index readers, not queries).
    func snapshot() -> Table { table.withLock { $0 } }

    /// Label names with postings (the empty name keys all series and is left out).
    func labelNames() -> [String] { table.withLock { $0.keys.filter { !$0.isEmpty } } }
    /// Values of `name`.
    func labelValues(_ name: String) -> [String] { table.withLock { t in t[name].map { Array($0.keys) } ?? [] } }
    /// The refs of `name=value`: the list is shared, and only it is copied if a series is added to it later.
    func postings(_ name: String, _ value: String) -> [UInt32] { table.withLock { $0[name]?[value] ?? [] } }
    /// The lists of every value of `name`.
    func postingLists(_ name: String) -> [[UInt32]] { table.withLock { t in t[name].map { Array($0.values) } ?? [] } }
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

/// Index reader over the head's postings; ordinals are head series refs.
///
/// Each lookup reads the live index under its lock rather than a snapshot of the whole index:
/// a snapshot made every inner map and list it shared be copied on the next series creation,
/// which, with queries and new series interleaving (rules create series as they evaluate),
/// copied the all-series list and the name map again and again. A series created between two
/// lookups of one selection may be seen by one and not the other, as with any concurrent add.
public struct HeadIndexReader: IndexReader {
    let head: Head
    let postings: MemPostings

    public func labelNames() -> [String] { postings.labelNames().sorted() }
    public func labelValues(for name: String) -> [String] { name.isEmpty ? [] : postings.labelValues(name).sorted() }
    public func postings(name: String, value: String) -> [UInt32] { name.isEmpty ? [] : postings.postings(name, value) }
    public func postings(forName name: String) -> [UInt32] { Postings.union(postings.postingLists(name)) }
    public func allPostings() -> [UInt32] { postings.postings("", "") }
}
