import Foundation
import Testing
@testable import RuleEval

/// Go text/template semantics and Prometheus' template functions; expected strings follow Go/Prometheus
/// (many from Prometheus' template/template_test.go).
@Suite struct TemplateTests {
    static let externalURL = "http://testhost:9090/path/prefix"

    private func run(_ text: String, dot: TemplateValue = .null, query: [TemplateSample]? = nil,
                     functions: TemplateFunctions = .prometheus) throws -> String {
        let t = try Template(text, name: "test", functions: functions)
        var q: TemplateQueryFunction? = nil
        if let query { q = { @Sendable _ in query } }
        return try t.execute(dot: dot, query: q, options: TemplateOptions(externalURL: Self.externalURL))
    }

    private func failure(_ text: String, dot: TemplateValue = .null, query: [TemplateSample]? = nil,
                         functions: TemplateFunctions = .prometheus) -> String? {
        do {
            _ = try run(text, dot: dot, query: query, functions: functions)
            return nil
        } catch let e as TemplateError {
            return e.message
        } catch {
            return "\(error)"
        }
    }

    private static func floats(_ v: [Double]) -> TemplateValue { .list(v.map { .float($0) }) }
    private static func ints(_ v: [Int64]) -> TemplateValue { .list(v.map { .int($0) }) }
    private static func strings(_ v: [String]) -> TemplateValue { .list(v.map { .string($0) }) }

    // MARK: parsing

    @Test func parseErrors() {
        #expect(failure("{{ foo }}") == #"template: test:1: function "foo" not defined"#)
        #expect(failure("{{ $label }}") == #"template: test:1: undefined variable "$label""#)
        #expect(failure("{{") == "template: test:1: unclosed action")
        #expect(failure("a\n{{ .x\n") == "template: test:3: unclosed action started at test:2")
        #expect(failure("{{ if true }}x") == "template: test:1: unexpected EOF")
        #expect(failure("x{{ end }}") == "template: test:1: unexpected {{end}}")
        #expect(failure("{{ }}") == "template: test:1: missing value for command")
        #expect(failure("{{ if }}{{ end }}") == "template: test:1: missing value for if")
        #expect(failure("{{ 1 | 2 }}") == "template: test:1: non executable command in pipeline stage 2")
        #expect(failure("{{ break }}") == "template: test:1: {{break}} outside {{range}}")
        #expect(failure("{{ \"abc }}") == "template: test:1: unterminated quoted string")
        #expect(failure("{{ 3x }}") == #"template: test:1: bad number syntax: "3x""#)
        #expect(failure("{{ \u{00A0}}}") == "template: test:1: unrecognized character in action: U+00A0")
        #expect(failure("{{ /* x */ }}")?.hasPrefix("template: test:1:") == true)
        // Variables are scoped to the enclosing control structure.
        #expect(failure("{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}") == #"template: test:1: undefined variable "$y""#)
        // Alertmanager-only functions are not Prometheus functions.
        #expect(failure(#"{{ join "," . }}"#) == #"template: test:1: function "join" not defined"#)
    }

