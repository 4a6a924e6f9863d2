import TSDB

/// Parses and type-checks PromQL with Prometheus' grammar and precedence.
public struct PromQLParser {
    private let query: String
    private let bytes: [UInt8]
    private var tokens: [Token]
    private let strings: [String]
    private var pos = 0
    /// Current nesting of sub-expressions, bounded so hostile input cannot exhaust the stack.
    private var depth = 0
    static let maxDepth = 500

    /// Parses `query` into a checked expression tree.
    public static func parse(_ query: String) throws(PromQLParseError) -> Expr {
        let (tokens, bytes, strings) = try Lexer.tokens(query)
        var p = PromQLParser(query: query, bytes: bytes, tokens: tokens, strings: strings)
        guard p.current.kind != .eof else { throw p.error("no expression found in input") }
        let e = try p.parseBinary(minPrecedence: 1)
        guard p.current.kind == .eof else { throw p.error("unexpected \(p.describe(p.current))") }
        return e
    }

    private init(query: String, bytes: [UInt8], tokens: [Token], strings: [String]) {
        self.query = query
        self.bytes = bytes
        self.tokens = tokens
        self.strings = strings
    }

    /// An identifier token's text.
    private func text(of t: Token) -> String { String(decoding: bytes[t.offset..<t.end], as: UTF8.self) }

    // MARK: - Tokens

    private var current: Token { tokens[pos] }
    private var nextToken: Token { tokens[min(pos + 1, tokens.count - 1)] }
    private mutating func advance() { if pos < tokens.count - 1 { pos += 1 } }

