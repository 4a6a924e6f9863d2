/// A built-in matcher for the regex shapes relabel configs use most, so they skip Swift `Regex`
/// (which costs microseconds per match).
///
/// Accepted: top-level alternatives (`a.*|b_(.+)`), each a sequence of literal text (`\`-escaped
/// punctuation allowed), single-scalar atoms (`.`, `\d`, `\w`, `\s`, their negations, ASCII classes like
/// `[^:]` or `[a-z0-9_]`, an ASCII literal) optionally followed by `*`, `+` or `?`, and groups (`(...)` or
/// `(?:...)`) holding one such atom or an alternation of literals, e.g. `__meta_kubernetes_pod_label_(.+)`,
/// `([^:]+):\d+`, `node_(cpu|memory)_.+`. Anything else (lazy or counted quantifiers, flags, named or
/// nested groups, non-ASCII classes, more than 4 groups or 3 variable-length atoms per alternative)
/// makes `init(parsing:)` return nil and the caller use Swift `Regex`. Matching follows RE2's
/// leftmost-first rules under full anchoring and `(?s)` (greedy atoms, alternatives tried in order),
/// so groups equal Prometheus'.
final class SimpleRegexPattern: @unchecked Sendable {
    // @unchecked: the buffers below are written only in init and freed in deinit.
    /// A set of scalars: an ASCII bitmap plus one flag for every non-ASCII scalar.
    struct ScalarClass: Sendable, Equatable {
        var low: UInt64 = 0
        var high: UInt64 = 0
        var nonASCII = false

        static let any = ScalarClass(low: ~0, high: ~0, nonASCII: true)

        mutating func insert(_ b: UInt8) {
            if b < 64 { low |= 1 << UInt64(b) } else { high |= 1 << UInt64(b - 64) }
        }
        mutating func insert(_ r: ClosedRange<UInt8>) { for b in r { insert(b) } }
        mutating func formUnion(_ o: ScalarClass) { low |= o.low; high |= o.high; nonASCII = nonASCII || o.nonASCII }
        var inverted: ScalarClass { ScalarClass(low: ~low, high: ~high, nonASCII: !nonASCII) }

        /// Membership of an ASCII byte.
        @inline(__always) func contains(ascii b: UInt8) -> Bool {
            b < 64 ? (low >> UInt64(b)) & 1 != 0 : (high >> UInt64(b - 64)) & 1 != 0
        }

        static let digits: ScalarClass = { var c = ScalarClass(); c.insert(0x30...0x39); return c }()
        static let word: ScalarClass = {
            var c = digits; c.insert(0x41...0x5a); c.insert(0x61...0x7a); c.insert(0x5f); return c
        }()
        /// RE2's `\s`: `[\t\n\f\r ]`.
        static let space: ScalarClass = { var c = ScalarClass(); for b: UInt8 in [0x09, 0x0a, 0x0c, 0x0d, 0x20] { c.insert(b) }; return c }()
    }

    /// One parsed element; parsing output, flattened into `FlatPiece`s for matching.
    enum Piece: Sendable {
        /// Exact bytes.
        case literal([UInt8])
        /// The first alternative (in order) that lets the rest match; `group` 0 means uncaptured.
        case alternatives([[UInt8]], group: Int)
        /// `min...max` scalars of `cls`, greedy; `group` 0 means uncaptured.
        case run(ScalarClass, min: Int, max: Int, group: Int)
    }

    /// A piece with its bytes moved into `bytes`: plain data, so matching does no reference counting.
    enum FlatPiece: Sendable {
        case literal(Range<Int>)
        /// Alternatives are `alternativeRanges[alternatives]`, each a range of `bytes`.
        case alternatives(Range<Int>, group: Int)
        case run(ScalarClass, min: Int, max: Int, group: Int)
    }

    /// Top-level alternatives as parsed, tried in order.
    let branches: [[Piece]]
    /// Number of capture groups (numbered across all branches).
    let groupCount: Int
    /// All literal bytes. Manually allocated (like the buffers below) so matching reads them with no
    /// reference counting or closure-scoped buffer access.
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    /// Byte ranges of the literal alternatives.
    private let alternativeRanges: UnsafeMutableBufferPointer<Range<Int>>
    /// All branches' pieces, back to back.
    private let flatPieces: UnsafeMutableBufferPointer<FlatPiece>
    /// Each branch's range of `flatPieces`.
    private let branchRanges: UnsafeMutableBufferPointer<Range<Int>>

    private static let maxVariablePieces = 3