    @Test func alertTemplateParseErrorsAreWrapped() {
        #expect(throws: TemplateError("template: __alert_X:1: undefined variable \"$valu\"")) {
            _ = try AlertTemplate.parse("{{ humanize $valu }}", name: "__alert_X")
        }
    }

    // MARK: constructs

    @Test func textAndTrimMarkers() throws {
        #expect(try run("plain text") == "plain text")
        #expect(try run("a  {{- 1 -}}  b") == "a1b")
        #expect(try run("a {{- 1 }} b") == "a1 b")
        #expect(try run("a\n\t{{- /* comment */ -}}\n b") == "ab")
        #expect(try run("a {{/* comment */}} b") == "a  b")
        #expect(try run("{{ 1 }}{{-2}}") == "1-2")  // "-2" without a space is a number, not a trim marker
    }

    @Test func literals() throws {
        #expect(try run("{{ 1 }}") == "1")
        #expect(try run("{{ 0x10 }} {{ 017 }} {{ 1_000 }} {{ -5 }} {{ 'a' }}") == "16 15 1000 -5 97")
        #expect(try run("{{ 1e3 }} {{ 1.0 }} {{ 2.5 }} {{ .5 }}") == "1000 1 2.5 0.5")
        #expect(try run(#"{{ "a\tb\u00e9\x41\"" }}"#) == "a\tbéA\"")
        #expect(try run("{{ `raw\\n` }}") == "raw\\n")
        #expect(try run("{{ true }} {{ false }}") == "true false")
        #expect(try run("{{ print nil }}") == "<nil>")
        #expect(failure("{{ nil }}")?.hasSuffix("nil is not a command") == true)
    }

    @Test func fieldsAndMissingKeys() throws {
        let dot: TemplateValue = .map(["a": .map(["b": .string("x")]), "labels": .stringMap(["job": "api"])])
        #expect(try run("{{ .a.b }}", dot: dot) == "x")
        #expect(try run("{{ .Foo }}") == "<no value>")  // nil data
        #expect(try run("{{ .missing }}", dot: dot) == "<no value>")  // map[string]interface{}
        #expect(try run("[{{ .labels.missing }}]", dot: dot) == "[]")  // map[string]string: zero value
        #expect(try run("{{ $.labels.job }}", dot: dot) == "api")
        #expect(failure("{{ .missing.b }}", dot: dot) == #"template: test:1:11: executing "test" at <.missing.b>: nil pointer evaluating interface {}.b"#)
        #expect(failure("{{ .a.b.c }}", dot: dot) == #"template: test:1:5: executing "test" at <.a.b.c>: can't evaluate field c in type string"#)
    }

    @Test func conditionals() throws {
        let t = "{{ if eq . 1 }}one{{ else if eq . 2 }}two{{ else }}many{{ end }}"
        #expect(try run(t, dot: .int(1)) == "one")
        #expect(try run(t, dot: .int(2)) == "two")
        #expect(try run(t, dot: .int(3)) == "many")
        // Truth: false, 0, nil, empty string/list/map are false.
        let falsy: [TemplateValue] = [.bool(false), .int(0), .float(0), .null, .string(""), .list([]), .map([:]), .stringMap([:])]
        for v in falsy { #expect(try run("{{ if . }}T{{ else }}F{{ end }}", dot: v) == "F") }
        let truthy: [TemplateValue] = [.bool(true), .int(-1), .float(0.5), .string("x"), .list([.null]), .map(["a": .null])]
        for v in truthy { #expect(try run("{{ if . }}T{{ else }}F{{ end }}", dot: v) == "T") }
        #expect(try run("{{ with .x }}[{{ . }}]{{ else }}none{{ end }}", dot: .map(["x": .string("v")])) == "[v]")
        #expect(try run("{{ with .x }}[{{ . }}]{{ else }}none{{ end }}", dot: .map([:])) == "none")
        #expect(try run("{{ if $x := 5 }}{{ $x }}{{ end }}") == "5")
    }

    @Test func rangeLoops() throws {
        #expect(try run("{{ range . }}<{{ . }}>{{ end }}", dot: Self.ints([1, 2, 3])) == "<1><2><3>")
        #expect(try run("{{ range $i, $e := . }}{{ $i }}={{ $e }} {{ end }}", dot: Self.strings(["a", "b"])) == "0=a 1=b ")
        // Maps iterate in sorted key order.
        let m: TemplateValue = .map(["b": .int(1), "a": .int(2), "c": .int(3)])
        #expect(try run("{{ range $k, $v := . }}{{ $k }}:{{ $v }} {{ end }}", dot: m) == "a:2 b:1 c:3 ")
        #expect(try run("{{ range $v := . }}{{ $v }}{{ end }}", dot: .stringMap(["z": "1", "y": "2"])) == "21")
        #expect(try run("{{ range . }}x{{ else }}empty{{ end }}", dot: .list([])) == "empty")
        #expect(try run("{{ range .missing }}x{{ else }}empty{{ end }}", dot: .map([:])) == "empty")
        #expect(try run("{{ range . }}{{ if eq . 3 }}{{ break }}{{ end }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}",
                        dot: Self.ints([0, 1, 2, 3, 4])) == "02")
        #expect(failure("{{ range 5 }}{{ end }}") == #"template: test:1:9: executing "test" at <5>: range can't iterate over 5"#)
        // Assignment changes the outer variable.
        #expect(try run("{{ $n := 0 }}{{ range . }}{{ $n = . }}{{ end }}{{ $n }}", dot: Self.ints([4, 7])) == "7")
        #expect(try run("{{ range . }}{{ $ }}{{ end }}", dot: Self.ints([1])) == "[1]")
    }

    @Test func defineTemplateBlock() throws {
        #expect(try run(#"{{define "x"}}{{.arg0}} {{.arg1}}{{end}}{{template "x" (args 1 "2")}}"#) == "1 2")
        #expect(try run(#"{{define "t"}}[{{.}}]{{end}}{{template "t" "v"}}{{template "t"}}"#) == "[v][<no value>]")
        #expect(try run(#"{{block "b" .}}default {{.}}{{end}}"#, dot: .string("x")) == "default x")
        // Runaway recursion stops with Go's message instead of overflowing the stack.
        #expect(failure(#"{{define "r"}}{{template "r" .}}{{end}}{{template "r" .}}"#)?.hasSuffix("exceeded maximum template depth (100)") == true)
        #expect(failure(String(repeating: "{{if 1}}", count: 600))?.hasSuffix("max expression depth exceeded") == true)
        #expect(failure("{{ " + String(repeating: "(", count: 600) + "1" + String(repeating: ")", count: 600) + " }}")?.hasSuffix("max expression depth exceeded") == true)
        #expect(failure(#"{{template "nope"}}"#) == #"template: test:1:11: executing "test" at <{{template "nope"}}>: template "nope" not defined"#)
        #expect(failure(#"{{define "t"}}{{ .a.b }}{{end}}{{template "t" .}}"#, dot: .map(["a": .int(1)]))
            == #"template: test:1:19: executing "t" at <.a.b>: can't evaluate field b in type int"#)
    }

    @Test func pipelines() throws {
        #expect(try run(#"{{ "abc" | printf "%s-%s" "x" }}"#) == "x-abc")
        #expect(try run(#"{{ printf "%s" (print 1 2) }}"#) == "1 2")
        #expect(try run(#"{{ "a b" | urlquery | printf "%q" }}"#) == #""a+b""#)
        #expect(try run(#"{{ $x := "v" }}{{ $x | len }}"#) == "1")
        #expect(failure(#"{{ "a" "b" }}"#)?.hasSuffix("can't give argument to non-function \"a\"") == true)
        #expect(failure("{{ humanize 1 2 }}") == #"template: test:1:3: executing "test" at <humanize>: wrong number of args for humanize: want 1 got 2"#)
        // Error contexts longer than 20 characters are truncated.
        #expect(failure(#"{{ humanize "a long argument" }}"#)?.contains(#"at <humanize "a long arg...>"#) == true)
    }

    @Test func builtins() throws {
        #expect(try run("{{ and 1 0 2 }}|{{ and 1 2 }}|{{ or 0 \"\" \"x\" }}|{{ or 0 \"\" }}|{{ not 0 }}") == "0|2|x||true")
        // and/or short-circuit: the failing query is never run.
        #expect(try run(#"{{ or 1 (query "x" | first) }}"#, query: []) == "1")
        let dot: TemplateValue = .map(["l": Self.strings(["a", "b", "c"]), "m": .stringMap(["k": "v"]), "s": .string("abcdef")])
        #expect(try run("{{ len .l }} {{ len .s }} {{ index .l 1 }} {{ index .m \"k\" }}[{{ index .m \"z\" }}] {{ index .s 0 }}", dot: dot) == "3 6 b v[] 97")
        #expect(try run("{{ slice .s 1 3 }} {{ slice .l 1 }} {{ slice .s }}", dot: dot) == "bc [b c] abcdef")
        #expect(failure("{{ index .l 5 }}", dot: dot)?.hasSuffix("error calling index: index out of range: 5") == true)
        #expect(failure("{{ len 3 }}")?.hasSuffix("error calling len: len of type int") == true)
        #expect(try run(#"{{ print 1 2 "a" "b" 3 }}|{{ println 1 "a" }}"#) == "1 2ab3|1 a\n")
        #expect(try run(#"{{ html "<a href=\"x\">'&" }}"#) == "&lt;a href=&#34;x&#34;&gt;&#39;&amp;")
        #expect(try run(#"{{ js "a'b\"c<d>=&\n" }}"#) == #"a\'b\"c\u003Cd\u003E\u003D\u0026\u000A"#)
        #expect(try run(#"{{ urlquery "a b&c/é" }}"#) == "a+b%26c%2F%C3%A9")
    }

    @Test func comparisons() throws {
        #expect(try run("{{ eq 2 1 2 }} {{ eq 1 2 3 }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt 1.5 2.5 }} {{ ge \"b\" \"a\" }}") == "true false true true true false true")
        #expect(try run(#"{{ eq .x "a" }}"#, dot: .map([:])) == "false")  // nil compares unequal without error
        // Go does not compare int with float64.
        #expect(failure("{{ eq 1 1.0 }}") == #"template: test:1:3: executing "test" at <eq 1 1.0>: error calling eq: incompatible types for comparison"#)
        #expect(failure("{{ lt 1 \"a\" }}")?.hasSuffix("error calling lt: incompatible types for comparison") == true)
        #expect(failure("{{ lt true false }}")?.hasSuffix("error calling lt: invalid type for comparison") == true)
    }

    // MARK: printing and printf

    @Test func floatPrinting() throws {
        let cases: [(Double, String)] = [
            (3, "3"), (1.5, "1.5"), (1e6, "1e+06"), (100000, "100000"), (123456.7, "123456.7"), (1234567, "1.234567e+06"),
            (123456789, "1.23456789e+08"), (0.0001, "0.0001"), (1e-5, "1e-05"), (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"), (-2.5e-7, "-2.5e-07"), (.nan, "NaN"), (.infinity, "+Inf"), (-.infinity, "-Inf"), (-0.0, "-0"), (0, "0"),
            (.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        ]
        for (v, s) in cases { #expect(try run("{{ . }}", dot: .float(v)) == s, "\(v)") }
        #expect(try run("{{ . }}", dot: .list([.int(1), .string("a"), .float(2.5), .null])) == "[1 a 2.5 <nil>]")
        #expect(try run("{{ . }}", dot: .map(["b": .string("x"), "a": .int(1)])) == "map[a:1 b:x]")
        #expect(try run("{{ . }}", dot: .stringMap(["job": "api", "instance": "h:1"])) == "map[instance:h:1 job:api]")
    }

    @Test func printfVerbs() throws {
        let cases: [(String, String)] = [
            (#"{{ printf "%.2f" 3.14159 }}"#, "3.14"),
            // Widths from arguments: Go's limit of 10^6, and no trap on the most negative int.
            (#"{{ printf "%*d|" 3 7 }}"#, "  7|"),
            (#"{{ printf "%*d" 2000000 7 }}"#, "%!(BADWIDTH)7"),
            (#"{{ printf "%*d" -9223372036854775808 7 }}"#, "%!(BADWIDTH)7"),
            (#"{{ printf "%5.1f|" 3.14159 }}"#, "  3.1|"),
            (#"{{ printf "%08.3f" -3.14159 }}"#, "-003.142"),
            (#"{{ printf "%-10s|" "ab" }}"#, "ab        |"),
            (#"{{ printf "%10s|" "ab" }}"#, "        ab|"),
            (#"{{ printf "%.2s" "abc" }}"#, "ab"),
            (#"{{ printf "%+d %d %5d|%-5d| %05d" 5 -3 42 42 -42 }}"#, "+5 -3    42|42   | -0042"),
            (#"{{ printf "%x %X %o %b %c" 255 255 8 5 65 }}"#, "ff FF 10 101 A"),
            (#"{{ printf "%x" "hi" }}"#, "6869"),
            (#"{{ printf "%q" "a\"b\n" }}"#, #""a\"b\n""#),
            (#"{{ printf "%e" 1.5 }}"#, "1.500000e+00"),
            (#"{{ printf "%.2e" 123456.0 }}"#, "1.23e+05"),
            (#"{{ printf "%E" 1e-10 }}"#, "1.000000E-10"),
            (#"{{ printf "%e" 1e100 }}"#, "1.000000e+100"),
            (#"{{ printf "%g" 1e6 }}"#, "1e+06"),
            (#"{{ printf "%g" 100000.0 }}"#, "100000"),
            (#"{{ printf "%.3g" 1234.5 }}"#, "1.23e+03"),
            (#"{{ printf "%.4g" 0.00001234 }}"#, "1.234e-05"),
            (#"{{ printf "%.4g" 1.0 }}"#, "1"),
            (#"{{ printf "%.4g" 100.0 }}"#, "100"),
            (#"{{ printf "%.2f" 2.675 }}"#, "2.67"),  // the binary value is below 2.675
            (#"{{ printf "%.0f %.0f" 0.5 1.5 }}"#, "0 2"),  // exact halves round to even
            (#"{{ printf "%f" 1e20 }}"#, "100000000000000000000.000000"),
            (#"{{ printf "%v %v" 1.0 "s" }}"#, "1 s"),
            (#"{{ printf "%6.2f%%" 12.345 }}"#, " 12.35%"),
            (#"{{ printf "%t" true }}"#, "true"),
            (#"{{ printf "%f %+.1f % d" 3.0 2.0 7 }}"#, "3.000000 +2.0  7"),
            (#"{{ printf "%d" 3.0 }}"#, "%!d(float64=3)"),
            (#"{{ printf "%.2f" 3 }}"#, "%!f(int=3)"),
            (#"{{ printf "%s" 5 }}"#, "%!s(int=5)"),
            (#"{{ printf "%s %s" "a" }}"#, "a %!s(MISSING)"),
            (#"{{ printf "%d" 1 2 }}"#, "1%!(EXTRA int=2)"),
            (#"{{ printf "%s" nil }}"#, "%!s(<nil>)"),
            (#"{{ printf "%v" nil }}"#, "<nil>"),
            (#"{{ printf "%[2]s %[1]s" "a" "b" }}"#, "b a"),
            (#"{{ printf "%*d|" 4 7 }}"#, "   7|"),
            (#"{{ printf "100%%" }}"#, "100%"),
            (#"{{ printf "%+v|%+d" 5 5 }}"#, "5|+5"),
        ]
        for (t, want) in cases { #expect(try run(t) == want, "\(t)") }
        #expect(try run(#"{{ printf "%f|%5.1f|%e" . . . }}"#, dot: .float(.infinity)) == "+Inf| +Inf|+Inf")
        #expect(try run(#"{{ printf "%f|%+f" . . }}"#, dot: .float(.nan)) == "NaN|+NaN")
        #expect(try run(#"{{ printf "%v|%s|%d" . . . }}"#, dot: .list([.int(1), .string("a")])) == "[1 a]|[%!s(int=1) a]|[1 %!d(string=a)]")
    }

    // MARK: Prometheus functions

    private static let queryResult: [TemplateSample] = [
        TemplateSample(labels: ["__name__": "metric", "instance": "b"], value: 21),
        TemplateSample(labels: ["__name__": "metric", "instance": "a", "__value__": "s"], value: 11),
    ]

    @Test func queryFunctions() throws {
        #expect(try run(#"{{ query "1.5" | first | value }}"#, query: [TemplateSample(labels: [:], value: 1.5)]) == "1.5")
        #expect(try run(#"{{ query "metric" | first | label "instance" }}"#, query: Self.queryResult) == "b")
        #expect(try run(#"{{ query "metric" | first | label "foo" }}"#, query: Self.queryResult) == "")
        #expect(try run(#"{{ $x := query "metric" | first }}{{ $x.Labels.foo }}"#, query: Self.queryResult) == "")
        #expect(try run(#"{{ range query "metric" | sortByLabel "instance" }}{{.Labels.instance}}:{{.Value}}: {{end}}"#,
                        query: Self.queryResult) == "a:11: b:21: ")
        #expect(try run(#"{{ range query "metric" }}{{ strvalue . }};{{ end }}"#, query: Self.queryResult) == ";s;")
        #expect(failure(#"{{ query "missing" | first }}"#, query: [])
            == #"template: test:1:21: executing "test" at <first>: error calling first: first() called on vector with no elements"#)
        #expect(failure(#"{{ query "x" }}"#)?.hasSuffix("error calling query: query is not available") == true)
    }

    @Test func humanizeFamily() throws {
        let r = "{{ range . }}{{ humanize . }}:{{ end }}"
        #expect(try run(r, dot: Self.floats([0, 1, 1234567, 0.12])) == "0:1:1.235M:120m:")
        #expect(try run(r, dot: Self.strings(["0.0", "1.0", "1234567.0", ".12"])) == "0:1:1.235M:120m:")
        #expect(try run(r, dot: Self.ints([0, -1, 1, 1234567, Int64.max])) == "0:-1:1:1.235M:9.223E:")
        #expect(try run(r, dot: Self.floats([1e-9, 0.0012345, 1e27, 1e30])) == "1n:1.234m:1000Y:1e+06Y:")
        #expect(failure(#"{{ humanize "one" }}"#)
            == #"template: test:1:3: executing "test" at <humanize "one">: error calling humanize: strconv.ParseFloat: parsing "one": invalid syntax"#)

        let r1024 = "{{ range . }}{{ humanize1024 . }}:{{ end }}"
        #expect(try run(r1024, dot: Self.floats([0, 1, 1048576, 0.12])) == "0:1:1Mi:0.12:")
        #expect(try run(r1024, dot: Self.ints([0, -1, 1, 1234567, Int64.max])) == "0:-1:1:1.177Mi:8Ei:")

        let rd = "{{ range . }}{{ humanizeDuration . }}:{{ end }}"
        #expect(try run(rd, dot: Self.floats([0, 1, 60, 3600, 86400, 86400 + 3600, -(86400 * 2 + 3600 * 3 + 60 * 4 + 5), 899.99]))
            == "0s:1s:1m 0s:1h 0m 0s:1d 0h 0m 0s:1d 1h 0m 0s:-2d 3h 4m 5s:14m 59s:")
        #expect(try run(rd, dot: Self.floats([0.1, 0.0001, 0.12345, 60.1, 60.5, 1.2345, 12.345]))
            == "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:")
        #expect(try run(rd, dot: Self.strings([".1", ".0001", ".12345", "60.1", "60.5", "1.2345", "12.345"]))
            == "100ms:100us:123.5ms:1m 0s:1m 0s:1.234s:12.35s:")
        #expect(try run(rd, dot: Self.ints([0, -1, 1, 1234567])) == "0s:-1s:1s:14d 6h 56m 7s:")

        let all = "{{ range . }}{{ humanize . }}:{{ humanize1024 . }}:{{ humanizeDuration . }}:{{humanizeTimestamp .}}:{{ end }}"
        let special = "+Inf:+Inf:+Inf:+Inf:-Inf:-Inf:-Inf:-Inf:NaN:NaN:NaN:NaN:"
        #expect(try run(all, dot: Self.floats([.infinity, -.infinity, .nan])) == special)
        #expect(try run(all, dot: Self.strings(["+Inf", "-Inf", "NaN"])) == special)

        #expect(try run("{{ -0.22222 | humanizePercentage }}:{{ 0.0 | humanizePercentage }}:{{ 0.1234567 | humanizePercentage }}:{{ 1.23456 | humanizePercentage }}")
            == "-22.22%:0%:12.35%:123.5%")
        #expect(try run("{{ range . }}{{ humanizePercentage . }}:{{ end }}", dot: Self.ints([0, -1, 1, 1234567, Int64.max]))
            == "0%:-100%:100%:1.235e+08%:9.223e+20%:")
        #expect(failure(#"{{ "one" | humanizePercentage }}"#)
            == #"template: test:1:11: executing "test" at <humanizePercentage>: error calling humanizePercentage: strconv.ParseFloat: parsing "one": invalid syntax"#)
    }

    @Test func timestamps() throws {
        #expect(try run("{{ range . }}{{ humanizeTimestamp . }}:{{ end }}", dot: Self.ints([0, -1, 1, 1234567, 9223372036]))
            == "1970-01-01 00:00:00 +0000 UTC:1969-12-31 23:59:59 +0000 UTC:1970-01-01 00:00:01 +0000 UTC:1970-01-15 06:56:07 +0000 UTC:2262-04-11 23:47:16 +0000 UTC:")
        #expect(failure("{{ range . }}{{ humanizeTimestamp . }}:{{ end }}", dot: Self.ints([Int64.min]))
            == #"template: test:1:16: executing "test" at <humanizeTimestamp .>: error calling humanizeTimestamp: -9.223372036854776e+18 cannot be represented as a nanoseconds timestamp since it overflows int64"#)
        #expect(try run("{{ 1435065584.128 | humanizeTimestamp }}") == "2015-06-23 13:19:44.128 +0000 UTC")
        #expect(try run(#"{{ "1435065584.128" | humanizeTimestamp }}"#) == "2015-06-23 13:19:44.128 +0000 UTC")
        #expect(try run(#"{{ (1435065584.128 | toTime).Format "2006" }}"#) == "2015")
        #expect(try run(#"{{ ("1435065584.128" | toTime).Format "Mon Jan _2 15:04:05.000 MST 2006 03:04PM -07:00 Z07:00 .999" }}"#)
            == "Tue Jun 23 13:19:44.128 UTC 2015 01:19PM +00:00 Z .128")
        #expect(try run(#"{{ (toTime 1657155181).Unix }} {{ toTime 0 }}"#) == "1657155181 1970-01-01 00:00:00 +0000 UTC")
    }

    @Test func stringAndURLFunctions() throws {
        #expect(try run(#"{{ "aa bb CC" | title }}|{{ "aa bb CC" | toUpper }}|{{ "aA bB CC" | toLower }}"#) == "Aa Bb CC|AA BB CC|aa bb cc")
        #expect(try run(#"{{ match "a+" "aa" }} {{ match "a+" "b" }} {{ match "^b$" "b\n" }}"#) == "true false false")
        #expect(try run(#"{{ reReplaceAll "(a)b" "x$1" "ab" }}"#) == "xa")
        #expect(try run(#"{{ reReplaceAll "(?P<host>[^:]+):(\\d+)" "${host}/$2/$$/$1x" "h:90" }}"#) == "h/90/$/")
        #expect(try run(#"{{ reReplaceAll "a*" "X" "baaac" }}"#) == "XbXcX")
        #expect(failure(#"{{ reReplaceAll "(" "" "" }}"#)?.contains("error calling reReplaceAll: regexp: Compile(") == true)
        #expect(try run(#"{{ graphLink "up{job=\"a b\"}" }}|{{ tableLink "up" }}"#) == "/graph?g0.expr=up%7Bjob%3D%22a+b%22%7D&g0.tab=0|/graph?g0.expr=up&g0.tab=1")
        #expect(try run("{{ pathPrefix }}|{{ externalURL }}") == "/path/prefix|http://testhost:9090/path/prefix")
        #expect(try run(#"{{ printf "%0.2f" (parseDuration "1h2m10ms") }}"#) == "3720.01")
        #expect(failure(#"{{ parseDuration "1x" }}"#)?.hasSuffix(#"not a valid duration string: "1x""#) == true)
        #expect(try run(#"{{ "<b>" | safeHtml }}"#) == "<b>")
    }

    @Test func hostFunctions() throws {
        let port: [(String, String)] = [("foo.example.com", "foo.example.com"), ("foo.example.com:12345", "foo.example.com"),
                                        ("192.0.2.1", "192.0.2.1"), ("192.0.2.1:12345", "192.0.2.1"), ("2001:0DB8::1", "2001:0DB8::1"),
                                        ("[2001:0DB8::1]:12345", "2001:0DB8::1"), ("[2001:0DB8::1]::12345", "[2001:0DB8::1]::12345")]
        for (i, o) in port { #expect(try run("{{ . | stripPort }}", dot: .string(i)) == o, "\(i)") }
        let domain: [(String, String)] = [("foo.example.com", "foo"), ("foo.example.com:12345", "foo:12345"), ("192.0.2.1", "192.0.2.1"),
                                          ("192.0.2.1:12345", "192.0.2.1:12345"), ("2001:0DB8::1", "2001:0DB8::1"),
                                          ("[2001:0DB8::1]:12345", "[2001:0DB8::1]:12345"), ("[2001:0DB8::1]::12345", "[2001:0DB8::1]::12345")]
        for (i, o) in domain { #expect(try run("{{ . | stripDomain }}", dot: .string(i)) == o, "\(i)") }
    }

    // MARK: alert templates

    @Test func alertTemplates() throws {
        let labels = ["instance": "host:9100", "job": "node"]
        func expand(_ text: String, value: Double = 3) throws -> String {
            try AlertTemplate.expand(try AlertTemplate.parse(text, name: "__alert_HighLoad"), labels: labels, value: value,
                                     externalLabels: ["dc": "eu"], externalURL: Self.externalURL, query: nil)
        }
        #expect(try expand("{{ $labels.instance }} is at {{ $value }}") == "host:9100 is at 3")
        #expect(try expand("{{ $value }}", value: 1e6) == "1e+06")
        #expect(try expand("{{ $value | humanize }}", value: 1e6) == "1M")
        #expect(try expand("[{{ $labels.nope }}] {{ $externalLabels.dc }} {{ $externalURL }}") == "[] eu \(Self.externalURL)")
        #expect(try expand("{{ .Labels.job }} {{ .Value }}", value: 0.5) == "node 0.5")
        #expect(try expand("{{ printf \"%.1f\" $value }}", value: 2.25) == "2.2")
        #expect(throws: TemplateError(#"error executing template __alert_HighLoad: template: __alert_HighLoad:1:118: executing "__alert_HighLoad" at <gt $value 80>: error calling gt: incompatible types for comparison"#)) {
            _ = try expand("{{ if gt $value 80 }}x{{ end }}")
        }
        #expect(throws: TemplateError(#"error executing template __alert_HighLoad: template: __alert_HighLoad:1:115: executing "__alert_HighLoad" at <.Foo>: can't evaluate field Foo in type struct { Labels map[string]string; ExternalLabels map[string]string; ExternalURL string; Value float64 }"#)) {
            _ = try expand("{{ .Foo }}")
        }
    }

    // MARK: Alertmanager functions and extension

    @Test func alertmanagerFunctions() throws {
        let am = TemplateFunctions.alertmanager
        #expect(try run(#"{{ join ", " (stringSlice "a" "b") }}|{{ "  x " | trimSpace | toUpper }}"#, functions: am) == "a, b|X")
        let t: TemplateValue = .time(TemplateTime(seconds: 1_435_065_584, nanoseconds: 128_000_000))
        #expect(try run(#"{{ date "2006-01-02T15:04:05Z07:00" . }}|{{ .Format "Jan 2, 2006 at 3:04pm (MST)" }}"#, dot: t, functions: am)
            == "2015-06-23T13:19:44Z|Jun 23, 2015 at 1:19pm (UTC)")
        #expect(failure("{{ humanize 1 }}", functions: am) == #"template: test:1: function "humanize" not defined"#)
    }

    @Test func customFunctions() throws {
        let fs = TemplateFunctions.goBuiltins.adding("double", TemplateFunction(arity: 1) { a, _ in
            guard case .int(let i) = a[0] else { throw TemplateError("not an int") }
            return .int(i * 2)
        })
        #expect(try run("{{ 21 | double }}", functions: fs) == "42")
        #expect(failure(#"{{ double "x" }}"#, functions: fs) == #"template: test:1:3: executing "test" at <double "x">: error calling double: not an int"#)
        let t = try Template("{{ $a }}-{{ .x }}", name: "p", predeclared: ["a"])
        #expect(try t.execute(dot: .map(["x": .int(1)]), variables: ["a": .string("A")]) == "A-1")
    }
}
