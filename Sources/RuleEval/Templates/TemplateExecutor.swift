/// Walks a parsed template, evaluating pipelines with text/template's semantics.
struct TemplateExecutor {
    let template: Template
    let context: TemplateCallContext
    var vars: [(name: String, value: TemplateValue)]
    var out = ""
    var currentName: String
    var depth = 0

    enum Flow { case normal, breakLoop, continueLoop }

    /// Where an error happened: a node's position and its source text.
    struct At { var pos: Int; var source: String }

    init(template: Template, context: TemplateCallContext, vars: [(name: String, value: TemplateValue)]) {
        self.template = template
        self.context = context
        self.vars = vars
        self.currentName = template.name
    }

    // MARK: errors

    func fail(_ message: String, at: At?) -> TemplateError {
        guard let at else { return TemplateError("template: \(currentName): \(message)") }
        let bytes = Array(template.text.utf8)
        let pos = min(at.pos, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<pos where bytes[i] == 0x0A { line += 1; lineStart = i + 1 }
        var ctx = at.source
        if ctx.unicodeScalars.count > 20 {
            var u = String.UnicodeScalarView()
            u.append(contentsOf: ctx.unicodeScalars.prefix(20))
            ctx = String(u) + "..."
        }
        return TemplateError("template: \(template.name):\(line):\(pos - lineStart): executing \(GoQuote.quote(currentName)) at <\(ctx)>: \(message)")
    }

    // MARK: walking

    mutating func walk(_ nodes: [TemplateNode], dot: TemplateValue) throws(TemplateError) -> Flow {
        for node in nodes {
            let flow = try walk(node, dot: dot)
            if flow != .normal { return flow }
        }
        return .normal
    }

    mutating func walk(_ node: TemplateNode, dot: TemplateValue) throws(TemplateError) -> Flow {
        switch node {
        case .text(let s):
            out += s
        case .action(let pipe):
            let v = try evalPipeline(pipe, dot: dot)
            if pipe.decl.isEmpty { out += Self.printed(v) }
        case .branch(let b):
            let mark = vars.count
            defer { vars.removeLast(vars.count - mark) }
            if b.kind == .rangeBranch { return try walkRange(b, dot: dot) }
            let v = try evalPipeline(b.pipe, dot: dot)
            if v.isTruthy {
                return try walk(b.list, dot: b.kind == .withBranch ? v : dot)
            } else if let e = b.elseList {
                return try walk(e, dot: dot)
            }
        case .template(let name, let pipe, let pos, let source):
            guard let body = template.definitions[name] else {
                throw fail("template \(GoQuote.quote(name)) not defined", at: At(pos: pos, source: source))
            }
            if depth >= context.options.maxDepth {
                throw fail("exceeded maximum template depth (\(context.options.maxDepth))", at: At(pos: pos, source: source))
            }
            var newDot = TemplateValue.null
            if let pipe { newDot = try evalPipeline(pipe, dot: dot) }
            let savedVars = vars
            let savedName = currentName
            vars = [("$", newDot)]
            currentName = name
            depth += 1
            defer { vars = savedVars; currentName = savedName; depth -= 1 }
            _ = try walk(body, dot: newDot)
        case .breakLoop:
            return .breakLoop
        case .continueLoop:
            return .continueLoop
        }
        return .normal
    }

    /// What an action prints: `<no value>` for nil, else `fmt.Print`.
    static func printed(_ v: TemplateValue) -> String {
        if case .null = v { return "<no value>" }
        return GoFmt.string(v)
    }

    mutating func walkRange(_ b: TemplateBranch, dot: TemplateValue) throws(TemplateError) -> Flow {
        let val = try evalPipeline(b.pipe, dot: dot)
        let mark = vars.count
        let decl = b.pipe.decl
        func iteration(_ ex: inout TemplateExecutor, _ index: TemplateValue, _ elem: TemplateValue) throws(TemplateError) -> Flow {
            if !decl.isEmpty {
                if b.pipe.isAssign {
                    try ex.setVar(decl[0], decl.count > 1 ? index : elem, at: At(pos: b.pipe.pos, source: b.pipe.source))
                } else {
                    ex.vars[ex.vars.count - 1].value = elem
                }
            }
            if decl.count > 1 {
                if b.pipe.isAssign {
                    try ex.setVar(decl[1], elem, at: At(pos: b.pipe.pos, source: b.pipe.source))
                } else {
                    ex.vars[ex.vars.count - 2].value = index
                }
            }
            defer { ex.vars.removeLast(ex.vars.count - mark) }
            return try ex.walk(b.list, dot: elem)
        }
        var count = 0
        switch val {
        case .list(let items):
            count = items.count
            for (i, e) in items.enumerated() {
                if try iteration(&self, .int(Int64(i)), e) == .breakLoop { break }
            }
        case .map(let m):
            count = m.count
            for k in GoFmt.sortedKeys(m.keys) {
                if try iteration(&self, .string(k), m[k] ?? .null) == .breakLoop { break }
            }
        case .stringMap(let m):
            count = m.count
            for k in GoFmt.sortedKeys(m.keys) {
                if try iteration(&self, .string(k), .string(m[k] ?? "")) == .breakLoop { break }
            }
        case .null:
            break
        default:
            throw fail("range can't iterate over \(GoFmt.string(val))", at: At(pos: b.pipe.pos, source: b.pipe.source))
        }
        if count == 0, let e = b.elseList {
            return try walk(e, dot: dot)
        }
        return .normal
    }

    // MARK: variables

    func varValue(_ name: String, at: At) throws(TemplateError) -> TemplateValue {
        if let v = vars.last(where: { $0.name == name }) { return v.value }
        throw fail("undefined variable: \(name)", at: at)
    }

    mutating func setVar(_ name: String, _ value: TemplateValue, at: At) throws(TemplateError) {
        guard let i = vars.lastIndex(where: { $0.name == name }) else { throw fail("undefined variable: \(name)", at: at) }
        vars[i].value = value
    }

    // MARK: pipelines and commands

    mutating func evalPipeline(_ pipe: TemplatePipe, dot: TemplateValue) throws(TemplateError) -> TemplateValue {
        var value: TemplateValue? = nil
        for cmd in pipe.commands { value = try evalCommand(cmd, dot: dot, final: value) }
        let v = value ?? .null
        for name in pipe.decl {
            if pipe.isAssign {
                try setVar(name, v, at: At(pos: pipe.pos, source: pipe.source))
            } else {
                vars.append((name, v))
            }
        }
        return v
    }

    func notAFunction(_ args: [TemplateOperand], _ final: TemplateValue?) throws(TemplateError) {
        if args.count > 1 || final != nil {
            throw fail("can't give argument to non-function \(args[0].source)", at: At(pos: args[0].pos, source: args[0].source))
        }
    }

    mutating func evalCommand(_ cmd: TemplateCommand, dot: TemplateValue, final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        let first = cmd.args[0]
        let at = At(pos: first.pos, source: first.source)
        switch first.kind {
        case .field(let names):
            return try evalFieldChain(dot, receiver: dot, at: at, names, args: cmd.args, final: final, fromRoot: true)
        case .chain(let base, let names):
            return try evalChain(base, names, at: at, dot: dot, args: cmd.args, final: final)
        case .identifier(let name):
            return try evalFunction(name, at: at, cmd: cmd, args: cmd.args, dot: dot, final: final)
        case .pipe(let p):
            try notAFunction(cmd.args, final)
            return try evalPipeline(p, dot: dot)
        case .variable(let name, let fields):
            let v = try varValue(name, at: at)
            if fields.isEmpty {
                try notAFunction(cmd.args, final)
                return v
            }
            return try evalFieldChain(dot, receiver: v, at: at, fields, args: cmd.args, final: final, fromRoot: true)
        case .dot:
            try notAFunction(cmd.args, final)
            return dot
        case .nilValue:
            try notAFunction(cmd.args, final)
            throw fail("nil is not a command", at: at)
        case .literal(let v):
            try notAFunction(cmd.args, final)
            return v
        case .badNumber(let text):
            try notAFunction(cmd.args, final)
            throw fail("\(text) overflows int", at: at)
        }
    }

    mutating func evalChain(_ base: TemplateOperand, _ names: [String], at: At, dot: TemplateValue, args: [TemplateOperand], final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        if case .nilValue = base.kind { throw fail("indirection through explicit nil in \(at.source)", at: at) }
        let receiver = try evalArg(base, dot: dot)
        return try evalFieldChain(dot, receiver: receiver, at: at, names, args: args, final: final, fromRoot: false)
    }

    mutating func evalFieldChain(_ dot: TemplateValue, receiver: TemplateValue, at: At, _ names: [String], args: [TemplateOperand], final: TemplateValue?, fromRoot: Bool) throws(TemplateError) -> TemplateValue {
        var r = receiver
        for (i, name) in names.enumerated() {
            let last = i == names.count - 1
            r = try evalField(dot, name, receiver: r, at: at, args: last ? args : [], final: last ? final : nil, nilIsZero: fromRoot && i == 0)
        }
        return r
    }

    mutating func evalField(_ dot: TemplateValue, _ name: String, receiver: TemplateValue, at: At, args: [TemplateOperand], final: TemplateValue?, nilIsZero: Bool) throws(TemplateError) -> TemplateValue {
        let hasArgs = args.count > 1 || final != nil
        if context.options.alertmanagerMethods, AlertmanagerDataMethods.handles(name, on: receiver) {
            var argv: [TemplateValue] = []
            for a in args.dropFirst() { argv.append(try evalArg(a, dot: dot)) }
            if let final { argv.append(final) }
            do {
                return try AlertmanagerDataMethods.call(name, on: receiver, argv)
            } catch let e as TemplateFunctionError {
                throw fail(e.isArgumentType ? e.description : "error calling \(name): \(e.description)", at: at)
            } catch {
                throw fail("error calling \(name): \(error)", at: at)
            }
        }
        switch receiver {
        case .null:
            if nilIsZero { return .null }
            throw fail("nil pointer evaluating interface {}.\(name)", at: at)
        case .map(let m):
            if hasArgs { throw fail("\(name) is not a method but has arguments", at: at) }
            return m[name] ?? .null
        case .stringMap(let m):
            if hasArgs { throw fail("\(name) is not a method but has arguments", at: at) }
            return .string(m[name] ?? "")
        case .record(let r):
            guard let v = r[name] else { throw fail("can't evaluate field \(name) in type \(r.goTypeName)", at: at) }
            if hasArgs { throw fail("\(name) has arguments but cannot be invoked as function", at: at) }
            return v
        case .sample(let s):
            let v: TemplateValue
            switch name {
            case "Labels": v = .stringMap(s.labels)
            case "Value": v = .float(s.value)
            default: throw fail("can't evaluate field \(name) in type *template.sample", at: at)
            }
            if hasArgs { throw fail("\(name) has arguments but cannot be invoked as function", at: at) }
            return v
        case .time(let t):
            var argv: [TemplateValue] = []
            for a in args.dropFirst() { argv.append(try evalArg(a, dot: dot)) }
            if let final { argv.append(final) }
            do {
                return try TimeMethods.call(name, on: t, argv)
            } catch let e as TimeMethods.NoMethod {
                _ = e
                throw fail("can't evaluate field \(name) in type *time.Time", at: at)
            } catch let e as TemplateFunctionError {
                throw fail(e.isArgumentType ? e.description : "error calling \(name): \(e.description)", at: at)
            } catch {
                throw fail("error calling \(name): \(error)", at: at)
            }
        default:
            throw fail("can't evaluate field \(name) in type \(receiver.goTypeName)", at: at)
        }
    }

    mutating func evalArg(_ node: TemplateOperand, dot: TemplateValue) throws(TemplateError) -> TemplateValue {
        let at = At(pos: node.pos, source: node.source)
        switch node.kind {
        case .dot: return dot
        case .nilValue: return .null
        case .literal(let v): return v
        case .badNumber(let text): throw fail("\(text) overflows int", at: at)
        case .field(let names): return try evalFieldChain(dot, receiver: dot, at: at, names, args: [node], final: nil, fromRoot: true)
        case .variable(let name, let fields):
            let v = try varValue(name, at: at)
            if fields.isEmpty { return v }
            return try evalFieldChain(dot, receiver: v, at: at, fields, args: [node], final: nil, fromRoot: true)
        case .pipe(let p): return try evalPipeline(p, dot: dot)
        case .identifier(let name):
            return try evalFunction(name, at: at, cmd: TemplateCommand(pos: node.pos, args: [node]), args: [node], dot: dot, final: nil)
        case .chain(let base, let names): return try evalChain(base, names, at: at, dot: dot, args: [node], final: nil)
        }
    }

    mutating func evalFunction(_ name: String, at: At, cmd: TemplateCommand, args: [TemplateOperand], dot: TemplateValue, final: TemplateValue?) throws(TemplateError) -> TemplateValue {
        guard let fn = template.functions.functions[name] else { throw fail("\(GoQuote.quote(name)) is not a defined function", at: at) }
        let explicit = args.count - 1
        let numIn = explicit + (final == nil ? 0 : 1)
        if fn.variadic {
            if numIn < fn.arity { throw fail("wrong number of args for \(name): want at least \(fn.arity) got \(explicit)", at: at) }
        } else if numIn != fn.arity {
            throw fail("wrong number of args for \(name): want \(fn.arity) got \(numIn)", at: at)
        }
        let cmdAt = At(pos: cmd.pos, source: cmd.source)
        if fn.shortCircuit {
            // and/or evaluate arguments lazily and return the deciding one.
            let isOr = name == "or"
            var v: TemplateValue = .null
            for a in args.dropFirst() {
                v = try evalArg(a, dot: dot)
                if v.isTruthy == isOr { return v }
            }
            if let final { v = final }
            return v
        }
        var argv: [TemplateValue] = []
        argv.reserveCapacity(numIn)
        for a in args.dropFirst() { argv.append(try evalArg(a, dot: dot)) }
        if let final { argv.append(final) }
        do {
            return try fn.body(argv, context)
        } catch let e as TemplateFunctionError {
            throw fail(e.isArgumentType ? e.description : "error calling \(name): \(e.description)", at: cmdAt)
        } catch {
            throw fail("error calling \(name): \(error)", at: cmdAt)
        }
    }
}
