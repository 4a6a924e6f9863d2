import ArgumentParser
import Foundation
import RuleEval
import TSDB

/// `tidemark rules check|test`: rule-file validation and rule unit tests, as promtool does them.
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Check rule files and run rule unit tests (promtool check rules / test rules).",
        subcommands: [Check.self, Test.self]
    )

    /// `tidemark rules check FILE…`
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate rule files; exit 1 when any is invalid.")

        @Flag(name: .customLong("ignore-unknown-fields"), help: "Ignore unknown keys instead of rejecting the file.")
        var ignoreUnknownFields = false

        @Flag(name: .customLong("lint-fatal"), help: "Make lint findings (duplicate rules) fail the check.")
        var lintFatal = false

        @Argument(help: "Rule files.")
        var files: [String]

        func run() throws {
            var failed = false
            var options = RuleFileLoader.Options()
            options.ignoreUnknownFields = ignoreUnknownFields
            for f in files {
                say("Checking \(f)")
                do {
                    let file = try RuleFileLoader.load(path: f, options: options)
                    say("  SUCCESS: \(file.ruleCount) rules found")
                    let duplicates = RuleLint.duplicates(file)
                    if !duplicates.isEmpty {
                        say("  WARNING: lint: \(duplicates.count) duplicate rule(s) found.")
                        for d in duplicates { say(d) }
                        say("Might cause inconsistency while recording expressions")
                        if lintFatal { failed = true }
                    }
                } catch {
                    complain(("  FAILED:\n\(error.description)\n"))
                    failed = true
                }
                say("")
            }
            if failed { throw ExitCode(1) }
        }
    }

    /// `tidemark rules test FILE…`
    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run rule unit-test files (promtool format); exit 1 when any fails.")

        @Option(name: .customLong("run"), help: "Only run test groups whose name matches this regular expression (repeatable).")
        var run: [String] = []

        @Flag(name: .customLong("ignore-unknown-fields"), help: "Ignore unknown keys in test and rule files.")
        var ignoreUnknownFields = false

        @Argument(help: "Test files.")
        var files: [String]

        func run() async throws {
            var options = RuleUnitTester.Options()
            options.run = run
            options.ignoreUnknownFields = ignoreUnknownFields
            let tester = RuleUnitTester(options: options)
            var failed = false
            for f in files {
                say("Unit Testing:  \(f)")
                let outcome = await PromQLEngine.onDedicatedThread { tester.run(file: f) }
                if outcome.passed {
                    say("  SUCCESS")
                } else {
                    failed = true
                    complain(("  FAILED:\n"))
                    for e in outcome.failures {
                        complain(((e + "\n")))
                        say("")
                        }
                }
                say("")
            }
            if failed { throw ExitCode(1) }
        }
    }
}

/// The lint `promtool check rules` applies: rules of a file with the same name and labels.
enum RuleLint {
    static func duplicates(_ file: RuleFile) -> [String] {
        var seen: [String: Int] = [:]
        var order: [String] = []
        for g in file.groups {
            for r in g.rules {
                let key = "Metric: \(r.name)\nLabel(s):" + r.labelPairs.map { "\n\t\($0.name): \($0.value)" }.joined()
                if seen[key] == nil { order.append(key) }
                seen[key, default: 0] += 1
            }
        }
        return order.filter { (seen[$0] ?? 0) > 1 }
    }
}

/// Writes a line to stdout unbuffered, so it interleaves with stderr in the order written.
private func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }
/// Writes to stderr.
private func complain(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
