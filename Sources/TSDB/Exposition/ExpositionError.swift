/// Why an exposition body was rejected: the 1-based line and what is wrong there, readable by a person.
public struct ExpositionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// 1-based line number in the body.
    public let line: Int
    /// What is wrong, e.g. `expected '=' after label name "job"`.
    public let message: String

    /// An error on `line` saying `message`.
    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    /// `line 12: expected '=' after label name "job"`.
    public var description: String { "line \(line): \(message)" }
}
