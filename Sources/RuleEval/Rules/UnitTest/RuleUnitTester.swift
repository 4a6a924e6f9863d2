import Foundation
import TSDB

/// Runs rule unit-test files the way `promtool test rules` does and reports in its words: per
/// file `Unit Testing:  FILE` then `SUCCESS`, or `FAILED:` and each failure.
public struct RuleUnitTester: Sendable {
    /// Options of a run.
    public struct Options: Sendable {
        /// Test groups whose name matches one of these regular expressions run; none = all.
        public var run: [String] = []
        /// Unknown keys in test and rule files are ignored instead of rejected.
        public var ignoreUnknownFields = false
        public init() {}
    }

    public let options: Options
    public init(options: Options = Options()) { self.options = options }

    /// The outcome of one file: passed, what goes to stdout, and the failures (for stderr).
    public struct FileOutcome: Sendable {
        public var passed: Bool
        public var failures: [String]
    }

    /// Runs one test file on the calling thread (it evaluates synchronously: call it off the
    /// cooperative pool, e.g. through `PromQLEngine.onDedicatedThread`).
    public func run(file: String) -> FileOutcome {
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch {
            return FileOutcome(passed: false, failures: ["open \(file): \(error.localizedDescription)"])
        }
        let spec: RuleTestFile
        do { spec = try RuleTestFile.parse(text, ignoreUnknownFields: options.ignoreUnknownFields) } catch {
            return FileOutcome(passed: false, failures: [error.message])
        }
        var seen = Set<String>()
        for g in spec.groupEvalOrder where !seen.insert(g).inserted {
            return FileOutcome(passed: false, failures: ["group name repeated in evaluation order: \(g)"])
        }
        let dir = (file as NSString).deletingLastPathComponent
        var ruleFiles: [String] = []
        for f in spec.ruleFiles {
            let pattern = dir.isEmpty || f.hasPrefix("/") ? f : dir + "/" + f
            let matches = FileGlob.paths(matching: pattern)
            // A glob matching nothing is skipped, as promtool does; a plain missing file is an error.
            let isGlob = f.contains { "*?[".contains($0) }
            ruleFiles += matches.isEmpty && !isGlob ? [pattern] : matches
        }
        var filters: [NSRegularExpression] = []
        for r in options.run {
            do { filters.append(try NSRegularExpression(pattern: r)) } catch {
                return FileOutcome(passed: false, failures: ["--run: invalid regular expression \(r)"])
            }
        }
        var failures: [String] = []
        for g in spec.tests {
            if !filters.isEmpty {
                let range = NSRange(g.name.startIndex..., in: g.name)
                guard filters.contains(where: { $0.firstMatch(in: g.name, range: range) != nil }) else { continue }
            }
            failures += RuleTestGroupRun(file: spec, group: g, ruleFiles: ruleFiles, options: options).run()
        }
        return FileOutcome(passed: failures.isEmpty, failures: failures)
    }
}