    /// Parses `pattern`, or nil when it is outside the supported shapes.
    convenience init?(parsing pattern: String) {
        let p = Array(pattern.utf8)
        var groups = 0
        var branches: [[Piece]] = []
        var start = 0
        for end in Self.topLevelBars(p) + [p.count] {
            guard let pieces = Self.parseSequence(p, start..<end, groups: &groups) else { return nil }
            let variable = pieces.filter { if case .run(_, let lo, let hi, _) = $0 { return lo != hi } else { return false } }.count
            guard variable <= Self.maxVariablePieces else { return nil }
            branches.append(pieces)
            start = end + 1
        }
        guard groups <= CaptureSpans.capacity else { return nil }
        self.init(branches: branches, groupCount: groups)
    }

    private init(branches: [[Piece]], groupCount: Int) {
        var bytes: [UInt8] = [], altRanges: [Range<Int>] = [], flat: [FlatPiece] = [], branchRanges: [Range<Int>] = []
        func store(_ b: [UInt8]) -> Range<Int> { bytes.append(contentsOf: b); return (bytes.count - b.count)..<bytes.count }
        for pieces in branches {
            let start = flat.count
            for piece in pieces {
                switch piece {
                case .literal(let b):
                    flat.append(.literal(store(b)))
                case .alternatives(let alts, let group):
                    let first = altRanges.count
                    for a in alts { altRanges.append(store(a)) }
                    flat.append(.alternatives(first..<altRanges.count, group: group))
                case .run(let cls, let lo, let hi, let group):
                    flat.append(.run(cls, min: lo, max: hi, group: group))
                }
            }
            branchRanges.append(start..<flat.count)
        }
        func copy<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
            _ = p.initialize(from: a)
            return UnsafeMutableBufferPointer(rebasing: p[0..<a.count])
        }
        self.branches = branches
        self.groupCount = groupCount
        self.bytes = copy(bytes)
        self.alternativeRanges = copy(altRanges)
        self.flatPieces = copy(flat)
        self.branchRanges = copy(branchRanges)
    }

    deinit {
        // All element types are trivial: no deinitialization needed, only the memory.
        bytes.baseAddress?.deallocate()
        alternativeRanges.baseAddress?.deallocate()
        flatPieces.baseAddress?.deallocate()
        branchRanges.baseAddress?.deallocate()
    }

    /// Indices of `|` outside groups, classes and escapes.
    private static func topLevelBars(_ p: [UInt8]) -> [Int] {
        var bars: [Int] = []
        var depth = 0, i = 0, inClass = false
        while i < p.count {
            let c = p[i]
            if c == 0x5c { i += 2; continue }
            if inClass { if c == 0x5d { inClass = false }; i += 1; continue }
            switch c {
            case 0x5b: inClass = true; if i + 1 < p.count && p[i + 1] == 0x5e { i += 1 }; if i + 1 < p.count && p[i + 1] == 0x5d { i += 1 }
            case 0x28: depth += 1
            case 0x29: depth -= 1
            case 0x7c where depth == 0: bars.append(i)
            default: break
            }
            i += 1
        }
        return bars
    }

    private static func parseSequence(_ p: [UInt8], _ range: Range<Int>, groups: inout Int) -> [Piece]? {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var i = range.lowerBound
        let end = range.upperBound
        func flush() { if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] } }

        while i < end {
            if p[i] == 0x28 {  // (
                var j = i + 1
                var captured = true
                if j < end && p[j] == 0x3f {  // ?
                    guard j + 1 < end, p[j + 1] == 0x3a else { return nil }  // only (?:
                    captured = false
                    j += 2
                }
                guard let close = groupEnd(p, from: j, limit: end), !isQuantifier(p, close + 1, end) else { return nil }
                let group = captured ? groups + 1 : 0
                if captured { groups += 1 }
                flush()
                if let (cls, lo, hi, next) = atom(p, j, close), next == close {
                    pieces.append(.run(cls, min: lo, max: hi, group: group))
                } else {
                    guard let alts = literalAlternatives(p, j..<close) else { return nil }
                    if alts.count == 1 && !captured {
                        literal.append(contentsOf: alts[0])
                    } else {
                        pieces.append(.alternatives(alts, group: group))
                    }
                }
                i = close + 1
            } else if let (byte, next) = literalByte(p, at: i, limit: end), !isQuantifier(p, next, end) {
                literal.append(byte)
                i = next
            } else if let (cls, lo, hi, next) = atom(p, i, end) {
                flush()
                pieces.append(.run(cls, min: lo, max: hi, group: 0))
                i = next
            } else {
                return nil
            }
        }
        flush()
        return pieces
    }

    @inline(__always) private static func isQuantifier(_ p: [UInt8], _ at: Int, _ end: Int) -> Bool {
        at < end && (p[at] == 0x2a || p[at] == 0x2b || p[at] == 0x3f || p[at] == 0x7b)
    }

    /// One single-scalar atom at `at` with an optional greedy `*`, `+` or `?`: (class, min, max, next index).
    private static func atom(_ p: [UInt8], _ at: Int, _ end: Int) -> (ScalarClass, Int, Int, Int)? {
        guard at < end else { return nil }
        var cls = ScalarClass()
        var i = at
        switch p[i] {
        case 0x2e:  // .
            cls = .any; i += 1
        case 0x5b:  // [
            guard let (c, next) = bracketClass(p, i, end) else { return nil }
            cls = c; i = next
        case 0x5c:  // backslash
            guard i + 1 < end, let c = escapeClass(p[i + 1]) else {
                // Escaped punctuation: a one-byte literal class.
                guard let (b, next) = literalByte(p, at: i, limit: end) else { return nil }
                cls.insert(b); i = next
                break
            }
            cls = c; i += 2
        default:
            // An ASCII literal byte (with a quantifier, else the caller took it as text).
            guard let (b, next) = literalByte(p, at: i, limit: end), b < 0x80 else { return nil }
            cls.insert(b); i = next
        }
        var lo = 1, hi = 1
        if i < end {
            switch p[i] {
            case 0x2a: lo = 0; hi = .max; i += 1
            case 0x2b: lo = 1; hi = .max; i += 1
            case 0x3f: lo = 0; hi = 1; i += 1
            case 0x7b: return nil
            default: break
            }
            // Lazy, possessive or stacked quantifiers are left to Swift Regex (or rejected there).
            if lo != 1 || hi != 1, isQuantifier(p, i, end) { return nil }
        }
        return (cls, lo, hi, i)
    }

    /// `\d \w \s \D \W \S` as classes; nil for other escapes.
    private static func escapeClass(_ e: UInt8) -> ScalarClass? {
        switch e {
        case 0x64: return .digits
        case 0x77: return .word
        case 0x73: return .space
        case 0x44: return ScalarClass.digits.inverted
        case 0x57: return ScalarClass.word.inverted
        case 0x53: return ScalarClass.space.inverted
        default: return nil
        }
    }

    /// An ASCII bracket class at `at` (`[`): (class, index after `]`); nil for anything non-ASCII or POSIX.
    private static func bracketClass(_ p: [UInt8], _ at: Int, _ end: Int) -> (ScalarClass, Int)? {
        var i = at + 1
        var cls = ScalarClass()
        var negated = false
        if i < end && p[i] == 0x5e { negated = true; i += 1 }
        var first = true
        while i < end {
            var c = p[i]
            if c == 0x5d && !first { return (negated ? cls.inverted : cls, i + 1) }
            first = false
            guard c < 0x80, !(c == 0x5b && i + 1 < end && p[i + 1] == 0x3a) else { return nil }  // non-ASCII or [:posix:]
            if c == 0x5c {
                guard i + 1 < end else { return nil }
                let e = p[i + 1]
                if e == 0x64 || e == 0x77 || e == 0x73 {
                    guard let sub = escapeClass(e) else { return nil }
                    cls.formUnion(sub); i += 2; continue
                }
                guard let (b, _) = literalByte(p, at: i, limit: end) else { return nil }
                c = b; i += 2
            } else {
                i += 1
            }
            // A range a-z (a '-' before ']' is literal).
            if i + 1 < end && p[i] == 0x2d && p[i + 1] != 0x5d {
                var hiByte = p[i + 1]
                var next = i + 2
                if hiByte == 0x5c {
                    guard let (b, n) = literalByte(p, at: i + 1, limit: end) else { return nil }
                    hiByte = b; next = n
                }
                guard hiByte < 0x80, hiByte >= c else { return nil }
                cls.insert(c...hiByte)
                i = next
            } else {
                cls.insert(c)
            }
        }
        return nil
    }

    /// Index of the `)` closing a group whose content starts at `from`; nil on nesting.
    private static func groupEnd(_ p: [UInt8], from: Int, limit: Int) -> Int? {
        var i = from
        var inClass = false
        while i < limit {
            let c = p[i]
            if c == 0x5c { i += 2; continue }
            if inClass { if c == 0x5d { inClass = false }; i += 1; continue }
            switch c {
            case 0x29: return i
            case 0x28: return nil
            case 0x5b: inClass = true; if i + 1 < limit && p[i + 1] == 0x5e { i += 1 }; if i + 1 < limit && p[i + 1] == 0x5d { i += 1 }
            default: break
            }
            i += 1
        }
        return nil
    }

    /// Splits `range` on `|` into literal alternatives; nil when any part is not a plain literal.
    static func literalAlternatives(_ p: [UInt8], _ range: Range<Int>) -> [[UInt8]]? {
        var alts: [[UInt8]] = []
        var cur: [UInt8] = []
        var i = range.lowerBound
        while i < range.upperBound {
            if p[i] == 0x7c {  // |
                alts.append(cur); cur = []; i += 1; continue
            }
            guard let (b, next) = literalByte(p, at: i, limit: range.upperBound) else { return nil }
            cur.append(b)
            i = next
        }
        alts.append(cur)
        return alts
    }

    /// One literal byte at `at`: a non-meta byte, or `\` + ASCII punctuation; nil otherwise.
    static func literalByte(_ p: [UInt8], at: Int, limit: Int) -> (UInt8, Int)? {
        guard at < limit else { return nil }
        let c = p[at]
        if c == 0x5c {
            guard at + 1 < limit else { return nil }
            let e = p[at + 1]
            let isPunct = e < 0x80 && e > 0x20 && e != 0x7f
                && !((e >= 0x30 && e <= 0x39) || (e >= 0x41 && e <= 0x5a) || (e >= 0x61 && e <= 0x7a))
            return isPunct ? (e, at + 2) : nil
        }
        switch c {
        case 0x2e, 0x2b, 0x2a, 0x3f, 0x28, 0x29, 0x7c, 0x5b, 0x5d, 0x7b, 0x7d, 0x5e, 0x24: return nil
        default: return (c, at + 1)
        }
    }

    /// Whether the whole of `s` matches; on success `spans` holds the groups of the branch that matched.
    func match(_ s: String, spans: inout CaptureSpans) -> Bool {
        // Native strings are contiguous; the fallback copies (bridged or foreign strings only).
        if let r = s.utf8.withContiguousStorageIfAvailable({ matchBytes($0, &spans) }) { return r }
        var s = s
        return s.withUTF8 { matchBytes($0, &spans) }
    }

    private func matchBytes(_ input: UnsafeBufferPointer<UInt8>, _ spans: inout CaptureSpans) -> Bool {
        let m = Matcher(input: input, literals: UnsafeBufferPointer(bytes),
                        alternatives: UnsafeBufferPointer(alternativeRanges), pieces: UnsafeBufferPointer(flatPieces))
        for r in branchRanges {
            spans = CaptureSpans(count: groupCount)
            if m.match(r.lowerBound, r.upperBound, 0, &spans) { return true }
        }
        return false
    }

    /// Backtracking over one branch's pieces, on borrowed buffers.
    private struct Matcher {
        let input: UnsafeBufferPointer<UInt8>
        let literals: UnsafeBufferPointer<UInt8>
        let alternatives: UnsafeBufferPointer<Range<Int>>
        let pieces: UnsafeBufferPointer<FlatPiece>

        func match(_ pieceIndex: Int, _ end: Int, _ pos: Int, _ spans: inout CaptureSpans) -> Bool {
            if pieceIndex == end { return pos == input.count }
            switch pieces[pieceIndex] {
            case .literal(let lit):
                guard hasPrefix(at: pos, lit) else { return false }
                return match(pieceIndex + 1, end, pos + lit.count, &spans)
            case .alternatives(let alts, let group):
                for k in alts {
                    let a = alternatives[k]
                    guard hasPrefix(at: pos, a) else { continue }
                    if group > 0 { spans[group] = pos..<(pos + a.count) }
                    if match(pieceIndex + 1, end, pos + a.count, &spans) { return true }
                }
                return false
            case .run(let cls, let lo, let hi, let group):
                // Longest run first (greedy), then give back one scalar at a time.
                var stop = pos, count = 0
                while count < hi && stop < input.count {
                    let b = input[stop]
                    if b < 0x80 {
                        guard cls.contains(ascii: b) else { break }
                        stop += 1
                    } else {
                        guard cls.nonASCII else { break }
                        stop += 1
                        while stop < input.count && input[stop] & 0xc0 == 0x80 { stop += 1 }
                    }
                    count += 1
                }
                if pieceIndex == end - 1 {
                    // Last piece: only the longest run can reach the end.
                    guard stop == input.count, count >= lo else { return false }
                    if group > 0 { spans[group] = pos..<stop }
                    return true
                }
                while count >= lo {
                    if group > 0 { spans[group] = pos..<stop }
                    if match(pieceIndex + 1, end, stop, &spans) { return true }
                    guard stop > pos else { break }
                    stop -= 1
                    while stop > pos && input[stop] & 0xc0 == 0x80 { stop -= 1 }
                    count -= 1
                }
                return false
            }
        }

        @inline(__always) func hasPrefix(at pos: Int, _ lit: Range<Int>) -> Bool {
            guard input.count - pos >= lit.count else { return false }
            var k = lit.lowerBound, i = pos
            while k < lit.upperBound {
                if input[i] != literals[k] { return false }
                k += 1; i += 1
            }
            return true
        }
    }
}
