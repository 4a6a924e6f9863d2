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

    /// The rows of `cases-v2.42.tsv` (header dropped), split on tabs.
    static func cases() throws -> [[Substring]] {
        let text = try String(contentsOfFile: promql + "/cases-v2.42.tsv", encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }
}
