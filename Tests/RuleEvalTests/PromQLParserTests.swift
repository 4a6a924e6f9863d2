import Foundation
import Testing
import TSDB
@testable import RuleEval

/// The PromQL parser: grammar, precedence, literals, type checks and error positions.
@Suite struct PromQLParserTests {
    private func parse(_ q: String) throws -> Expr { try PromQLParser.parse(q) }

    private func binary(_ e: Expr) -> Binary? {
        if case .binary(let b) = e { return b }
        return nil
    }

    @Test func precedenceAndAssociativity() throws {
        // 1 + 2 * 3: * binds tighter.
        let a = try #require(binary(try parse("1 + 2 * 3")))
        #expect(a.op == .add && a.lhs == .number(1))
        #expect(binary(a.rhs)?.op == .mul)
        // ^ is right-associative: 2 ^ 3 ^ 2 = 2 ^ (3 ^ 2).
        let p = try #require(binary(try parse("2 ^ 3 ^ 2")))
        #expect(p.lhs == .number(2) && binary(p.rhs)?.op == .pow)
        // - is left-associative: 1 - 2 - 3 = (1 - 2) - 3.
        let s = try #require(binary(try parse("1 - 2 - 3")))
        #expect(s.rhs == .number(3) && binary(s.lhs)?.op == .sub)
        // Unary minus binds below ^: -2 ^ 2 = -(2 ^ 2).
        guard case .negate(let inner) = try parse("-2 ^ 2") else { Issue.record("expected a negation"); return }
        #expect(binary(inner)?.op == .pow)
        // ... and above *: -a * b = (-a) * b.
        let m = try #require(binary(try parse("-a * b")))
        if case .negate = m.lhs {} else { Issue.record("expected (-a) * b") }
        // or < and/unless < comparison < +.
        let o = try #require(binary(try parse("a or b and c == d + 1")))
        #expect(o.op == .or)
        let andExpr = try #require(binary(o.rhs))
        #expect(andExpr.op == .and && binary(andExpr.rhs)?.op == .eql)
        #expect(andExpr.matching?.cardinality == .manyToMany)
        // atan2 binds like *.
        #expect(binary(try parse("a + b atan2 c"))?.op == .add)
        // Number literal negation is folded.
        #expect(try parse("-1") == .number(-1))
        #expect(try parse("+5") == .number(5))
    }

