import Testing
@testable import TSDB

@Suite struct RelabelTests {
    // MARK: helpers

    private func labels(_ d: [String: String]) throws -> Labels { try Labels(d) }

    private func relabel(_ d: [String: String], _ rules: [RelabelRule]) throws -> [String: String]? {
        guard let out = try Relabeler(rules).apply(try Labels(d)) else { return nil }
        return Dictionary(uniqueKeysWithValues: out.pairs.map { ($0.name, $0.value) })
    }

    private let node: [String: String] = ["__name__": "node_cpu_seconds_total", "cpu": "0", "mode": "idle",
                                          "instance": "10.0.0.1:9100", "job": "node"]

    // MARK: defaults, parsing

    @Test func defaultsMatchPrometheus() throws {
        let r = try RelabelRule(targetLabel: "x")
        #expect(r.sourceLabels == [])
        #expect(r.separator == ";")
        #expect(r.regex.pattern == "(.*)")
        #expect(r.regex.isDefault)
        #expect(r.replacement == "$1")
        #expect(r.modulus == 0)
        #expect(r.action == .replace)
    }

    @Test func actionParsingIsCaseInsensitive() throws {
        #expect(try RelabelAction(parsing: "LabelMap") == .labelMap)
        #expect(try RelabelAction(parsing: "keepequal") == .keepEqual)
        #expect(throws: RelabelError.unknownAction("rename")) { try RelabelAction(parsing: "rename") }
        #expect(RelabelAction.allCases.count == 11)
    }

    // MARK: replace

    @Test func replaceCopiesWithCaptureGroupsAndSeparator() throws {
        let r = try RelabelRule(sourceLabels: ["job", "instance"], separator: "/", targetLabel: "where",
                                regex: "(.*)/([^:]+):\\d+", replacement: "$2 of $1")
        let out = try relabel(node, [r])
        #expect(out?["where"] == "10.0.0.1 of node")
        #expect(out?["job"] == "node")
    }

    @Test func replaceDefaultRegexCopiesJoinedValues() throws {
        let r = try RelabelRule(sourceLabels: ["job", "mode"], targetLabel: "jm")
        #expect(try relabel(node, [r])?["jm"] == "node;idle")
    }

    @Test func replaceWithoutMatchChangesNothingAndReturnsInput() throws {
        let input = try labels(node)
        let r = try RelabelRule(sourceLabels: ["job"], targetLabel: "x", regex: "prometheus")
        let out = try Relabeler([r]).apply(input)
        #expect(out == input)
    }

    @Test func replaceWithEmptyResultDeletesTarget() throws {
        // Absent source → "" matches (.*) → $1 is "" → the target is removed.
        let r = try RelabelRule(sourceLabels: ["missing"], targetLabel: "mode")
        let out = try relabel(node, [r])
        #expect(out?["mode"] == nil)
        #expect(out?["cpu"] == "0")
    }

    @Test func replaceLiteralSetsValueEvenWithoutSources() throws {
        let r = try RelabelRule(targetLabel: "env", replacement: "prod")
        #expect(try relabel(node, [r])?["env"] == "prod")
    }

    @Test func replaceTargetTemplateExpandsAndInvalidExpansionSkips() throws {
        let r = try RelabelRule(sourceLabels: ["mode"], targetLabel: "${1}_mode", regex: "(.*)", replacement: "yes")
        #expect(try relabel(node, [r])?["idle_mode"] == "yes")
        // cpu "0" expands the target to "0", not a label name: the rule is skipped.
        let skip = try RelabelRule(sourceLabels: ["cpu"], targetLabel: "$1", replacement: "x")
        #expect(try relabel(node, [skip]) == node)
    }

    @Test func replaceSettingInvalidMetricNameThrows() throws {
        let r = try RelabelRule(sourceLabels: ["cpu"], targetLabel: "__name__")
        #expect(throws: LabelError.invalidMetricName("0")) { try relabel(node, [r]) }
    }

