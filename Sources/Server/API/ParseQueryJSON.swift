import RuleEval
import TSDB

/// Writes a parsed expression as the JSON tree of Prometheus' `/api/v1/parse_query` (what its
/// web UI's tree view reads): node objects with `type` and keys in Go's sorted map order.
enum ParseQueryJSON {
    static func write(_ e: Expr, into b: inout JSONBuffer) {
        switch e {
        case .number(let v):
            b.raw(#"{"type":"numberLiteral","val":"#)
            b.sampleValue(v)
            b.byte(UInt8(ascii: "}"))
        case .negate(.number(let v)):
            // Prometheus' parser folds a negated literal into the literal.
            write(.number(-v), into: &b)
        case .string(let s):
            b.raw(#"{"type":"stringLiteral","val":"#)
            b.string(s)
            b.byte(UInt8(ascii: "}"))
        case .paren(let x):
            b.raw(#"{"expr":"#)
            write(x, into: &b)
            b.raw(#","type":"parenExpr"}"#)
        case .negate(let x):
            b.raw(#"{"expr":"#)
            write(x, into: &b)
            b.raw(#","op":"-","type":"unaryExpr"}"#)
        case .vectorSelector(let v):
            selectorFields(v, range: nil, into: &b)
            b.raw(#","type":"vectorSelector"}"#)
        case .matrixSelector(let m):
            selectorFields(m.selector, range: m.rangeMs, into: &b)
            b.raw(#","type":"matrixSelector"}"#)
        case .subquery(let s):
            b.raw(#"{"expr":"#)
            write(s.expr, into: &b)
            b.raw(#","offset":"#)
            b.int(s.offsetMs)
            b.raw(#","range":"#)
            b.int(s.rangeMs)
            at(s.at, into: &b, step: s.stepMs ?? 0)
            b.raw(#","type":"subquery"}"#)
        case .call(let c):
            b.raw(#"{"args":"#)
            b.array(c.args) { b, a in write(a, into: &b) }
            b.raw(#","func":{"argTypes":"#)
            b.stringArray(c.function.argTypes.map(goTypeName))
            b.raw(#","name":"#)
            b.string(c.function.name)
            b.raw(#","returnType":"#)
            b.string(goTypeName(c.function.returnType))
            b.raw(#","variadic":"#)
            b.int(c.function.variadic ? -1 : Int64(c.function.optionalArgs))
            b.raw(#"},"type":"call"}"#)
        case .aggregate(let a):
            b.raw(#"{"expr":"#)
            write(a.expr, into: &b)
            b.raw(#","grouping":"#)
            b.stringArray(a.grouping)
            b.raw(#","op":"#)
            b.string(a.op.rawValue)
            b.raw(#","param":"#)
            if let p = a.param { write(p, into: &b) } else { b.raw("null") }
            b.raw(#","type":"aggregation","without":"#)
            b.raw(a.without ? "true" : "false")
            b.byte(UInt8(ascii: "}"))
        case .binary(let x):
            b.raw(#"{"bool":"#)
            b.raw(x.returnBool ? "true" : "false")
            b.raw(#","lhs":"#)
            write(x.lhs, into: &b)
            b.raw(#","matching":"#)
            if let m = x.matching {
                b.raw(#"{"card":"#)
                b.string(cardinalityName(m.cardinality))
                b.raw(#","include":"#)
                b.stringArray(m.include)
                b.raw(#","labels":"#)
                b.stringArray(m.labels)
                b.raw(#","on":"#)
                b.raw(m.on ? "true" : "false")
                b.byte(UInt8(ascii: "}"))
            } else {
                b.raw("null")
            }
            b.raw(#","op":"#)
            b.string(x.op.rawValue)
            b.raw(#","rhs":"#)
            write(x.rhs, into: &b)
            b.raw(#","type":"binaryExpr"}"#)
        }
    }

    /// `{"matchers":[…],"name":…,"offset":…[,"range":…],"startOrEnd":…,"timestamp":…` (left open).
    private static func selectorFields(_ v: VectorSelector, range: Int64?, into b: inout JSONBuffer) {
        b.raw(#"{"matchers":"#)
        b.array(v.matchers) { b, m in
            b.raw(#"{"name":"#)
            b.string(m.name)
            b.raw(#","type":"#)
            b.string(m.kind.rawValue)
            b.raw(#","value":"#)
            b.string(m.value)
            b.byte(UInt8(ascii: "}"))
        }
        b.raw(#","name":"#)
        b.string(v.name ?? "")
        b.raw(#","offset":"#)
        b.int(v.offsetMs)
        if let range {
            b.raw(#","range":"#)
            b.int(range)
        }
        at(v.at, into: &b, step: nil)
    }

    /// `,"startOrEnd":…[,"step":…],"timestamp":…` for an `@` modifier (step between, for subqueries).
    private static func at(_ at: AtModifier?, into b: inout JSONBuffer, step: Int64?) {
        b.raw(#","startOrEnd":"#)
        switch at {
        case .start?: b.raw(#""start""#)
        case .end?: b.raw(#""end""#)
        default: b.raw("null")
        }
        if let step {
            b.raw(#","step":"#)
            b.int(step)
        }
        b.raw(#","timestamp":"#)
        if case .time(let ms)? = at { b.int(ms) } else { b.raw("null") }
    }

    /// Go's `parser.ValueType` names.
    static func goTypeName(_ t: ValueType) -> String {
        switch t {
        case .scalar: return "scalar"
        case .instantVector: return "vector"
        case .rangeVector: return "matrix"
        case .string: return "string"
        }
    }

    static func cardinalityName(_ c: VectorMatchCardinality) -> String {
        switch c {
        case .oneToOne: return "one-to-one"
        case .manyToOne: return "many-to-one"
        case .oneToMany: return "one-to-many"
        case .manyToMany: return "many-to-many"
        }
    }
}
