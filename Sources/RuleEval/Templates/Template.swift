/// A parsed Go `text/template`, executable against dynamic values with Prometheus' `missingkey=zero` behaviour.
public struct Template: Sendable {
    /// The template's name, used in error messages (`template: NAME:LINE: …`).
    public let name: String
    let text: String
    let root: [TemplateNode]
    let definitions: [String: [TemplateNode]]
    let functions: TemplateFunctions
    let predeclared: [String]

    /// Parses `text`. Unknown functions, undefined variables and malformed actions are parse errors, as in Go.
    /// - Parameters:
    ///   - predeclared: variable names (with or without `$`) in scope in the main body; give their values to `execute`.
    ///   - functions: the callable functions (default: Go builtins plus Prometheus' functions).
    public init(_ text: String, name: String, predeclared: [String] = [], functions: TemplateFunctions = .prometheus) throws(TemplateError) {
        let result = try TemplateParser.parse(text, name: name, predeclared: predeclared, functions: Set(functions.functions.keys))
        self.name = name
        self.text = text
        self.root = result.root
        var defs = result.definitions
        if defs[name] == nil { defs[name] = result.root }
        self.definitions = defs
        self.functions = functions
        self.predeclared = predeclared.map { $0.hasPrefix("$") ? $0 : "$" + $0 }
    }

    /// Executes with `dot` as `.` (and `$`), values for the predeclared variables (keyed with or without `$`),
    /// and the hook `query` calls.
    public func execute(dot: TemplateValue, variables: [String: TemplateValue] = [:], query: TemplateQueryFunction? = nil,
                        options: TemplateOptions = TemplateOptions()) throws(TemplateError) -> String {
        var vars: [(name: String, value: TemplateValue)] = [("$", dot)]
        for p in predeclared {
            vars.append((p, variables[p] ?? variables[String(p.dropFirst())] ?? .null))
        }
        var exec = TemplateExecutor(template: self, context: TemplateCallContext(options: options, query: query), vars: vars)
        _ = try exec.walk(root, dot: dot)
        return exec.out
    }

    /// A copy that can also call the `{{define}}`d templates of `library` (its own definitions win).
    public func including(_ library: Template) -> Template {
        var defs = definitions
        for (k, v) in library.definitions where defs[k] == nil && k != library.name { defs[k] = v }
        return Template(name: name, text: text, root: root, definitions: defs, functions: functions, predeclared: predeclared)
    }

    private init(name: String, text: String, root: [TemplateNode], definitions: [String: [TemplateNode]],
                 functions: TemplateFunctions, predeclared: [String]) {
        self.name = name
        self.text = text
        self.root = root
        self.definitions = definitions
        self.functions = functions
        self.predeclared = predeclared
    }

    /// The names of the templates defined with `{{define}}`/`{{block}}` (and the main one).
    public var definedTemplates: [String] { definitions.keys.sorted() }
}
