/// What a template function sees besides its arguments: the execution options and the query hook.
public struct TemplateCallContext: Sendable {
    /// The options passed to `execute`.
    public let options: TemplateOptions
    /// Runs an expression for `query`; nil when queries are unavailable.
    public let query: TemplateQueryFunction?
}

/// How `query` runs an expression (an instant query at the rule's evaluation time).
public typealias TemplateQueryFunction = @Sendable (String) throws -> [TemplateSample]

/// A function callable from templates; errors it throws surface as `error calling NAME: <error>`.
public struct TemplateFunction: Sendable {
    /// The number of fixed parameters.
    public let arity: Int
    /// Whether further arguments are accepted after the fixed ones.
    public let variadic: Bool
    let body: @Sendable ([TemplateValue], TemplateCallContext) throws -> TemplateValue
    /// `and`/`or`: arguments are evaluated lazily by the executor.
    var shortCircuit = false

    /// Creates a function taking `arity` arguments (at least `arity` when `variadic`).
    public init(arity: Int, variadic: Bool = false, _ body: @escaping @Sendable ([TemplateValue], TemplateCallContext) throws -> TemplateValue) {
        self.arity = arity
        self.variadic = variadic
        self.body = body
    }
}

/// A failure inside a template function, worded as the Go function's error.
struct TemplateFunctionError: Error, CustomStringConvertible {
    /// The message after `error calling NAME: `.
    var description: String
    /// A Go argument-conversion failure (`wrong type for value; …`), reported without the `error calling` prefix.
    var isArgumentType = false

    init(_ message: String) { description = message }

    static func wrongType(expected: String, got: TemplateValue) -> TemplateFunctionError {
        var e = TemplateFunctionError("wrong type for value; expected \(expected); got \(got.goTypeName)")
        e.isArgumentType = true
        return e
    }
}

/// The set of functions a template may call; names are checked when parsing.
public struct TemplateFunctions: Sendable {
    /// Functions by name.
    public var functions: [String: TemplateFunction]

    /// Creates a set from a dictionary.
    public init(_ functions: [String: TemplateFunction]) { self.functions = functions }

    /// Go's text/template builtins only (and, or, not, len, index, slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js, urlquery).
    public static var goBuiltins: TemplateFunctions { TemplateFunctions(TemplateBuiltins.all) }

    /// Builtins plus Prometheus' template functions (2.42).
    public static var prometheus: TemplateFunctions {
        TemplateFunctions(TemplateBuiltins.all.merging(PrometheusTemplateFunctions.all) { _, new in new })
    }

    /// Builtins plus Alertmanager's notification template functions.
    public static var alertmanager: TemplateFunctions {
        TemplateFunctions(TemplateBuiltins.all.merging(AlertmanagerTemplateFunctions.all) { _, new in new })
    }

    /// A copy with `function` added under `name` (replacing any existing one).
    public func adding(_ name: String, _ function: TemplateFunction) -> TemplateFunctions {
        var c = self
        c.functions[name] = function
        return c
    }
}

/// Execution options.
public struct TemplateOptions: Sendable {
    /// Prometheus' external URL, for `externalURL` and `pathPrefix`.
    public var externalURL: String
    /// Maximum nesting of `{{template}}` calls. Go allows 100000; the default here is 100 so that
    /// runaway recursion fails with Go's message instead of exhausting a thread's stack.
    public var maxDepth: Int
    /// Whether label maps and alert lists have the methods of Alertmanager's notification data
    /// (`.SortedPairs`, `.Names`, `.Values`, `.Remove`, `.Firing`, `.Resolved`).
    public var alertmanagerMethods: Bool

    /// Creates options.
    public init(externalURL: String = "", maxDepth: Int = 100, alertmanagerMethods: Bool = false) {
        self.externalURL = externalURL
        self.maxDepth = maxDepth
        self.alertmanagerMethods = alertmanagerMethods
    }
}
