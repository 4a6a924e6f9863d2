import Foundation
import TSDB

/// Prints an expression back as PromQL in Prometheus' canonical spelling (for `format_query`,
/// rule listings and messages). Parsing the output gives the same tree.
extension Expr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .number(let v): return Self.formatNumber(v)
        case .string(let s): return Self.quote(s)
        case .vectorSelector(let v): return v.description
        case .matrixSelector(let m):
            var base = m.selector
            base.offsetMs = 0
            base.at = nil
            return "\(base)[\(Self.formatDuration(m.rangeMs))]" + Self.modifiers(m.selector.offsetMs, m.selector.at)
        case .subquery(let q):
            let step = q.stepMs.map(Self.formatDuration) ?? ""
            return "\(q.expr)[\(Self.formatDuration(q.rangeMs)):\(step)]" + Self.modifiers(q.offsetMs, q.at)
        case .call(let c): return "\(c.function.name)(\(c.args.map(\.description).joined(separator: ", ")))"
        case .aggregate(let a):
            var s = a.op.rawValue
            if !a.grouping.isEmpty || a.without {
                s += " \(a.without ? "without" : "by") (\(a.grouping.joined(separator: ", "))) "
            }
            let args = (a.param.map { ["\($0)"] } ?? []) + ["\(a.expr)"]
            return s + "(\(args.joined(separator: ", ")))"
        case .binary(let b):
            var op = b.op.rawValue
            if b.returnBool { op += " bool" }
            if let m = b.matching {
                let printsMatching = m.on || !m.labels.isEmpty || m.cardinality == .manyToOne || m.cardinality == .oneToMany
                if printsMatching {
                    op += " \(m.on ? "on" : "ignoring") (\(m.labels.joined(separator: ", ")))"
                    if m.cardinality == .manyToOne || m.cardinality == .oneToMany {
                        op += " \(m.cardinality == .manyToOne ? "group_left" : "group_right") (\(m.include.joined(separator: ", ")))"
                    }
                }
            }
            return "\(b.lhs) \(op) \(b.rhs)"
        case .negate(let e): return "-\(e)"
        case .paren(let e): return "(\(e))"
        }
    }

    static func modifiers(_ offsetMs: Int64, _ at: AtModifier?) -> String {
        var s = ""
        switch at {
        case .time(let ms)?: s += " @ " + String(format: "%.3f", Double(ms) / 1000)
        case .start?: s += " @ start()"
        case .end?: s += " @ end()"
        case nil: break
        }
        if offsetMs > 0 { s += " offset \(formatDuration(offsetMs))" }
        if offsetMs < 0 { s += " offset -\(formatDuration(-offsetMs))" }
        return s
    }

    /// Go's shortest float formatting as Prometheus prints literals: `+Inf`, `-Inf`, `NaN`, else digits.
    static func formatNumber(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// `1h30m`-style, as Prometheus prints durations (`0s` for zero).
    public static func formatDuration(_ ms: Int64) -> String {
        if ms == 0 { return "0s" }
        var rest = ms
        var out = ""
        for (unit, size) in [("y", Int64(365 * 86_400_000)), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000),
                             ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    /// A double-quoted string with Go's escapes (`strconv.Quote`, as Prometheus prints strings).
    static func quote(_ s: String) -> String { GoQuote.quote(s) }
}

extension VectorSelector: CustomStringConvertible {
    public var description: String {
        var s = name ?? ""
        let shown = matchers.filter { !($0.name == "__name__" && name != nil && $0.kind == .equal && $0.value == name) }
        if !shown.isEmpty || name == nil {
            s += "{" + shown.map { "\($0.name)\($0.kind.rawValue)\(Expr.quote($0.value))" }.joined(separator: ", ") + "}"
        }
        return s + Expr.modifiers(offsetMs, at)
    }
}
