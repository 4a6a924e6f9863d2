/// A template parse or execution failure, worded as Go's text/template (or Prometheus) words it.
public struct TemplateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The full message, e.g. `template: __alert_X:1: function "foo" not defined`.
    public let message: String

    /// Creates an error with the given message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
