import Synchronization
/// A fully anchored regular expression over label values, with fast paths for the shapes
/// selectors use most: literal alternations (`a|b|c`), prefixes (`foo.*`), suffixes (`.*foo`),
/// substrings (`.*foo.*`) and match-all (`.*`, `.+`). Everything else goes to Swift's Regex.
public struct ValueRegex: @unchecked Sendable {
    // @unchecked: Regex is immutable after construction but not marked Sendable.
    @usableFromInline enum Shape {
        case any            // .*
        case nonEmpty       // .+
        case literals(Set<String>)
        case prefix(String)
        case suffix(String)
        case contains(String)
        case general(Regex<AnyRegexOutput>)
    }
    @usableFromInline let shape: Shape
    /// The pattern as written.
    public let pattern: String

    /// Compiles `pattern`; throws for invalid syntax.
    public init(_ pattern: String) throws(MatcherError) {
        self.pattern = pattern
        if pattern == ".*" { shape = .any; return }
        if pattern == ".+" { shape = .nonEmpty; return }
        if let alts = Self.literalAlternation(pattern) { shape = .literals(Set(alts)); return }
        if pattern.hasSuffix(".*"), pattern.hasPrefix(".*"), pattern.count >= 4,
           let lit = Self.literal(String(pattern.dropFirst(2).dropLast(2))) {
            shape = .contains(lit); return
        }
        if pattern.hasSuffix(".*"), let lit = Self.literal(String(pattern.dropLast(2))) { shape = .prefix(lit); return }
        if pattern.hasPrefix(".*"), let lit = Self.literal(String(pattern.dropFirst(2))) { shape = .suffix(lit); return }
        do {
            let r = try Regex("(?s:" + pattern + ")")
            shape = .general(r)
        } catch {
            throw .invalidRegex(pattern: pattern, reason: "\(error)")
        }
    }

    /// Whether the whole of `s` matches.
    public func matches(_ s: String) -> Bool {
        switch shape {
        case .any: return true
        case .nonEmpty: return !s.isEmpty
        case .literals(let set): return set.contains(s)
        case .prefix(let p): return s.hasPrefix(p)
        case .suffix(let p): return s.hasSuffix(p)
        case .contains(let p): return p.isEmpty || s.contains(p)
        case .general(let r): return (try? r.wholeMatch(in: s)) != nil
        }
    }

    /// The alternatives when the pattern is a plain `a|b|c` of literals (possibly in one group).
    public var literalAlternatives: [String]? {
        if case .literals(let s) = shape { return Array(s) }
        return nil
    }

    /// The pattern without metacharacters (escaped ones unescaped), or nil.
    static func literal(_ p: Substring) -> String? {
        var out = ""
        var escaped = false
        for c in p {
            if escaped {
                // Only escapes of punctuation are literal; \d, \w, ... are classes.
                guard c.isPunctuation || c.isSymbol else { return nil }
                out.append(c); escaped = false; continue
            }
            if c == "\\" { escaped = true; continue }
            if "[](){}.*+?^$|".contains(c) { return nil }
            out.append(c)
        }
        return escaped ? nil : out
    }
    static func literal(_ p: String) -> String? { literal(Substring(p)) }

    static func literalAlternation(_ pattern: String) -> [String]? {
        var p = Substring(pattern)
        if p.hasPrefix("("), p.hasSuffix(")") {
            p = p.dropFirst().dropLast()
            if p.hasPrefix("?:") { p = p.dropFirst(2) }
        }
        // Split on unescaped '|'.
        var parts: [String] = []
        var cur = Substring()
        var start = p.startIndex
        var i = p.startIndex
        var escaped = false
        while i < p.endIndex {
            let c = p[i]
            if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "|" {
                cur = p[start..<i]
                guard let lit = literal(cur) else { return nil }
                parts.append(lit)
                start = p.index(after: i)
            }
            i = p.index(after: i)
        }
        cur = p[start..<p.endIndex]
        guard let lit = literal(cur) else { return nil }
        parts.append(lit)
        return parts
    }
}

extension ValueRegex {
    /// Compiled patterns by source: rules and dashboards parse the same few patterns again and
    /// again, and compiling costs far more than parsing the rest of a query (Prometheus keeps
    /// such a cache too). Bounded: emptied when full.
    private static let cache = Mutex<[String: ValueRegex]>([:])
    private static let cacheLimit = 1_000

    /// `ValueRegex(pattern)`, from the cache when it was compiled before.
    public static func cached(_ pattern: String) throws(MatcherError) -> ValueRegex {
        if let r = cache.withLock({ $0[pattern] }) { return r }
        let r = try ValueRegex(pattern)
        cache.withLock { c in
            if c.count >= cacheLimit { c.removeAll(keepingCapacity: true) }
            c[pattern] = r
        }
        return r
    }
}