    // MARK: anchoring and regex semantics

    @Test func regexesAreFullyAnchored() throws {
        func keeps(_ regex: String, _ value: String) throws -> Bool {
            try relabel(["a": value, "z": "1"], [RelabelRule(sourceLabels: ["a"], regex: regex, action: .keep)]) != nil
        }
        #expect(try keeps("bar", "bar"))
        #expect(try !keeps("bar", "foobar"))
        #expect(try !keeps("bar", "barn"))
        #expect(try keeps("ba.", "bar"))
        #expect(try !keeps("ba.", "xbar"))
        #expect(try keeps("(?:ba)+r", "babar"))   // Swift Regex path
        #expect(try !keeps("(?:ba)+r", "xbabar"))
        #expect(try !keeps("(?:ba)+r", "barx"))
        #expect(try !keeps("b|ba", "bar"))
        #expect(try keeps("ba[rz]|x", "baz"))
        #expect(try !keeps("ba[rz]|x", "baz1"))
        #expect(try keeps("b.*r", "bar"))
        #expect(try !keeps("b.*r", "bart"))
        #expect(try keeps("", ""))
        #expect(try !keeps("", "x"))
        // Prometheus wraps as ^(?s:re)$, so an unbalanced "a)|(b" leaves each side half-anchored.
        #expect(try keeps("a)|(b", "axyz"))
        #expect(try keeps("a)|(b", "xyzb"))
        #expect(try !keeps("a)|(b", "xa"))
    }

    @Test func matcherSelection() throws {
        func kind(_ p: String) throws -> String {
            switch try RelabelRegex(p).matcher {
            case .all: return "all"
            case .literal: return "literal"
            case .literalSet: return "set"
            case .simple: return "simple"
            case .engine: return "engine"
            }
        }
        #expect(try kind("(.*)") == "all")
        #expect(try kind(".*") == "all")
        #expect(try kind("foo\\.bar") == "literal")
        #expect(try kind("a|b|c") == "set")
        #expect(try kind("(a|b)") == "set")
        #expect(try kind("([^:]+):\\d+") == "simple")
        #expect(try kind("go_.*|process_.*") == "simple")
        for p in ["(?i)x", "a{2}", "(a)+", "(?P<n>a)", "a*?", "[[:alpha:]]", "[é]", "((a))"] {
            #expect(try kind(p) == "engine", "\(p)")
        }
    }

    @Test func dotMatchesNewlines() throws {
        let builtIn = try RelabelRegex("a.*b"), engine = try RelabelRegex("a.{1}b")
        #expect(builtIn.matches("a\nb"))
        #expect(engine.matches("a\nb"))
    }

    @Test func re2ClassesAreASCIIAndShortUnicodeClassesWork() throws {
        #expect(try RelabelRegex("\\d+").matches("123"))
        #expect(try !RelabelRegex("\\d+").matches("١٢"))
        #expect(try !RelabelRegex("\\w+").matches("é"))
        #expect(try RelabelRegex("\\pL+").matches("éa"))
        #expect(try RelabelRegex("\\PL+").matches("12"))
        #expect(try RelabelRegex("x{,3}").matches("x{,3}"))   // not a repeat in RE2: literal
        #expect(try RelabelRegex("x{2,3}").matches("xxx"))
        #expect(try RelabelRegex("(?i)abc").matches("ABC"))
        #expect(try RelabelRegex("[a[]+").matches("a[a"))     // `[` is literal inside an RE2 class
        #expect(try RelabelRegex("[]a]+").matches("]a"))      // leading `]` is literal in RE2
        #expect(try RelabelRegex("\\Qa.b\\E+").matches("a.bb"))
        #expect(try !RelabelRegex("\\Qa.b\\E").matches("axb"))
        #expect(try RelabelRegex("[\\d.]+").matches("1.2"))
        #expect(try RelabelRegex("a\\vb").matches("a\u{0B}b"))  // RE2 \v is the vertical tab only
        #expect(try !RelabelRegex("a\\vb").matches("a\nb"))
    }

