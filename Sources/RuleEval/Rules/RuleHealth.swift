/// A rule's health as `/api/v1/rules` reports it.
public enum RuleHealth: String, Sendable {
    case unknown, ok, err
}

/// A rule's evaluation record: health, last error, when and how long (ms / seconds).
public struct RuleEvaluationRecord: Sendable {
    public var health: RuleHealth = .unknown
    public var lastError: String?
    /// Wall-clock ms of the last evaluation (0 = never).
    public var lastEvaluation: Int64 = 0
    public var evaluationSeconds: Double = 0
    public init() {}
}

/// Why a rule's evaluation failed.
public struct RuleEvaluationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
