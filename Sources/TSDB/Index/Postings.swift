/// Set operations on sorted, duplicate-free postings lists.
public enum Postings {
    /// Elements in both lists.
    public static func intersect(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        if a.isEmpty || b.isEmpty { return [] }
        // Gallop through the longer list when sizes differ a lot.
        let (small, large) = a.count <= b.count ? (a, b) : (b, a)
        var out: [UInt32] = []
        out.reserveCapacity(small.count)
        if large.count > small.count * 16 {
            var lo = 0
            for x in small {
                var hi = large.count
                while lo < hi { let m = (lo + hi) >> 1; if large[m] < x { lo = m + 1 } else { hi = m } }
                if lo == large.count { break }
                if large[lo] == x { out.append(x) }
            }
            return out
        }
        var i = 0, j = 0
        while i < small.count && j < large.count {
            let x = small[i], y = large[j]
            if x == y { out.append(x); i += 1; j += 1 } else if x < y { i += 1 } else { j += 1 }
        }
        return out
    }

    /// Elements of `a` not in `b`.
    public static func subtract(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        if b.isEmpty || a.isEmpty { return a }
        var out: [UInt32] = []
        out.reserveCapacity(a.count)
        var j = 0
        for x in a {
            while j < b.count && b[j] < x { j += 1 }
            if j < b.count && b[j] == x { continue }
            out.append(x)
        }
        return out
    }

    /// The union of many lists.
    public static func union(_ lists: [[UInt32]]) -> [UInt32] {
        switch lists.count {
        case 0: return []
        case 1: return lists[0]
        case 2: return merge2(lists[0], lists[1])
        default:
            var all: [UInt32] = []
            all.reserveCapacity(lists.reduce(0) { $0 + $1.count })
            for l in lists { all.append(contentsOf: l) }
            all.sort()
            var w = 0
            for r in 0..<all.count where r == 0 || all[r] != all[w - 1] {
                all[w] = all[r]; w += 1
            }
            all.removeLast(all.count - w)
            return all
        }
    }

    static func merge2(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            let x = a[i], y = b[j]
            if x == y { out.append(x); i += 1; j += 1 } else if x < y { out.append(x); i += 1 } else { out.append(y); j += 1 }
        }
        out.append(contentsOf: a[i...])
        out.append(contentsOf: b[j...])
        return out
    }
}

extension IndexReader {
    /// Series selected by all `matchers` (Prometheus semantics), sorted ascending.
    ///
    /// Matchers that do not match "" narrow by intersection; those that match "" (e.g. `a=""`,
    /// `a!="x"`, `a=~".*"`) remove the series whose value fails them, so series lacking the label stay.
    public func select(_ matchers: [Matcher]) -> [UInt32] {
        var result: [UInt32]? = nil
        var negatives: [Matcher] = []
        // Cheap, selective matchers first.
        let ordered = matchers.sorted { rank($0) < rank($1) }
        for m in ordered {
            if m.matchesEmpty { negatives.append(m); continue }
            let p = positivePostings(m)
            result = result.map { Postings.intersect($0, p) } ?? p
            if result?.isEmpty == true { return [] }
        }
        var r = result ?? allPostings()
        for m in negatives {
            if r.isEmpty { break }
            // Series whose value of m.name fails m; series lacking the label pass (value "" matches).
            let failing = labelValues(for: m.name).filter { !m.matches($0) }
            if failing.isEmpty { continue }
            if failing.count == 1 {
                r = Postings.subtract(r, postings(name: m.name, value: failing[0]))
            } else {
                r = Postings.subtract(r, Postings.union(failing.map { postings(name: m.name, value: $0) }))
            }
        }
        return r
    }

    private func rank(_ m: Matcher) -> Int {
        switch m.kind {
        case .equal: return 0
        case .regex: return m.regex?.literalAlternatives != nil ? 1 : 2
        case .notEqual, .notRegex: return 3
        }
    }

    /// Postings for a matcher that does not match "".
    private func positivePostings(_ m: Matcher) -> [UInt32] {
        switch m.kind {
        case .equal:
            return postings(name: m.name, value: m.value)
        case .regex:
            if let alts = m.regex?.literalAlternatives {
                return Postings.union(alts.filter { !$0.isEmpty }.map { postings(name: m.name, value: $0) })
            }
            if case .nonEmpty = m.regex?.shape { return postings(forName: m.name) }
            fallthrough
        case .notEqual, .notRegex:
            let values = labelValues(for: m.name).filter { m.matches($0) }
            return Postings.union(values.map { postings(name: m.name, value: $0) })
        }
    }
}
