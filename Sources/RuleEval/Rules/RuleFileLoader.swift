import Foundation
import TSDB
import Yams

/// Reads Prometheus rule files (`groups:` of recording and alerting rules) with `promtool check
/// rules`' validation: unknown keys, a repeated group name, a rule that is neither or both kinds,
/// a missing or unparsable expression, invalid names and labels, and templates that do not parse.
public enum RuleFileLoader {
    /// Options of a load.
    public struct Options: Sendable {
        /// Unknown keys are ignored instead of rejected (promtool's `--ignore-unknown-fields`).
        public var ignoreUnknownFields = false
        public init() {}
    }

    /// Loads and validates `path`.
    public static func load(path: String, options: Options = Options()) throws(RuleFileError) -> RuleFile {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RuleFileError(file: path, problems: ["cannot read: \(error.localizedDescription)"])
        }
        return try parse(text, file: path, options: options)
    }

    /// Expands `rule_files:` globs (relative ones against `base`) into sorted, unique paths.
    public static func expand(globs: [String], base: String) -> [String] {
        var out: [String] = []
        for g in globs {
            let pattern = g.hasPrefix("/") ? g : base + "/" + g
            out += FileGlob.paths(matching: pattern)
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    static let groupKeys: Set<String> = ["name", "interval", "limit", "query_offset", "labels", "rules"]
    static let ruleKeys: Set<String> = ["record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"]

    /// Parses rule-file text; `file` names it in errors.
    public static func parse(_ text: String, file: String, options: Options = Options()) throws(RuleFileError) -> RuleFile {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw RuleFileError(file: file, problems: ["not valid YAML: \(error)"])
        }
        guard let root = root.map(YAMLMergeKeys.resolve) else { return RuleFile(path: file, groups: []) }
        var problems: [String] = []
        guard let top = root.mapping else { throw RuleFileError(file: file, problems: ["expected a mapping with groups:"]) }
        for (k, v) in top where k.string != "groups" && !options.ignoreUnknownFields {
            problems.append("\(pos(v)): field \(k.string ?? "?") not found in the rule file format")
        }
        var groups: [RuleGroupDefinition] = []
        var names = Set<String>()
        let groupNodes = top["groups"]?.sequence.map(Array.init) ?? []
        if let g = top["groups"], g.sequence == nil, !YAMLMapReader.isNull(g) { problems.append("\(pos(g)): groups: expected a list") }
        for (gi, gnode) in groupNodes.enumerated() {
            guard let gmap = gnode.mapping else { problems.append("\(pos(gnode)): groups[\(gi)]: expected a mapping"); continue }
            if !options.ignoreUnknownFields {
                for (k, _) in gmap where !groupKeys.contains(k.string ?? "") {
                    problems.append("\(pos(k)): field \(k.string ?? "?") not found in the rule group format")
                }
            }
            let name = gmap["name"]?.string ?? ""
            guard !name.isEmpty else { problems.append("\(pos(gnode)): groups[\(gi)]: groupname must not be empty"); continue }
            guard names.insert(name).inserted else {
                problems.append("\(pos(gmap["name"] ?? gnode)): groupname: \"\(name)\" is repeated in the same file")
                continue
            }
            var gProblems: [String] = []
            func duration(_ key: String) -> Int64? {
                guard let n = gmap[key], !YAMLMapReader.isNull(n) else { return nil }
                do { return try DurationParser.milliseconds(n.string ?? "") } catch {
                    gProblems.append("\(pos(n)): group \"\(name)\": \(key): \(error)")
                    return nil
                }
            }
            // `interval: 0s` means the global interval, as in Prometheus.
            var interval = duration("interval")
            if let i = interval, i < 0 { gProblems.append("\(pos(gnode)): group \"\(name)\": interval must not be negative") }
            if interval == 0 { interval = nil }
            let offset = duration("query_offset")
            var limit = 0
            if let l = gmap["limit"], !YAMLMapReader.isNull(l) {
                if let v = Int(l.string ?? ""), v >= 0 { limit = v } else { gProblems.append("\(pos(l)): group \"\(name)\": limit must be a non-negative integer") }
            }
            let groupLabels = labelMap(gmap["labels"], context: "group \"\(name)\"", &gProblems)
            var rules: [RuleDefinition] = []
            for (ri, rnode) in (gmap["rules"]?.sequence.map(Array.init) ?? []).enumerated() {
                if let r = rule(rnode, index: ri + 1, group: name, options: options, &gProblems) { rules.append(r) }
            }
            problems += gProblems
            groups.append(RuleGroupDefinition(
                name: name, file: file, intervalMs: interval, limit: limit, queryOffsetMs: offset,
                labels: groupLabels.map { Label(name: $0.0, value: $0.1) }.sorted(), rules: rules, line: gnode.mark?.line))
        }
        guard problems.isEmpty else { throw RuleFileError(file: file, problems: problems) }
        return RuleFile(path: file, groups: groups)
    }

    /// `line:column` of a node, as promtool prints it (`0:0` when unknown).
    static func pos(_ n: Node?) -> String {
        guard let m = n?.mark else { return "0:0" }
        return "\(m.line):\(m.column)"
    }

    static func labelMap(_ node: Node?, context: String, _ problems: inout [String]) -> [(String, String)] {
        guard let node, !YAMLMapReader.isNull(node) else { return [] }
        guard let m = node.mapping else { problems.append("\(pos(node)): \(context): expected a mapping"); return [] }
        var out: [(String, String)] = []
        for (k, v) in m {
            guard case .scalar(let s) = v else { problems.append("\(pos(v)): \(context): value of \(k.string ?? "?") must be a string"); continue }
            out.append((k.string ?? "", s.string))
        }
        return out
    }

    static func rule(_ node: Node, index: Int, group: String, options: Options, _ problems: inout [String]) -> RuleDefinition? {
        guard let m = node.mapping else { problems.append("\(pos(node)): group \"\(group)\", rule \(index): expected a mapping"); return nil }
        let record = m["record"], alert = m["alert"]
        let name = record?.string ?? alert?.string ?? ""
        let at = { (n: Node?) in "\(pos(n)): group \"\(group)\", rule \(index), \"\(name)\"" }
        let noPos = "group \"\(group)\", rule \(index), \"\(name)\""
        var ok = true
        func fail(_ s: String) { problems.append(s); ok = false }
        if !options.ignoreUnknownFields {
            for (k, _) in m where !ruleKeys.contains(k.string ?? "") {
                fail("\(pos(k)): \(noPos): field \(k.string ?? "?") not found in the rule format")
            }
        }
        let hasRecord = !(record?.string ?? "").isEmpty, hasAlert = !(alert?.string ?? "").isEmpty
        if hasRecord && hasAlert {
            fail("\(pos(record)): \(pos(alert)): \(noPos): only one of 'record' and 'alert' must be set")
        } else if !hasRecord && !hasAlert {
            fail("\(at(nil)): one of 'record' or 'alert' must be set")
        }
        let exprText = m["expr"]?.string ?? ""
        var expr: Expr?
        if exprText.isEmpty {
            fail("\(at(nil)): field 'expr' must be set in rule")
        } else {
            do { expr = try PromQLParser.parse(exprText) } catch {
                fail("\(at(m["expr"])): could not parse expression: \(error)")
            }
        }
        func duration(_ key: String) -> Int64 {
            guard let n = m[key], !YAMLMapReader.isNull(n) else { return 0 }
            do { return try DurationParser.milliseconds(n.string ?? "") } catch {
                fail("\(at(n)): \(key): \(error)")
                return 0
            }
        }
        let forMs = duration("for"), keepMs = duration("keep_firing_for")
        if hasRecord {
            if m["for"] != nil { fail("\(at(record)): invalid field 'for' in recording rule") }
            if m["keep_firing_for"] != nil { fail("\(at(record)): invalid field 'keep_firing_for' in recording rule") }
            if m["annotations"] != nil { fail("\(at(record)): invalid field 'annotations' in recording rule") }
            if !LabelValidation.isValidMetricName(name) { fail("\(at(record)): invalid recording rule name: \(name)") }
        }
        var labels: [TemplatedField] = []
        for (k, v) in labelMap(m["labels"], context: noPos, &problems) {
            guard LabelValidation.isValidLabelName(k), k != "__name__" else { fail("\(noPos): invalid label name: \(k)"); continue }
            // Recording rules' label values are plain text; alerting rules' are templates.
            guard hasAlert else { labels.append(TemplatedField(name: k, text: v, template: nil)); continue }
            do { labels.append(TemplatedField(name: k, text: v, template: try AlertTemplate.parse(v, name: "__alert_\(name)"))) } catch {
                fail("\(noPos): label \"\(k)\": \(error)")
            }
        }
        var annotations: [TemplatedField] = []
        for (k, v) in labelMap(m["annotations"], context: noPos, &problems) {
            guard LabelValidation.isValidLabelName(k) else { fail("\(noPos): invalid annotation name: \(k)"); continue }
            do { annotations.append(TemplatedField(name: k, text: v, template: try AlertTemplate.parse(v, name: "__alert_\(name)"))) } catch {
                fail("\(noPos): annotation \"\(k)\": \(error)")
            }
        }
        guard ok, let expr else { return nil }
        return RuleDefinition(kind: hasRecord ? .recording : .alerting, name: name, exprText: exprText, expr: expr,
                              forMs: forMs, keepFiringForMs: keepMs, labels: labels, annotations: annotations,
                              line: node.mark?.line)
    }
}