    @Test func builtInMatcherAgreesWithSwiftRegex() throws {
        // Patterns the built-in matcher takes, checked group by group against Swift Regex (same
        // leftmost-first semantics as RE2 for these shapes).
        let patterns = ["(.*)", ".+", "foo", "a|b|", "(a|ab)(c|bcd).*", "(.*)_(.+)", "__meta_(.+)", "(.+)_total",
                        "node_(cpu|memory)_.+", "(?:x|y)(.*)", "(.*)(.+)", "a\\.b(.*)", "(.*)(.*)",
                        "([^:]+):(\\d+)", "([^:]+)(:?).*", "[a-c]+_.", "a.c", "\\w+|(x)(.*)", "go_.*|process_.*|(a)b?",
                        "(\\S*)_(\\D+)", "[^_]*_[\\w.]+", "(x*)(x+)", "(\\s?)(.?)", "[]a]+|[^]a]+", "[-a-c\\]]*", "x\\*?y"]
        let inputs = ["", "a", "b", "abcd", "foo", "a_b_c", "__meta_x", "x_total", "node_cpu_seconds", "node_disk_x",
                      "y日本", "日本", "a.bc", "axb", "_total", "node_memory_", "10.0.0.1:9100", "host:", "host:x",
                      "go_gc", "process_x", "ab", "xxx", "x", " 日", "é_日本", "]]a", "-a]c", "xy", "x*y", "abc_d", "a\nb:1"]
        for p in patterns {
            let ours = try RelabelRegex(p)
            guard case .engine = ours.matcher else {
                let swift = try Regex("(?s:" + RE2Translation.translate(p).swiftPattern + ")")
                    .matchingSemantics(.unicodeScalar).asciiOnlyCharacterClasses()
                for s in inputs {
                    let expected = try swift.wholeMatch(in: s)
                    let got = ours.match(s)
                    #expect((expected != nil) == (got != nil), "\(p) on \(s)")
                    #expect(ours.matches(s) == (expected != nil), "\(p) on \(s)")
                    guard let e = expected, let g = got else { continue }
                    for i in 0..<e.output.count {
                        #expect(e.output[i].substring.map(String.init) == g.group(i), "\(p) on \(s) group \(i)")
                    }
                }
                continue
            }
            Issue.record("\(p) should use the built-in matcher")
        }
    }

    // MARK: expansion

    private func expand(_ regex: String, _ template: String, _ value: String) throws -> String? {
        let re = try RelabelRegex(regex)
        return re.match(value).map { ExpansionTemplate(template).expand($0) }
    }

    @Test func expansionFollowsGoExpand() throws {
        #expect(try expand("(a)(b)", "$1", "ab") == "a")
        #expect(try expand("(a)(b)", "${1}x", "ab") == "ax")
        #expect(try expand("(a)(b)", "$1x", "ab") == "")          // group "1x" does not exist
        #expect(try expand("(a)(b)", "$2$1", "ab") == "ba")
        #expect(try expand("(a)(b)", "$0", "ab") == "ab")
        #expect(try expand("(a)(b)", "$3", "ab") == "")           // out of range
        #expect(try expand("(a)(b)", "$01", "ab") == "")          // leading zero: a name, not a number
        #expect(try expand("(a)(b)", "$$1", "ab") == "$1")
        #expect(try expand("(a)(b)", "cost: $", "ab") == "cost: $")   // malformed reference stays literal
        #expect(try expand("(a)(b)", "${1", "ab") == "${1")
        #expect(try expand("(a)(b)", "x-${2}-y", "ab") == "x-b-y")
        #expect(try expand("(?P<host>[^:]+):(?<port>\\d+)", "$host/${port}", "h:80") == "h/80")
        #expect(try expand("(?P<host>[^:]+):(?<port>\\d+)", "$hostx", "h:80") == "")
        #expect(try expand("(?P<host>[^:]+):(?<port>\\d+)", "$1:$2", "h:80") == "h:80")
        #expect(try expand("(a)|(b)", "[$1][$2]", "b") == "[][b]")  // non-participating group is ""
        #expect(try expand("(日)(.)", "$2$1", "日本") == "本日")
    }

