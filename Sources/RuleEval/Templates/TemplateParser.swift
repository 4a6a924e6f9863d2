/// Parses tokens into template trees, with text/template's parse-time checks and messages.
struct TemplateParser {
    /// The result: the main body and every `{{define}}`/`{{block}}` body.
    struct Result {
        var root: [TemplateNode]
        var definitions: [String: [TemplateNode]]
    }

    private enum Item {
        case node(TemplateNode)
        case end(pos: Int)
        case elseItem(pos: Int)
        case skip
    }

    private let parseName: String
    private let text: String
    private let tokens: [TemplateToken]
    private let functions: Set<String>
    private var index = 0
    private var furthest = 0
    private var vars: [String]
    private var rangeDepth = 0
    /// Nesting of pipelines and control structures; bounded so hostile input cannot exhaust the stack.
    private var nesting = 0
    private static let maxNesting = 500
    private var actionPos: Int?
    private var definitions: [String: [TemplateNode]] = [:]

    /// Parses `text`; `predeclared` variables (e.g. `$labels`) are in scope in the main body.
    static func parse(_ text: String, name: String, predeclared: [String], functions: Set<String>) throws(TemplateError) -> Result {
        var p = TemplateParser(parseName: name, text: text, tokens: TemplateLexer.tokenize(text), functions: functions,
                               vars: ["$"] + predeclared.map { $0.hasPrefix("$") ? $0 : "$" + $0 })
        let root = try p.parseTop()
        return Result(root: root, definitions: p.definitions)
    }

    // MARK: token access

    private mutating func next() -> TemplateToken {
        let i = min(index, tokens.count - 1)
        index += 1
        furthest = max(furthest, i)
        return tokens[i]
    }

    private mutating func peek() -> TemplateToken {
        let i = min(index, tokens.count - 1)
        furthest = max(furthest, i)
        return tokens[i]
    }

    private mutating func nextNonSpace() -> TemplateToken {
        var t = next()
        while t.kind == .space { t = next() }
        return t
    }

    private mutating func peekNonSpace() -> TemplateToken {
        let t = nextNonSpace()
        index -= 1
        return t
    }

    private mutating func backup() { index -= 1 }

    // MARK: errors

    static func line(of pos: Int, in text: String) -> Int {
        var line = 1
        var i = 0
        for b in text.utf8 {
            if i >= pos { break }
            if b == 0x0A { line += 1 }
            i += 1
        }
        return line
    }

    private func error(_ message: String) -> TemplateError {
        let tok = tokens[min(furthest, tokens.count - 1)]
        return TemplateError("template: \(parseName):\(Self.line(of: tok.pos, in: text)): \(message)")
    }

    private func unexpected(_ token: TemplateToken, _ context: String) -> TemplateError {
        if token.kind == .error {
            var extra = ""
            let tokenLine = Self.line(of: token.pos, in: text)
            if let a = actionPos {
                let actionLine = Self.line(of: a, in: text)
                if actionLine != tokenLine {
                    extra = token.value.hasSuffix(" action") ? " started at \(parseName):\(actionLine)" : " in action started at \(parseName):\(actionLine)"
                }
            }
            return TemplateError("template: \(parseName):\(tokenLine): \(token.value)\(extra)")
        }
        return error("unexpected \(token.goDescription) in \(context)")
    }

    private mutating func expect(_ kind: TemplateToken.Kind, _ context: String) throws(TemplateError) -> TemplateToken {
        let t = nextNonSpace()
        if t.kind != kind { throw unexpected(t, context) }
        return t
    }

    // MARK: structure

    private mutating func parseTop() throws(TemplateError) -> [TemplateNode] {
        var list: [TemplateNode] = []
        while peek().kind != .eof {
            if peek().kind == .leftDelim {
                let save = index
                _ = next()
                if nextNonSpace().kind == .keyword(.define) {
                    try parseDefinition()
                    continue
                }
                index = save
            }
            switch try textOrAction() {
            case .node(let n): list.append(n)
            case .end: throw error("unexpected {{end}}")
            case .elseItem: throw error("unexpected {{else}}")
            case .skip: break
            }
        }
        return list
    }

