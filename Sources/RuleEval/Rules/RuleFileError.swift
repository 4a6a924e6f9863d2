/// A rule file that cannot be loaded. The description names the file, the line and column, the
/// group and the rule, the way `promtool check rules` does.
public struct RuleFileError: Error, Sendable, CustomStringConvertible {
    public let file: String
    /// Each problem found, already formatted (`4:17: group "g", rule 1, "name": message`).
    public let problems: [String]

    public init(file: String, problems: [String]) {
        self.file = file
        self.problems = problems
    }

    public var description: String { problems.map { "\(file): \($0)" }.joined(separator: "\n") }
}
