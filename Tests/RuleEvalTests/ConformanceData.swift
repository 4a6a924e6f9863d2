import Foundation

/// Where the shared PromQL conformance data is: `shared/conformance/promql` in the nearest
/// directory above this file that has one (the repo's sibling `../shared`), else /work/shared.
enum ConformanceData {
    static let promql: String = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            let candidate = dir.appendingPathComponent("shared/conformance/promql").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return "/work/shared/conformance/promql"
    }()

    /// `shared/conformance/rules`: rule files, rule unit tests and `rulefmt/` cases.
    static var rules: String { (promql as NSString).deletingLastPathComponent + "/rules" }

    /// The rows of `cases-v2.42.tsv` (header dropped), split on tabs.
    static func cases() throws -> [[Substring]] {
        let text = try String(contentsOfFile: promql + "/cases-v2.42.tsv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    /// The upstream PromQL test scripts (`*.test`) in the corpus.
    static let promqlScripts: [String] = [
        "aggregators.test", "at_modifier.test", "collision.test", "duration_expression.test",
        "extended_vectors.test", "fill-modifier.test", "functions.test", "histograms.test", "info.test",
        "limit.test", "literals.test", "name_label_dropping.test", "native_histograms.test", "operators.test",
        "range_queries.test", "selectors.test", "staleness.test", "start_timestamps.test", "subquery.test",
        "trig_functions.test", "type_and_unit.test",
    ]

    /// The text of one script of the corpus.
    static func script(_ name: String) throws -> String {
        try String(contentsOfFile: promql + "/" + name, encoding: .utf8)
    }

    /// One row of `cases-v2.42.tsv`: an `eval` command of a script.
    struct Case: Sendable {
        /// `instant` or `range`.
        let kind: String
        let v242Result: String
        let tags: [String]
        let expr: String
    }

    /// `cases-v2.42.tsv` indexed by script name, then by the 1-based line of the `eval` command.
    static func caseIndex() throws -> [String: [Int: Case]] {
        var out: [String: [Int: Case]] = [:]
        for cols in try cases() {
            guard cols.count >= 7, let line = Int(cols[1]) else { continue }
            let tags = cols[5].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            out[String(cols[0]), default: [:]][line] = Case(
                kind: String(cols[2]), v242Result: String(cols[3]), tags: tags, expr: cols[6...].joined(separator: "\t"))
        }
        return out
    }
}