    @Test func templateValidation() {
        for ok in ["a", "_a1", "$1", "${1}", "foo_$1", "${1}x", "$name_2", "a$1$2"] {
            #expect(ExpansionTemplate.isValidLabelNameTemplate(ok), "\(ok)")
        }
        for bad in ["", "1a", "a-b", "$", "${}", "${1", "$-", "a.b", "é"] {
            #expect(!ExpansionTemplate.isValidLabelNameTemplate(bad), "\(bad)")
        }
    }

    // MARK: keep / drop / keepequal / dropequal

    @Test func keepAndDrop() throws {
        let keep = try RelabelRule(sourceLabels: ["__name__"], regex: "node_(cpu|memory)_.+", action: .keep)
        let drop = try RelabelRule(sourceLabels: ["mode"], regex: "idle|iowait", action: .drop)
        #expect(try relabel(node, [keep]) == node)
        #expect(try relabel(["__name__": "go_goroutines"], [keep]) == nil)
        #expect(try relabel(node, [drop]) == nil)
        #expect(try relabel(node.merging(["mode": "user"]) { $1 }, [drop])?["mode"] == "user")
        // Missing source labels are "": drop on "^$" drops sets lacking the label.
        let dropMissing = try RelabelRule(sourceLabels: ["team"], regex: "", action: .drop)
        #expect(try relabel(node, [dropMissing]) == nil)
    }

    @Test func keepEqualAndDropEqual() throws {
        let keq = try RelabelRule(sourceLabels: ["a"], targetLabel: "b", action: .keepEqual)
        let deq = try RelabelRule(sourceLabels: ["a"], targetLabel: "b", action: .dropEqual)
        #expect(try relabel(["a": "1", "b": "1"], [keq]) != nil)
        #expect(try relabel(["a": "1", "b": "2"], [keq]) == nil)
        #expect(try relabel(["a": "1", "b": "1"], [deq]) == nil)
        #expect(try relabel(["a": "1", "b": "2"], [deq]) != nil)
        #expect(try relabel(["c": "1"], [keq]) != nil)   // both absent: "" == ""
    }

    // MARK: hashmod

