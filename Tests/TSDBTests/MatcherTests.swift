import Testing
@testable import TSDB

/// A tiny in-memory index to check `select` against a brute-force scan.
struct ArrayIndex: IndexReader {
    let series: [Labels]
    func labelNames() -> [String] { Set(series.flatMap { $0.pairs.map(\.name) }).sorted() }
    func labelValues(for name: String) -> [String] { Set(series.map { $0[name] }.filter { !$0.isEmpty }).sorted() }
    func postings(name: String, value: String) -> [UInt32] {
        series.indices.filter { series[$0][name] == value && !value.isEmpty }.map { UInt32($0) }
    }
    func postings(forName name: String) -> [UInt32] { series.indices.filter { !series[$0][name].isEmpty }.map { UInt32($0) } }
    func allPostings() -> [UInt32] { series.indices.map { UInt32($0) } }
}

@Suite struct MatcherTests {
    @Test func regexIsAnchoredAndDotMatchesNewline() throws {
        let m = try Matcher(.regex, "a", "fo.")
        #expect(m.matches("foo"))
        #expect(!m.matches("xfoo"))
        #expect(!m.matches("fooo"))
        #expect(try Matcher(.regex, "a", "a.b").matches("a\nb"))
        #expect(try Matcher(.regex, "a", "(?i)FOO").matches("foo"))
    }

    @Test func fastPathsAgreeWithGeneralRegex() throws {
        let patterns = ["foo|bar|baz", "(foo|bar)", "foo.*", ".*bar", ".*oo.*", ".*", ".+", "", "a\\.b", "foo|", "x.*y"]
        let values = ["", "foo", "bar", "baz", "foobar", "xfoo", "a.b", "axb", "xy", "xzzy", "oo", "\n", "foo\nbar"]
        for p in patterns {
            let fast = try ValueRegex(p)
            let slow = try Regex("(?s:" + p + ")")
            for v in values {
                #expect(fast.matches(v) == ((try? slow.wholeMatch(in: v)) != nil), "pattern \(p) value \(v)")
            }
        }
    }

    @Test func invalidRegexIsATypedError() {
        #expect(throws: MatcherError.self) { try Matcher(.regex, "a", "(unclosed") }
    }

    @Test func selectAgreesWithBruteForce() throws {
        var rng = SeededRandom(seed: 7)
        let names = ["__name__", "job", "instance", "mode", "cpu"]
        let vals = ["", "a", "b", "foo", "foobar", "node", "x1", "x2"]
        var series: [Labels] = []
        var seen = Set<Labels>()
        while series.count < 300 {
            var d: [String: String] = [:]
            for n in names { d[n] = vals.randomElement(using: &rng) ?? "" }
            if d["__name__"] == "" { d["__name__"] = "m" }
            let l = L(d)
            if seen.insert(l).inserted { series.append(l) }
        }
        let index = ArrayIndex(series: series)
        let kinds: [Matcher.Kind] = [.equal, .notEqual, .regex, .notRegex]
        let patterns = ["", "a", "foo", "foo.*", "a|b", ".*", ".+", "x.", "fo+bar", "nope"]
        for _ in 0..<400 {
            var ms: [Matcher] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let k = kinds.randomElement(using: &rng)!
                let n = (names + ["absent"]).randomElement(using: &rng)!
                let v = patterns.randomElement(using: &rng)!
                ms.append(try Matcher(k, n, v))
            }
            let got = index.select(ms)
            let want = series.indices.filter { i in ms.allSatisfy { $0.matches(series[i][$0.name]) } }.map { UInt32($0) }
            #expect(got == want, "matchers \(ms)")
        }
    }

    @Test func postingsOps() {
        #expect(Postings.intersect([1, 3, 5, 7], [3, 4, 5]) == [3, 5])
        #expect(Postings.intersect([5], Array(0..<100)) == [5])
        #expect(Postings.subtract([1, 2, 3, 4], [2, 4, 9]) == [1, 3])
        #expect(Postings.union([[1, 4], [2, 4], [0, 9]]) == [0, 1, 2, 4, 9])
        #expect(Postings.union([[1, 4], [2, 4]]) == [1, 2, 4])
    }
}
