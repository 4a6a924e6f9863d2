import TSDB

/// The type of a PromQL expression's value.
public enum ValueType: String, Sendable, Equatable {
    case scalar
    case instantVector = "instant vector"
    case rangeVector = "range vector"
    case string
}

/// A PromQL expression tree, as the parser builds it (types already checked).
public indirect enum Expr: Sendable, Equatable {
    case number(Double)
    case string(String)
    case vectorSelector(VectorSelector)
    /// A vector selector with a range: `foo[5m]`.
    case matrixSelector(MatrixSelector)
    /// `expr[range:step]`; a nil step means the engine's default resolution.
    case subquery(Subquery)
    case call(Call)
    case aggregate(Aggregate)
    case binary(Binary)
    /// Unary minus (unary plus is dropped by the parser).
    case negate(Expr)
    case paren(Expr)

    /// The type of the value the expression evaluates to.
    public var type: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vectorSelector, .aggregate: return .instantVector
        case .matrixSelector, .subquery: return .rangeVector
        case .call(let c): return c.function.returnType
        case .binary(let b): return b.lhs.type == .scalar && b.rhs.type == .scalar ? .scalar : .instantVector
        case .negate(let e), .paren(let e): return e.type
        }
    }
}

/// `@ <time>`, `@ start()` or `@ end()` on a selector or subquery.
public enum AtModifier: Sendable, Equatable {
    /// Milliseconds since the epoch.
    case time(Int64)
    case start
    case end
}

/// An instant vector selector: a metric name and/or label matchers, with optional offset and `@`.
public struct VectorSelector: Sendable, Equatable {
    /// The metric name written before the braces, if any (also present as a `__name__` matcher).
    public var name: String?
    /// All matchers, the name's included.
    public var matchers: [Matcher]
    /// Offset in milliseconds (negative looks ahead).
    public var offsetMs: Int64 = 0
    public var at: AtModifier?
}

/// A vector selector over a range, `foo[5m]`.
public struct MatrixSelector: Sendable, Equatable {
    public var selector: VectorSelector
    public var rangeMs: Int64
}

/// A subquery, `expr[range:step]`.
public struct Subquery: Sendable, Equatable {
    public var expr: Expr
    public var rangeMs: Int64
    /// Nil: the default resolution.
    public var stepMs: Int64?
    public var offsetMs: Int64 = 0
    public var at: AtModifier?
}

/// A function call.
public struct Call: Sendable, Equatable {
    public var function: PromQLFunction
    public var args: [Expr]
}

/// The aggregation operators.
public enum AggregateOp: String, Sendable, CaseIterable {
    case sum, avg, count, min, max, group, stddev, stdvar, topk, bottomk
    case countValues = "count_values"
    case quantile
    case limitk
    case limitRatio = "limit_ratio"

    /// Operators by lower-case name (a hash lookup; the parser asks for every call).
    static let byName: [String: AggregateOp] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// Whether the operator takes a parameter before the vector.
    public var hasParameter: Bool {
        switch self {
        case .topk, .bottomk, .countValues, .quantile, .limitk, .limitRatio: return true
        default: return false
        }
    }

    /// The parameter's type.
    var parameterType: ValueType { self == .countValues ? .string : .scalar }
}

/// `sum by (job) (expr)` and friends.
public struct Aggregate: Sendable, Equatable {
    public var op: AggregateOp
    public var expr: Expr
    public var param: Expr?
    /// The `by` or `without` labels.
    public var grouping: [String]
    public var without: Bool
}

/// The binary operators.
public enum BinaryOp: String, Sendable, CaseIterable {
    case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^", atan2
    case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
    case and, or, unless

    /// Binding strength: higher binds tighter.
    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .eql, .neq, .gtr, .lss, .gte, .lte: return 3
        case .add, .sub: return 4
        case .mul, .div, .mod, .atan2: return 5
        case .pow: return 6
        }
    }

    public var isComparison: Bool {
        switch self {
        case .eql, .neq, .gtr, .lss, .gte, .lte: return true
        default: return false
        }
    }

    public var isSetOperator: Bool { self == .and || self == .or || self == .unless }
}

/// How two vectors' elements are matched.
public enum VectorMatchCardinality: Sendable, Equatable {
    case oneToOne
    case manyToOne
    case oneToMany
    case manyToMany
}

/// `on`/`ignoring` and `group_left`/`group_right` of a binary operation between vectors.
public struct VectorMatching: Sendable, Equatable {
    public var cardinality: VectorMatchCardinality
    /// The `on` labels (when `on` is true) or the `ignoring` labels.
    public var labels: [String]
    public var on: Bool
    /// Labels copied from the "one" side (`group_left(extra)`).
    public var include: [String]
}

/// A binary operation.
public struct Binary: Sendable, Equatable {
    public var op: BinaryOp
    public var lhs: Expr
    public var rhs: Expr
    /// `bool` on a comparison.
    public var returnBool: Bool
    /// Nil when either side is a scalar.
    public var matching: VectorMatching?
}