    private func error(_ message: String, at token: Token? = nil) -> PromQLParseError {
        PromQLParseError(query, (token ?? current).offset, message)
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .number(let v): return "number \"\(v)\""
        case .duration: return "duration"
        case .string(let k): return "string \"\(strings[k])\""
        case .identifier: return "identifier \"\(text(of: t))\""
        case .op(let o): return "\"\(o.rawValue)\""
        case .leftParen: return "\"(\""
        case .rightParen: return "\")\""
        case .leftBrace: return "\"{\""
        case .rightBrace: return "\"}\""
        case .leftBracket: return "\"[\""
        case .rightBracket: return "\"]\""
        case .comma: return "\",\""
        case .colon: return "\":\""
        case .at: return "\"@\""
        case .eof: return "end of input"
        }
    }

    private func isKeyword(_ k: Token.Keyword, _ t: Token? = nil) -> Bool { (t ?? current).keyword == k }

    private mutating func expect(_ kind: Token.Kind, _ what: String) throws(PromQLParseError) {
        guard current.kind == kind else { throw error("unexpected \(describe(current)), expected \(what)") }
        advance()
    }

    // MARK: - Binary expressions

    /// The binary operator at the current token, if any.
    private var binaryOp: BinaryOp? {
        switch current.kind {
        case .op(let o):
            switch o {
            case .add: return .add
            case .sub: return .sub
            case .mul: return .mul
            case .div: return .div
            case .mod: return .mod
            case .pow: return .pow
            case .eql: return .eql
            case .neq: return .neq
            case .gtr: return .gtr
            case .lss: return .lss
            case .gte: return .gte
            case .lte: return .lte
            case .assign, .regexMatch, .regexNoMatch: return nil
            }
        case .identifier:
            switch current.keyword {
            case .and?: return .and
            case .or?: return .or
            case .unless?: return .unless
            case .atan2?: return .atan2
            default: return nil
            }
        default: return nil
        }
    }

    private mutating func parseBinary(minPrecedence: Int) throws(PromQLParseError) -> Expr {
        var lhs = try parseUnary()
        while let op = binaryOp, op.precedence >= minPrecedence {
            let opToken = current
            advance()
            var returnBool = false
            if isKeyword(.bool) {
                returnBool = true
                advance()
            }
            var matching: VectorMatching? = nil
            if isKeyword(.on) || isKeyword(.ignoring) {
                let on = isKeyword(.on)
                advance()
                matching = VectorMatching(cardinality: .oneToOne, labels: try parseLabelList(), on: on, include: [])
                if isKeyword(.groupLeft) || isKeyword(.groupRight) {
                    let left = isKeyword(.groupLeft)
                    let groupToken = current
                    advance()
                    matching?.cardinality = left ? .manyToOne : .oneToMany
                    if current.kind == .leftParen { matching?.include = try parseLabelList() }
                    if op.isSetOperator { throw error("no grouping allowed for \"\(op.rawValue)\" operation", at: groupToken) }
                }
            }
            // `^` is right-associative: its right side may hold another `^`.
            let rhs = try parseBinary(minPrecedence: op == .pow ? op.precedence : op.precedence + 1)
            lhs = try makeBinary(op, lhs, rhs, returnBool: returnBool, matching: matching, at: opToken)
        }
        return lhs
    }

    private func makeBinary(_ op: BinaryOp, _ lhs: Expr, _ rhs: Expr, returnBool: Bool, matching: VectorMatching?, at t: Token) throws(PromQLParseError) -> Expr {
        let lt = lhs.type, rt = rhs.type
        for side in [lt, rt] where side != .scalar && side != .instantVector {
            throw error("binary expression must contain only scalar and instant vector types", at: t)
        }
        if returnBool && !op.isComparison { throw error("bool modifier can only be used on comparison operators", at: t) }
        if op.isComparison && lt == .scalar && rt == .scalar && !returnBool {
            throw error("comparisons between scalars must use BOOL modifier", at: t)
        }
        let bothVectors = lt == .instantVector && rt == .instantVector
        if op.isSetOperator && !bothVectors {
            throw error("set operator \"\(op.rawValue)\" not allowed in binary scalar expression", at: t)
        }
        if matching != nil && !bothVectors { throw error("vector matching only allowed between instant vectors", at: t) }
        var m = matching
        if bothVectors {
            if m == nil { m = VectorMatching(cardinality: .oneToOne, labels: [], on: false, include: []) }
            if op.isSetOperator { m?.cardinality = .manyToMany }
            if let mm = m, mm.on {
                for l in mm.include where mm.labels.contains(l) {
                    throw error("label \"\(l)\" must not occur in ON and GROUP clause at once", at: t)
                }
            }
        }
        return .binary(Binary(op: op, lhs: lhs, rhs: rhs, returnBool: returnBool, matching: m))
    }

    private mutating func parseUnary() throws(PromQLParseError) -> Expr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw error("expression nested more than \(Self.maxDepth) levels deep") }
        if case .op(let o) = current.kind, o == .sub || o == .add {
            let t = current
            advance()
            // Unary minus binds less tightly than `^`: -2^2 is -(2^2).
            let operand = try parseBinary(minPrecedence: BinaryOp.pow.precedence)
            guard operand.type == .scalar || operand.type == .instantVector else {
                throw error("unary expression only allowed on expressions of type scalar or instant vector, got \(operand.type.rawValue)", at: t)
            }
            if o == .add { return operand }
            if case .number(let v) = operand { return .number(-v) }
            return .negate(operand)
        }
        return try parsePostfix(try parsePrimary())
    }

    // MARK: - Postfix: ranges, subqueries, offset, @

    private mutating func parsePostfix(_ base: Expr) throws(PromQLParseError) -> Expr {
        var e = base
        while true {
            if current.kind == .leftBracket {
                let t = current
                advance()
                let range = try parseDuration("range")
                if current.kind == .colon {
                    advance()
                    var step: Int64? = nil
                    if current.kind != .rightBracket { step = try parseDuration("subquery step") }
                    try expect(.rightBracket, "\"]\"")
                    guard e.type == .instantVector else {
                        throw error("subquery is only allowed on instant vector, got \(e.type.rawValue)", at: t)
                    }
                    if let s = step, s <= 0 { throw error("zero or negative subquery step", at: t) }
                    e = .subquery(Subquery(expr: e, rangeMs: range, stepMs: step))
                } else {
                    try expect(.rightBracket, "\"]\" or \":\"")
                    guard case .vectorSelector(let vs) = e else {
                        throw error("ranges only allowed for vector selectors", at: t)
                    }
                    if vs.offsetMs != 0 || vs.at != nil { throw error("no offset or @ modifiers allowed before range", at: t) }
                    e = .matrixSelector(MatrixSelector(selector: vs, rangeMs: range))
                }
                if range <= 0 { throw error("range must be greater than 0", at: t) }
                continue
            }
            if isKeyword(.offset) {
                let t = current
                advance()
                var sign: Int64 = 1
                if case .op(let o) = current.kind, o == .sub || o == .add {
                    sign = o == .sub ? -1 : 1
                    advance()
                }
                let d = try parseDuration("offset") * sign
                try setOffset(&e, d, at: t)
                continue
            }
            if current.kind == .at {
                let t = current
                advance()
                let at: AtModifier
                if isKeyword(.start) || isKeyword(.end) {
                    let start = isKeyword(.start)
                    advance()
                    try expect(.leftParen, "\"(\"")
                    try expect(.rightParen, "\")\"")
                    at = start ? .start : .end
                } else {
                    var sign = 1.0
                    if case .op(let o) = current.kind, o == .sub || o == .add {
                        sign = o == .sub ? -1 : 1
                        advance()
                    }
                    let seconds: Double
                    switch current.kind {
                    case .number(let v): seconds = v * sign
                    case .duration(let ms): seconds = Double(ms) / 1000 * sign
                    case .identifier where current.keyword == .inf || current.keyword == .nan:
                        throw error("timestamp out of bounds for @ modifier: \(text(of: current))")
                    default: throw error("unexpected \(describe(current)) in @, expected timestamp")
                    }
                    guard seconds.isFinite, abs(seconds * 1000) < 9.2e18 else { throw error("timestamp out of bounds for @ modifier: \(seconds)") }
                    advance()
                    at = .time(Int64((seconds * 1000).rounded()))
                }
                try setAt(&e, at, at: t)
                continue
            }
            return e
        }
    }

    private func setOffset(_ e: inout Expr, _ d: Int64, at t: Token) throws(PromQLParseError) {
        switch e {
        case .vectorSelector(var s):
            if s.offsetMs != 0 { throw error("offset may not be set multiple times", at: t) }
            s.offsetMs = d
            e = .vectorSelector(s)
        case .matrixSelector(var m):
            if m.selector.offsetMs != 0 { throw error("offset may not be set multiple times", at: t) }
            m.selector.offsetMs = d
            e = .matrixSelector(m)
        case .subquery(var q):
            if q.offsetMs != 0 { throw error("offset may not be set multiple times", at: t) }
            q.offsetMs = d
            e = .subquery(q)
        default:
            throw error("offset modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: t)
        }
    }

    private func setAt(_ e: inout Expr, _ at: AtModifier, at t: Token) throws(PromQLParseError) {
        switch e {
        case .vectorSelector(var s):
            if s.at != nil { throw error("@ <timestamp> may not be set multiple times", at: t) }
            s.at = at
            e = .vectorSelector(s)
        case .matrixSelector(var m):
            if m.selector.at != nil { throw error("@ <timestamp> may not be set multiple times", at: t) }
            m.selector.at = at
            e = .matrixSelector(m)
        case .subquery(var q):
            if q.at != nil { throw error("@ <timestamp> may not be set multiple times", at: t) }
            q.at = at
            e = .subquery(q)
        default:
            throw error("@ modifier must be preceded by an instant vector selector or range vector selector or a subquery", at: t)
        }
    }

    /// A duration literal, or a number of seconds (`[600]`, `offset 20`).
    private mutating func parseDuration(_ what: String) throws(PromQLParseError) -> Int64 {
        switch current.kind {
        case .duration(let ms):
            advance()
            return ms
        case .number(let v):
            guard v.isFinite, abs(v) * 1000 < 9.2e18 else { throw error("\(what) out of range") }
            advance()
            return Int64((v * 1000).rounded())
        default:
            throw error("unexpected \(describe(current)), expected a duration for the \(what)")
        }
    }

    // MARK: - Primary expressions

    private mutating func parsePrimary() throws(PromQLParseError) -> Expr {
        let t = current
        switch t.kind {
        case .number(let v):
            advance()
            return .number(v)
        case .duration(let ms):
            // A duration where a number goes is its seconds (`predict_linear(x[1h], 1h)`).
            advance()
            return .number(Double(ms) / 1000)
        case .string(let k):
            advance()
            return .string(strings[k])
        case .leftParen:
            advance()
            let e = try parseBinary(minPrecedence: 1)
            try expect(.rightParen, "\")\"")
            return .paren(e)
        case .leftBrace:
            return .vectorSelector(try parseSelector(name: nil, at: t))
        case .identifier:
            let name = text(of: t)
            if t.keyword == .inf || t.keyword == .nan {
                advance()
                return .number(t.keyword == .inf ? .infinity : .nan)
            }
            let next = nextToken
            let function = next.kind == .leftParen ? PromQLFunction.all[name] : nil
            // Aggregation names are keywords in any letter case (`SUM BY (x) (…)`).
            if function == nil, next.kind == .leftParen || isKeyword(.by, next) || isKeyword(.without, next),
               let op = AggregateOp.byName[name] ?? AggregateOp.byName[name.lowercased()] {
                advance()
                return try parseAggregate(op, at: t)
            }
            if next.kind == .leftParen {
                guard let function else { throw error("unknown function with name \"\(name)\"", at: t) }
                advance()
                return try parseCall(function, at: t)
            }
            if let k = t.keyword, k != .start, k != .end {
                throw error("unexpected keyword \"\(name)\"")
            }
            advance()
            return .vectorSelector(try parseSelector(name: name, at: t))
        default:
            throw error("unexpected \(describe(t))")
        }
    }

    private mutating func parseSelector(name: String?, at t: Token) throws(PromQLParseError) -> VectorSelector {
        var matchers: [Matcher] = []
        matchers.reserveCapacity(4)
        if let name { matchers.append(.eq("__name__", name)) }
        if current.kind == .leftBrace {
            advance()
            while current.kind != .rightBrace {
                let nameToken = current
                guard current.kind == .identifier, !current.hasColon else {
                    throw error("unexpected \(describe(current)) in label matching, expected label name")
                }
                let label = text(of: current)
                advance()
                guard case .op(let o) = current.kind, let kind = Self.matcherKind(o) else {
                    throw error("unexpected \(describe(current)) in label matching, expected one of \"=\", \"!=\", \"=~\", \"!~\"")
                }
                advance()
                guard case .string(let k) = current.kind else {
                    throw error("unexpected \(describe(current)) in label matching, expected string")
                }
                let value = strings[k]
                advance()
                if label == "__name__", name != nil { throw error("metric name must not be set twice: \"\(name ?? "")\" or \"\(value)\"", at: nameToken) }
                do {
                    matchers.append(try Matcher(kind, label, value))
                } catch {
                    throw self.error("\(error)", at: nameToken)
                }
                if current.kind == .comma { advance(); continue }
                guard current.kind == .rightBrace else {
                    throw error("unexpected \(describe(current)) in label matching, expected \",\" or \"}\"")
                }
            }
            advance()
        }
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw error("vector selector must contain at least one non-empty matcher", at: t)
        }
        return VectorSelector(name: name, matchers: matchers)
    }

    private static func matcherKind(_ o: Token.Operator) -> Matcher.Kind? {
        switch o {
        case .assign: return .equal
        case .neq: return .notEqual
        case .regexMatch: return .regex
        case .regexNoMatch: return .notRegex
        default: return nil
        }
    }

    /// `(a, b, …)`: label names (keywords allowed), trailing comma allowed.
    private mutating func parseLabelList() throws(PromQLParseError) -> [String] {
        try expect(.leftParen, "\"(\"")
        var out: [String] = []
        while current.kind != .rightParen {
            guard current.kind == .identifier, !current.hasColon else {
                throw error("unexpected \(describe(current)) in grouping opts, expected label")
            }
            out.append(text(of: current))
            advance()
            if current.kind == .comma { advance(); continue }
            guard current.kind == .rightParen else { throw error("unexpected \(describe(current)) in grouping opts, expected \")\" or \",\"") }
        }
        advance()
        return out
    }

    /// `(expr, expr, …)` of a call or aggregation; `context` names it in errors.
    private mutating func parseArguments(_ context: String) throws(PromQLParseError) -> [Expr] {
        try expect(.leftParen, "\"(\"")
        var args: [Expr] = []
        while current.kind != .rightParen {
            args.append(try parseBinary(minPrecedence: 1))
            if current.kind == .comma { advance(); continue }
            guard current.kind == .rightParen else { throw error("unexpected \(describe(current)) in \(context), expected \",\" or \")\"") }
        }
        advance()
        return args
    }

    private mutating func parseAggregate(_ op: AggregateOp, at t: Token) throws(PromQLParseError) -> Expr {
        var grouping: [String] = []
        var without = false
        var grouped = false
        if isKeyword(.by) || isKeyword(.without) {
            without = isKeyword(.without)
            advance()
            grouping = try parseLabelList()
            grouped = true
        }
        let args = try parseArguments("aggregation")
        if isKeyword(.by) || isKeyword(.without) {
            if grouped { throw error("aggregation must only contain one grouping clause") }
            without = isKeyword(.without)
            advance()
            grouping = try parseLabelList()
            if isKeyword(.by) || isKeyword(.without) { throw error("aggregation must only contain one grouping clause") }
        }
        let wanted = op.hasParameter ? 2 : 1
        guard args.count == wanted else {
            throw error("wrong number of arguments for aggregate expression provided, expected \(wanted), got \(args.count)", at: t)
        }
        let expr = args[args.count - 1]
        guard expr.type == .instantVector else {
            throw error("expected type instant vector in aggregation expression, got \(expr.type.rawValue)", at: t)
        }
        var param: Expr? = nil
        if op.hasParameter {
            let p = args[0]
            guard p.type == op.parameterType else {
                throw error("expected type \(op.parameterType.rawValue) in aggregation parameter, got \(p.type.rawValue)", at: t)
            }
            param = p
        }
        return .aggregate(Aggregate(op: op, expr: expr, param: param, grouping: grouping, without: without))
    }

    private mutating func parseCall(_ f: PromQLFunction, at t: Token) throws(PromQLParseError) -> Expr {
        let name = f.name
        let args = try parseArguments("call to \"\(name)\"")
        let n = f.argTypes.count
        if !f.variadic && f.optionalArgs == 0 {
            guard args.count == n else { throw error("expected \(n) argument(s) in call to \"\(name)\", got \(args.count)", at: t) }
        } else {
            guard args.count >= n - f.optionalArgs else {
                throw error("expected at least \(n - f.optionalArgs) argument(s) in call to \"\(name)\", got \(args.count)", at: t)
            }
            if !f.variadic && args.count > n { throw error("expected at most \(n) argument(s) in call to \"\(name)\", got \(args.count)", at: t) }
        }
        for (i, a) in args.enumerated() {
            let want = i < n ? f.argTypes[i] : f.argTypes[n - 1]
            guard a.type == want else {
                throw error("expected type \(want.rawValue) in call to function \"\(name)\", got \(a.type.rawValue)", at: t)
            }
        }
        return .call(Call(function: f, args: args))
    }
}