    @Test func numberAndStringLiterals() throws {
        #expect(try parse("0x1F") == .number(31))
        #expect(try parse("1e3") == .number(1000))
        #expect(try parse("1.5E-3") == .number(0.0015))
        #expect(try parse(".5") == .number(0.5))
        #expect(try parse("5.") == .number(5))
        #expect(try parse("Inf") == .number(.infinity))
        #expect(try parse("-iNf") == .number(-.infinity))
        if case .number(let v) = try parse("NaN") { #expect(v.isNaN) } else { Issue.record("NaN") }
        #expect(try parse(#""a\tb\x41\u00e9\101""#) == .string("a\tbAéA"))
        #expect(try parse(#"'it\'s'"#) == .string("it's"))
        #expect(try parse(#"`raw\n`"#) == .string(#"raw\n"#))
    }

    @Test func selectorsRangesSubqueriesAndModifiers() throws {
        guard case .vectorSelector(let v) = try parse(#"http_requests_total{job="api", code!~"5..",}"#) else { Issue.record("selector"); return }
        #expect(v.name == "http_requests_total" && v.matchers.count == 3)
        #expect(v.matchers[2] == (try Matcher(.notRegex, "code", "5..")))
        guard case .matrixSelector(let m) = try parse("foo[1h30m] offset -5m @ 100.5") else { Issue.record("matrix"); return }
        #expect(m.rangeMs == 5_400_000 && m.selector.offsetMs == -300_000 && m.selector.at == .time(100_500))
        guard case .matrixSelector(let n) = try parse("foo[600]") else { Issue.record("number range"); return }
        #expect(n.rangeMs == 600_000)
        guard case .subquery(let q) = try parse("rate(foo[5m])[30m:] @ end() offset 1m") else { Issue.record("subquery"); return }
        #expect(q.rangeMs == 1_800_000 && q.stepMs == nil && q.at == .end && q.offsetMs == 60_000)
        guard case .subquery(let q2) = try parse("max_over_time((a + b)[1h:5m])[2h:10m]") else { Issue.record("nested"); return }
        #expect(q2.stepMs == 600_000)
        guard case .vectorSelector(let c) = try parse(":job:rate5m{a='b'}") else { Issue.record("colon name"); return }
        #expect(c.name == ":job:rate5m")
        // Keywords as label names.
        guard case .aggregate(let g) = try parse(#"sum by (on, by, group_left) ({on="x"})"#) else { Issue.record("keywords"); return }
        #expect(g.grouping == ["on", "by", "group_left"])
    }

    @Test func aggregationsAndMatching() throws {
        guard case .aggregate(let a) = try parse("sum(rate(x[5m])) without (instance,)") else { Issue.record("agg"); return }
        #expect(a.op == .sum && a.without && a.grouping == ["instance"])
        guard case .aggregate(let t) = try parse("topk by (job) (3, x)") else { Issue.record("topk"); return }
        #expect(t.param == .number(3) && t.grouping == ["job"])
        guard case .aggregate(let cv) = try parse(#"count_values("value", x)"#) else { Issue.record("count_values"); return }
        #expect(cv.param == .string("value"))
        let b = try #require(binary(try parse("a * on (job) group_left (extra) b")))
        #expect(b.matching == VectorMatching(cardinality: .manyToOne, labels: ["job"], on: true, include: ["extra"]))
        let c = try #require(binary(try parse("a > bool ignoring (x) group_right b")))
        #expect(c.returnBool && c.matching?.cardinality == .oneToMany && c.matching?.on == false)
        #expect(binary(try parse("1 == bool 2"))?.returnBool == true)
    }

    @Test func typeErrorsAndPositions() {
        let cases: [(String, String, Int, Int)] = [
            ("rate(foo)", "expected type range vector in call to function \"rate\", got instant vector", 1, 1),
            ("foo[5m] + 1", "binary expression must contain only scalar and instant vector types", 1, 9),
            ("1 == 1", "comparisons between scalars must use BOOL modifier", 1, 3),
            ("1 and foo", "set operator \"and\" not allowed in binary scalar expression", 1, 3),
            ("sum(foo[5m])", "expected type instant vector in aggregation expression, got range vector", 1, 1),
            ("{}", "vector selector must contain at least one non-empty matcher", 1, 1),
            ("{a=~\".*\"}", "vector selector must contain at least one non-empty matcher", 1, 1),
            ("(foo)[5m]", "ranges only allowed for vector selectors", 1, 6),
            ("foo offset 1m offset 2m", "offset may not be set multiple times", 1, 15),
            ("no_such_fn(foo)", "unknown function with name \"no_such_fn\"", 1, 1),
            ("sum(foo) by (a) by (b)", "aggregation must only contain one grouping clause", 1, 17),
            ("sum by (a) (foo) by (b)", "aggregation must only contain one grouping clause", 1, 18),
            ("foo and on(a) group_left b", "no grouping allowed for \"and\" operation", 1, 15),
            ("foo{a=\"b\"\n  c=\"d\"}", "unexpected identifier \"c\" in label matching, expected \",\" or \"}\"", 2, 3),
            ("1.5h", "bad number or duration syntax: \"1.5h\"", 1, 1),
            ("\"abc", "unterminated quoted string", 1, 1),
            ("foo !", "unexpected character after '!': expected '!=' or '!~'", 1, 5),
            ("label_join(x, \"a\")", "expected at least 3 argument(s) in call to \"label_join\", got 2", 1, 1),
            ("round(x, 1, 2)", "expected at most 2 argument(s) in call to \"round\", got 3", 1, 1),
            ("foo{a=~\"(\"}", "invalid regular expression", 1, 5),
            ("", "no expression found in input", 1, 1),
        ]
        for (q, message, line, column) in cases {
            do {
                _ = try PromQLParser.parse(q)
                Issue.record("\(q) parsed, expected: \(message)")
            } catch {
                #expect(error.message.contains(message), "\(q): \(error.message)")
                #expect(error.line == line && error.column == column, "\(q): at \(error.line):\(error.column)")
            }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() throws {
        let ok = String(repeating: "(", count: 100) + "x" + String(repeating: ")", count: 100)
        _ = try PromQLParser.parse(ok)
        let deep = String(repeating: "(", count: 100_000) + "x" + String(repeating: ")", count: 100_000)
        #expect(throws: PromQLParseError.self) { try PromQLParser.parse(deep) }
        #expect(throws: PromQLParseError.self) { try PromQLParser.parse(String(repeating: "-", count: 100_000) + "x") }
        #expect(throws: PromQLParseError.self) { try PromQLParser.parse(#""\x+f""#) }
    }

    /// Every expression of the upstream scripts whose features the parser implements must parse.
    @Test func conformanceExpressionsParse() throws {
        let unsupported = ["duration-expressions", "fill-modifiers", "extended-range-selectors", "trim-operators",
                           "new-fn:info", "new-fn:step", "new-fn:range", "new-fn:start@", "new-fn:end@",
                           "new-fn:histogram_quantiles", "new-fn:min_of", "new-fn:max_of", "new-fn:start_timestamp",
                           "expect-fail", "type-and-unit-labels"]
        var parsed = 0, skipped = 0
        var failures: [String] = []
        for cols in try ConformanceData.cases() {
            guard cols.count >= 7 else { continue }
            let tags = String(cols[5]), expr = cols[6...].joined(separator: "\t")
            if unsupported.contains(where: { tags.contains($0) }) { skipped += 1; continue }
            do {
                _ = try PromQLParser.parse(expr)
                parsed += 1
            } catch {
                failures.append("\(cols[0]):\(cols[1]) \(expr): \(error)")
            }
        }
        print("PromQL conformance expressions: \(parsed) parsed, \(failures.count) failed, \(skipped) skipped (unimplemented features or expected failures)")
        #expect(failures.isEmpty, "\(failures.prefix(20).joined(separator: "\n"))")
        #expect(parsed > 1_500)
    }
}

/// Printing expressions back as PromQL.
@Suite struct ExprFormatterTests {
    @Test func canonicalSpelling() throws {
        let cases: [(String, String)] = [
            ("SUM BY (group) (http_requests{job='api-server'})", #"sum by (group) (http_requests{job="api-server"})"#),
            ("sum(x) without(a,b)", "sum without (a, b) (x)"),
            ("topk(3,x)", "topk(3, x)"),
            ("a*on(job)group_left(extra)b", "a * on (job) group_left (extra) b"),
            ("a > bool b", "a > bool b"),
            ("rate(foo[1h30m] offset -5m @ 100)", "rate(foo[1h30m] @ 100.000 offset -5m)"),
            ("max_over_time((a+b)[1h:])", "max_over_time((a + b)[1h:])"),
            ("-x ^ 2", "-x ^ 2"),
            (#"{__name__="up", job!~"a\"b"}"#, #"{__name__="up", job!~"a\"b"}"#),
            ("1e3 + Inf", "1000 + +Inf"),
        ]
        for (q, want) in cases {
            #expect(try PromQLParser.parse(q).description == want, "\(q)")
        }
    }

    /// Printing then parsing again gives the same tree (compared through its printed form when it holds a NaN, as NaN ≠ NaN).
    @Test func roundTripOverTheConformanceExpressions() throws {
        var checked = 0
        for cols in try ConformanceData.cases() {
            guard cols.count >= 7, let e = try? PromQLParser.parse(cols[6...].joined(separator: "\t")) else { continue }
            let printed = e.description
            let again = try PromQLParser.parse(printed)
            #expect(again.description == printed, "\(cols[0]):\(cols[1])")
            if !printed.contains("NaN") { #expect(again == e, "\(cols[0]):\(cols[1]) \(printed)") }
            checked += 1
        }
        #expect(checked > 1_500)
    }
}