    private mutating func parseDefinition() throws(TemplateError) {
        let t = nextNonSpace()
        guard t.kind == .string || t.kind == .rawString else { throw unexpected(t, "define clause") }
        let name = try unquote(t)
        _ = try expect(.rightDelim, "define clause")
        let saved = vars
        vars = ["$"]
        let (list, end) = try itemList()
        vars = saved
        guard case .end = end else { throw error("unexpected {{else}} in define clause") }
        try add(name, list)
    }

    private mutating func add(_ name: String, _ list: [TemplateNode]) throws(TemplateError) {
        if let existing = definitions[name], !Self.isEmpty(existing), !Self.isEmpty(list) {
            throw error("template: multiple definition of template \(GoQuote.quote(name))")
        }
        if definitions[name] == nil || !Self.isEmpty(list) { definitions[name] = list }
    }

    private static func isEmpty(_ list: [TemplateNode]) -> Bool {
        list.allSatisfy {
            if case .text(let s) = $0 { return s.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" } }
            return false
        }
    }

    private mutating func itemList() throws(TemplateError) -> ([TemplateNode], Item) {
        var list: [TemplateNode] = []
        while peekNonSpace().kind != .eof {
            let item = try textOrAction()
            switch item {
            case .node(let n): list.append(n)
            case .end, .elseItem: return (list, item)
            case .skip: break
            }
        }
        throw error("unexpected EOF")
    }

    private mutating func textOrAction() throws(TemplateError) -> Item {
        let t = nextNonSpace()
        switch t.kind {
        case .text: return .node(.text(t.value))
        case .comment: return .skip
        case .leftDelim:
            let saved = actionPos
            actionPos = t.pos
            defer { actionPos = saved }
            return try action()
        default: throw unexpected(t, "input")
        }
    }

    private mutating func action() throws(TemplateError) -> Item {
        let t = nextNonSpace()
        switch t.kind {
        case .keyword(.block): return .node(try blockControl())
        case .keyword(.break), .keyword(.continue):
            let end = nextNonSpace()
            let word = t.kind == .keyword(.break) ? "break" : "continue"
            if end.kind != .rightDelim { throw unexpected(end, "{{\(word)}}") }
            if rangeDepth == 0 { throw error("{{\(word)}} outside {{range}}") }
            return .node(t.kind == .keyword(.break) ? .breakLoop : .continueLoop)
        case .keyword(.else):
            let p = peekNonSpace()
            if p.kind == .keyword(.if) { return .elseItem(pos: p.pos) }
            let d = try expect(.rightDelim, "else")
            return .elseItem(pos: d.pos)
        case .keyword(.end):
            let d = try expect(.rightDelim, "end")
            return .end(pos: d.pos)
        case .keyword(.if): return .node(.branch(try control(.ifBranch, "if")))
        case .keyword(.range): return .node(.branch(try control(.rangeBranch, "range")))
        case .keyword(.with): return .node(.branch(try control(.withBranch, "with")))
        case .keyword(.template):
            let nameTok = nextNonSpace()
            guard nameTok.kind == .string || nameTok.kind == .rawString else { throw unexpected(nameTok, "template clause") }
            let name = try unquote(nameTok)
            var pipe: TemplatePipe? = nil
            if nextNonSpace().kind != .rightDelim {
                backup()
                pipe = try pipeline("template clause", end: .rightDelim)
            }
            let source = "{{template \(GoQuote.quote(name))" + (pipe.map { " " + $0.source } ?? "") + "}}"
            return .node(.template(name: name, pipe: pipe, pos: nameTok.pos, source: source))
        default:
            backup()
            return .node(.action(try pipeline("command", end: .rightDelim)))
        }
    }

    private mutating func control(_ kind: TemplateBranch.Kind, _ context: String) throws(TemplateError) -> TemplateBranch {
        let savedVars = vars.count
        nesting += 1
        defer { vars.removeLast(vars.count - savedVars); nesting -= 1 }
        if nesting > Self.maxNesting { throw error("max expression depth exceeded") }
        let pipe = try pipeline(context, end: .rightDelim)
        if kind == .rangeBranch { rangeDepth += 1 }
        let (list, following) = try itemList()
        if kind == .rangeBranch { rangeDepth -= 1 }
        var elseList: [TemplateNode]? = nil
        if case .elseItem = following {
            if kind == .ifBranch && peek().kind == .keyword(.if) {
                _ = next()
                elseList = [.branch(try control(.ifBranch, "if"))]
            } else {
                let r = try itemList()
                elseList = r.0
                guard case .end = r.1 else { throw error("expected end; found {{else}}") }
            }
        }
        return TemplateBranch(kind: kind, pipe: pipe, list: list, elseList: elseList)
    }

    private mutating func blockControl() throws(TemplateError) -> TemplateNode {
        let nameTok = nextNonSpace()
        guard nameTok.kind == .string || nameTok.kind == .rawString else { throw unexpected(nameTok, "block clause") }
        let name = try unquote(nameTok)
        let pipe = try pipeline("block clause", end: .rightDelim)
        let saved = vars
        let savedDepth = rangeDepth
        vars = ["$"]
        rangeDepth = 0
        let (list, end) = try itemList()
        vars = saved
        rangeDepth = savedDepth
        guard case .end = end else { throw error("unexpected {{else}} in block clause") }
        try add(name, list)
        let source = "{{template \(GoQuote.quote(name)) \(pipe.source)}}"
        return .template(name: name, pipe: pipe, pos: nameTok.pos, source: source)
    }

    // MARK: pipelines

    private mutating func pipeline(_ context: String, end: TemplateToken.Kind) throws(TemplateError) -> TemplatePipe {
        nesting += 1
        defer { nesting -= 1 }
        if nesting > Self.maxNesting { throw error("max expression depth exceeded") }
        var pipe = TemplatePipe(pos: peekNonSpace().pos, decl: [], isAssign: false, commands: [])
        decls: while peekNonSpace().kind == .variable {
            let saveIndex = index
            let v = nextNonSpace()
            let afterVariable = peek()
            let n = peekNonSpace()
            if n.kind == .assign || n.kind == .declare {
                pipe.isAssign = n.kind == .assign
                _ = nextNonSpace()
                pipe.decl.append(v.value)
                vars.append(v.value)
            } else if n.kind == .otherChar && n.value == "," {
                _ = nextNonSpace()
                pipe.decl.append(v.value)
                vars.append(v.value)
                if context == "range" && pipe.decl.count < 2 {
                    switch peekNonSpace().kind {
                    case .variable, .rightDelim, .rightParen: continue decls
                    default: throw error("range can only initialize variables")
                    }
                }
                throw error("too many declarations in \(context)")
            } else {
                _ = afterVariable
                index = saveIndex
            }
            break
        }
        while true {
            let t = nextNonSpace()
            if t.kind == end {
                if pipe.commands.isEmpty { throw error("missing value for \(context)") }
                for (i, c) in pipe.commands.enumerated().dropFirst() {
                    switch c.args.first?.kind {
                    case .literal?, .dot?, .nilValue?, .badNumber?:
                        throw error("non executable command in pipeline stage \(i + 1)")
                    default: break
                    }
                }
                return pipe
            }
            switch t.kind {
            case .bool, .char, .dot, .field, .identifier, .number, .nilValue, .rawString, .string, .variable, .leftParen:
                backup()
                pipe.commands.append(try command())
            default:
                throw unexpected(t, context)
            }
        }
    }

    private mutating func command() throws(TemplateError) -> TemplateCommand {
        var cmd = TemplateCommand(pos: peekNonSpace().pos, args: [])
        while true {
            _ = peekNonSpace()
            if let operand = try operand() { cmd.args.append(operand) }
            let t = next()
            switch t.kind {
            case .space: continue
            case .rightDelim, .rightParen: backup()
            case .pipe: break
            default: throw unexpected(t, "operand")
            }
            break
        }
        if cmd.args.isEmpty { throw error("empty command") }
        return cmd
    }

    private mutating func operand() throws(TemplateError) -> TemplateOperand? {
        guard let node = try term() else { return nil }
        guard peek().kind == .field else { return node }
        let chainPos = peek().pos
        var fields: [String] = []
        while peek().kind == .field { fields.append(String(next().value.dropFirst())) }
        let suffix = fields.map { "." + $0 }.joined()
        switch node.kind {
        case .field(let f): return TemplateOperand(kind: .field(f + fields), pos: chainPos, source: node.source + suffix)
        case .variable(let v, let f): return TemplateOperand(kind: .variable(v, f + fields), pos: chainPos, source: node.source + suffix)
        case .literal, .nilValue, .dot, .badNumber:
            throw error("unexpected . after term \(GoQuote.quote(node.source))")
        default:
            let base = node.isPipe ? "(\(node.source))" : node.source
            return TemplateOperand(kind: .chain(node, fields), pos: chainPos, source: base + suffix)
        }
    }

    private mutating func term() throws(TemplateError) -> TemplateOperand? {
        let t = nextNonSpace()
        switch t.kind {
        case .identifier:
            if !functions.contains(t.value) { throw error("function \(GoQuote.quote(t.value)) not defined") }
            return TemplateOperand(kind: .identifier(t.value), pos: t.pos, source: t.value)
        case .dot: return TemplateOperand(kind: .dot, pos: t.pos, source: ".")
        case .nilValue: return TemplateOperand(kind: .nilValue, pos: t.pos, source: "nil")
        case .variable:
            if !vars.contains(t.value) { throw error("undefined variable \(GoQuote.quote(t.value))") }
            return TemplateOperand(kind: .variable(t.value, []), pos: t.pos, source: t.value)
        case .field:
            return TemplateOperand(kind: .field([String(t.value.dropFirst())]), pos: t.pos, source: t.value)
        case .bool:
            return TemplateOperand(kind: .literal(.bool(t.value == "true")), pos: t.pos, source: t.value)
        case .number, .char:
            return TemplateOperand(kind: try number(t), pos: t.pos, source: t.value)
        case .leftParen:
            let p = try pipeline("parenthesized pipeline", end: .rightParen)
            return TemplateOperand(kind: .pipe(p), pos: p.pos, source: p.source)
        case .string, .rawString:
            return TemplateOperand(kind: .literal(.string(try unquote(t))), pos: t.pos, source: t.value)
        default:
            backup()
            return nil
        }
    }

    // MARK: literals

    private func number(_ t: TemplateToken) throws(TemplateError) -> TemplateOperand.Kind {
        let text = t.value
        if t.kind == .char {
            let inner = String(text.dropFirst().dropLast())
            guard let s = GoLiteral.unescape(inner, quote: "'"), s.unicodeScalars.count == 1, let u = s.unicodeScalars.first else {
                throw error("malformed character constant: \(text)")
            }
            return .literal(.int(Int64(u.value)))
        }
        if text.hasSuffix("i") { throw error("complex numbers are not supported: \(GoQuote.quote(text))") }
        let intValue = GoLiteral.parseInt(text)
        let lower = text.lowercased()
        let isHex = lower.hasPrefix("0x") || lower.hasPrefix("-0x") || lower.hasPrefix("+0x")
        let looksFloat = isHex ? lower.contains("p") : text.contains(where: { ".eEpP".contains($0) })
        if looksFloat {
            guard let f = GoLiteral.parseFloat(text) else { throw error("illegal number syntax: \(GoQuote.quote(text))") }
            return .literal(.float(f))
        }
        if let i = intValue { return .literal(.int(i)) }
        if GoLiteral.parseFloat(text) != nil {
            // Too large for int64: Go accepts it as uint64 only if it fits, then fails to use it as an int.
            return .badNumber(text)
        }
        throw error("illegal number syntax: \(GoQuote.quote(text))")
    }

    private func unquote(_ t: TemplateToken) throws(TemplateError) -> String {
        if t.kind == .rawString {
            return String(t.value.dropFirst().dropLast()).replacingOccurrences(of: "\r", with: "")
        }
        guard let s = GoLiteral.unescape(String(t.value.dropFirst().dropLast()), quote: "\"") else {
            throw error("invalid syntax")
        }
        return s
    }
}