    @Test func md5MatchesKnownDigests() {
        // Hex digests from Python: hashlib.md5(s.encode()).hexdigest()
        let cases: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("foo", "acbd18db4cc2f85cedef654fccc4a4d8"),
            (String(repeating: "x", count: 55), "04364420e25c512fd958a70738aa8f72"),
            (String(repeating: "x", count: 56), "668a72d5ba17f08e62dabcafad6db14b"),
            (String(repeating: "x", count: 64), "c1bb4f81d892b2d57947682aeb252456"),
            (String(repeating: "x", count: 200), "30a83621ce5422fbdfdd539777458c78"),
            ("é日本", "0e46a0c6283c93a2871fe3300ae1afb8"),
        ]
        for (s, hex) in cases {
            #expect(MD5.digest(s).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined() == hex)
        }
    }

    @Test func hashmodMatchesIndependentlyComputedValues() throws {
        // Expected values from Python, as Prometheus defines hashmod:
        //   struct.unpack(">Q", hashlib.md5(s.encode()).digest()[8:])[0] % m
        let cases: [(String, UInt64, String)] = [
            ("foo", 1000, "696"),
            ("10.0.0.1:9100", 4, "1"),
            ("10.0.0.2:9100", 4, "1"),
            ("node-1.example.com:9100;node", 1_000_000, "921367"),
            (String(repeating: "x", count: 55), 13, "9"),
            (String(repeating: "x", count: 56), 13, "12"),
            (String(repeating: "x", count: 64), 97, "55"),
            ("é日本", 1000, "800"),
            (String(repeating: "x", count: 200), UInt64.max, "16131141350317198456"),
        ]
        for (value, m, expected) in cases {
            let r = try RelabelRule(sourceLabels: ["v"], targetLabel: "shard", modulus: m, action: .hashMod)
            #expect(try relabel(["v": value], [r])?["shard"] == expected, "\(value)")
        }
        // Joined sources: "a;b" → 2 (mod 7); absent sources hash "" → 958 (mod 1000).
        let joined = try RelabelRule(sourceLabels: ["a", "b"], targetLabel: "s", modulus: 7, action: .hashMod)
        #expect(try relabel(["a": "a", "b": "b"], [joined])?["s"] == "2")
        let empty = try RelabelRule(sourceLabels: ["nope"], targetLabel: "s", modulus: 1000, action: .hashMod)
        #expect(try relabel(["a": "a"], [empty])?["s"] == "958")
    }

    // MARK: labelmap / labeldrop / labelkeep

    @Test func labelmapCopiesMatchingNames() throws {
        let r = try RelabelRule(regex: "__meta_kubernetes_pod_label_(.+)", replacement: "$1", action: .labelMap)
        let out = try relabel(["__meta_kubernetes_pod_label_app": "api", "__meta_kubernetes_pod_label_tier": "web",
                               "__address__": "1.2.3.4:80"], [r])
        #expect(out == ["__meta_kubernetes_pod_label_app": "api", "__meta_kubernetes_pod_label_tier": "web",
                        "__address__": "1.2.3.4:80", "app": "api", "tier": "web"])
    }

    @Test func labelmapWithEngineRegexAndTemplate() throws {
        let r = try RelabelRule(regex: "__meta_(\\w+?)_label_(.+)", replacement: "${1}_$2", action: .labelMap)
        let out = try relabel(["__meta_consul_label_dc": "eu"], [r])
        #expect(out?["consul_dc"] == "eu")
    }

    @Test func labelmapDoesNotRemapItsOwnOutput() throws {
        // (.*) → ${1}_x visits the labels as they were before the rule (Prometheus' Builder.Range):
        // a → a_x=1 overwrites a_x, and the original a_x=2 still maps to a_x_x; a_x_x is not visited.
        let r = try RelabelRule(regex: "(.*)", replacement: "${1}_x", action: .labelMap)
        let out = try relabel(["a": "1", "a_x": "2"], [r])
        #expect(out == ["a": "1", "a_x": "1", "a_x_x": "2"])
    }

    @Test func labelmapToInvalidNameThrows() throws {
        let r = try RelabelRule(regex: "foo_(.*)", replacement: "$1", action: .labelMap)
        #expect(throws: LabelError.invalidLabelName("1bar")) { try relabel(["foo_1bar": "v"], [r]) }
    }

    @Test func labeldropAndLabelkeep() throws {
        let drop = try RelabelRule(regex: "cpu|mode", action: .labelDrop)
        #expect(try relabel(node, [drop]) == ["__name__": "node_cpu_seconds_total", "instance": "10.0.0.1:9100", "job": "node"])
        let keep = try RelabelRule(regex: "__name__|job|c.u", action: .labelKeep)
        #expect(try relabel(node, [keep]) == ["__name__": "node_cpu_seconds_total", "job": "node", "cpu": "0"])
        let dropAll = try RelabelRule(regex: ".*", action: .labelDrop)
        #expect(try relabel(node, [dropAll]) == nil)   // nothing left: dropped
    }

    // MARK: lowercase / uppercase

    @Test func lowercaseAndUppercaseLikeGo() throws {
        let lo = try RelabelRule(sourceLabels: ["v"], targetLabel: "lo", action: .lowercase)
        let up = try RelabelRule(sourceLabels: ["v"], targetLabel: "up", action: .uppercase)
        let out = try relabel(["v": "Straße-İstanbul-Ab1"], [lo, up])
        #expect(out?["lo"] == "straße-istanbul-ab1")
        #expect(out?["up"] == "STRAßE-İSTANBUL-AB1")   // Go keeps ß (no simple upper mapping)
        #expect(try relabel(["v": "MiXeD"], [lo])?["lo"] == "mixed")
        #expect(try relabel(["w": "x"], [lo])?["lo"] == nil)   // empty source: target absent
    }

    // MARK: chains, fast paths, builder

    @Test func rulesChainAndSeeEarlierChanges() throws {
        let rules = [
            try RelabelRule(sourceLabels: ["instance"], targetLabel: "host", regex: "([^:]+):\\d+"),
            try RelabelRule(sourceLabels: ["host"], regex: "10\\.0\\..*", action: .keep),
            try RelabelRule(regex: "instance", action: .labelDrop),
            try RelabelRule(sourceLabels: ["host"], targetLabel: "shard", modulus: 4, action: .hashMod),
        ]
        let out = try relabel(node, rules)
        #expect(out?["host"] == "10.0.0.1")
        #expect(out?["instance"] == nil)
        #expect(out?["shard"] != nil)
        #expect(try relabel(node.merging(["instance": "192.168.0.1:1"]) { $1 }, rules) == nil)
    }

    @Test func dropStopsTheChain() throws {
        let rules = [
            try RelabelRule(sourceLabels: ["job"], regex: "node", action: .drop),
            try RelabelRule(targetLabel: "__name__", replacement: "1bad"),   // would throw if reached
        ]
        #expect(try relabel(node, rules) == nil)
    }

    @Test func processTreatsInvalidResultsAsDropped() throws {
        let r = try RelabelRule(regex: "foo_(.*)", replacement: "$1", action: .labelMap)
        #expect(Relabeler([r]).process(try labels(["foo_1bar": "v"])) == nil)
        #expect(Relabeler([r]).process(try labels(["foo_bar": "v"]))?["bar"] == "v")
        // Optional target/modulus as a config loader passes them: nil means unset.
        let absent: String? = nil
        #expect(throws: RelabelError.missingTargetLabel(.replace)) { try RelabelRule(targetLabel: absent, modulus: nil) }
    }

    @Test func emptyRuleListReturnsInput() throws {
        let input = try labels(node)
        #expect(try Relabeler([]).apply(input) == input)
        #expect(Relabeler([]).isEmpty)
    }

    @Test func resultWithoutMetricNameIsAllowed() throws {
        let r = try RelabelRule(regex: "__name__", action: .labelDrop)
        #expect(try relabel(node, [r])?["__name__"] == nil)
        #expect(try relabel(node, [r])?["job"] == "node")
    }

    @Test func builderApplyAndSortOrder() throws {
        var b = LabelsBuilder(try labels(["b": "1"]))
        b.set("a", to: "0")
        b["z"] = "2"
        b.remove("b")
        let rule = try RelabelRule(sourceLabels: ["a"], targetLabel: "c")
        #expect(Relabeler([rule]).apply(to: &b))
        let out = try b.labels()
        #expect(out?.pairs.map(\.name) == ["a", "c", "z"])
    }

    // MARK: validation errors

    @Test func validationErrors() {
        func err(_ make: () throws -> RelabelRule) -> RelabelError? {
            do { _ = try make(); return nil } catch { return error as? RelabelError }
        }
        #expect(err { try RelabelRule(sourceLabels: ["1a"], targetLabel: "x") } == .invalidSourceLabel("1a"))
        for a in [RelabelAction.replace, .lowercase, .uppercase, .keepEqual, .dropEqual] {
            #expect(err { try RelabelRule(action: a) } == .missingTargetLabel(a))
        }
        #expect(err { try RelabelRule(action: .hashMod) } == .missingModulus)
        #expect(err { try RelabelRule(modulus: 3, action: .hashMod) } == .missingTargetLabel(.hashMod))
        #expect(err { try RelabelRule(targetLabel: "a.b", modulus: 3, action: .hashMod) } == .invalidTargetLabel("a.b", .hashMod))
        #expect(err { try RelabelRule(targetLabel: "1x") } == .invalidTargetLabel("1x", .replace))
        #expect(err { try RelabelRule(targetLabel: "${1}-x") } == .invalidTargetLabel("${1}-x", .replace))
        #expect(err { try RelabelRule(targetLabel: "${1}_x") } == nil)
        #expect(err { try RelabelRule(targetLabel: "a-b", action: .lowercase) } == .invalidTargetLabel("a-b", .lowercase))
        #expect(err { try RelabelRule(targetLabel: "1", action: .keepEqual) } == .invalidTargetLabel("1", .keepEqual))
        #expect(err { try RelabelRule(targetLabel: "x", replacement: "y", action: .uppercase) } == .replacementNotAllowed(.uppercase))
        #expect(err { try RelabelRule(targetLabel: "x", replacement: "y", action: .dropEqual) } == .replacementNotAllowed(.dropEqual))
        #expect(err { try RelabelRule(replacement: "a-$1", action: .labelMap) } == .invalidReplacement("a-$1", .labelMap))
        #expect(err { try RelabelRule(replacement: "1$1", action: .labelMap) } == .invalidReplacement("1$1", .labelMap))
        #expect(err { try RelabelRule(targetLabel: "x", regex: "a", action: .keepEqual) } == .fieldNotAllowed(.regex, .keepEqual))
        #expect(err { try RelabelRule(targetLabel: "x", modulus: 2, action: .dropEqual) } == .fieldNotAllowed(.modulus, .dropEqual))
        #expect(err { try RelabelRule(separator: ",", targetLabel: "x", action: .keepEqual) } == .fieldNotAllowed(.separator, .keepEqual))
        #expect(err { try RelabelRule(sourceLabels: ["a"], regex: "a", action: .labelDrop) } == .fieldNotAllowed(.sourceLabels, .labelDrop))
        #expect(err { try RelabelRule(targetLabel: "t", regex: "a", action: .labelKeep) } == .fieldNotAllowed(.targetLabel, .labelKeep))
        #expect(err { try RelabelRule(regex: "a", modulus: 1, action: .labelKeep) } == .fieldNotAllowed(.modulus, .labelKeep))
        #expect(err { try RelabelRule(separator: "/", regex: "a", action: .labelDrop) } == .fieldNotAllowed(.separator, .labelDrop))
        #expect(err { try RelabelRule(regex: "a", replacement: "b", action: .labelDrop) } == .fieldNotAllowed(.replacement, .labelDrop))
        for bad in ["(", "a)", "[a", "(a)\\1", "a(?=b)", "a(?!b)", "(?<=a)b", "(?>a)", "a*+", "a**", "a\\Z", "x{1001}", "(?x)a"] {
            let e = err { try RelabelRule(targetLabel: "x", regex: bad) }
            if case .invalidRegex(let p, _) = e { #expect(p == bad) } else { Issue.record("\(bad) accepted: \(String(describing: e))") }
        }
    }

    @Test func errorDescriptionsNameTheField() {
        #expect(RelabelError.missingTargetLabel(.replace).description.hasPrefix("target_label: "))
        #expect(RelabelError.missingModulus.description.hasPrefix("modulus: "))
        #expect(RelabelError.invalidRegex("(", reason: "x").description.hasPrefix("regex: "))
        #expect(RelabelError.fieldNotAllowed(.separator, .labelDrop).description.hasPrefix("separator: "))
        #expect(RelabelError.unknownAction("x").field == .action)
        #expect(RelabelError.invalidReplacement("1", .labelMap).field == .replacement)
    }
}
