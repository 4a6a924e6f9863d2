/// The parse tree of a Go template.
indirect enum TemplateNode: Sendable {
    /// Literal text.
    case text(String)
    /// `{{pipeline}}`: prints the value unless the pipeline declares variables.
    case action(TemplatePipe)
    /// `{{if}}`, `{{with}}`, `{{range}}` with their bodies.
    case branch(TemplateBranch)
    /// `{{template "name" pipeline}}`.
    case template(name: String, pipe: TemplatePipe?, pos: Int, source: String)
    /// `{{break}}` inside a range.
    case breakLoop
    /// `{{continue}}` inside a range.
    case continueLoop
}

/// An `if`, `with` or `range` node.
struct TemplateBranch: Sendable {
    enum Kind: Sendable { case ifBranch, withBranch, rangeBranch }
    var kind: Kind
    var pipe: TemplatePipe
    var list: [TemplateNode]
    var elseList: [TemplateNode]?
}

/// A pipeline: optional variable declarations and `|`-separated commands.
struct TemplatePipe: Sendable {
    var pos: Int
    var decl: [String]
    var isAssign: Bool
    var commands: [TemplateCommand]

    /// Go's `PipeNode.String()`.
    var source: String {
        var s = ""
        if !decl.isEmpty { s = decl.joined(separator: ", ") + (isAssign ? " = " : " := ") }
        return s + commands.map(\.source).joined(separator: " | ")
    }
}

/// One command: an operand followed by arguments.
struct TemplateCommand: Sendable {
    var pos: Int
    var args: [TemplateOperand]

    /// Go's `CommandNode.String()`.
    var source: String { args.map { $0.isPipe ? "(\($0.source))" : $0.source }.joined(separator: " ") }
}

/// An operand of a command.
struct TemplateOperand: Sendable {
    indirect enum Kind: Sendable {
        case identifier(String)
        case field([String])
        case variable(String, [String])
        case dot
        case nilValue
        case literal(TemplateValue)
        case badNumber(String)
        case pipe(TemplatePipe)
        case chain(TemplateOperand, [String])
    }

    var kind: Kind
    var pos: Int
    /// The source spelling (Go's `Node.String()`).
    var source: String

    var isPipe: Bool {
        if case .pipe = kind { return true }
        return false
    }
}
