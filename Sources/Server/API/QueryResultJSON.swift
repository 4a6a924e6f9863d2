import RuleEval
import TSDB

/// Writes a query's value as the Prometheus API's `data` object:
/// `{"resultType":"vector","result":[{"metric":{…},"value":[<seconds>,"<value>"]}, …]}`,
/// matrices with `"values":[[…],…]`, scalars and strings as one `[<seconds>,"<text>"]`.
enum QueryResultJSON {
    static func write(_ value: QueryValue, into b: inout JSONBuffer) {
        b.raw(#"{"resultType":"#)
        b.string(value.resultType)
        b.raw(#","result":"#)
        switch value {
        case .scalar(let t, let v):
            b.point(t, v)
        case .string(let t, let s):
            b.byte(UInt8(ascii: "["))
            b.timestamp(t)
            b.byte(UInt8(ascii: ","))
            b.string(s)
            b.byte(UInt8(ascii: "]"))
        case .vector(let samples):
            b.array(samples) { b, s in
                b.raw(#"{"metric":"#)
                b.labels(s.labels)
                b.raw(#","value":"#)
                b.point(s.t, s.v)
                b.byte(UInt8(ascii: "}"))
            }
        case .matrix(let series):
            b.array(series) { b, s in
                b.raw(#"{"metric":"#)
                b.labels(s.labels)
                b.raw(#","values":"#)
                b.array(s.points) { b, p in b.point(p.t, p.v) }
                b.byte(UInt8(ascii: "}"))
            }
        }
        b.byte(UInt8(ascii: "}"))
    }

    /// A rough size of the JSON, to reserve the buffer once.
    static func estimatedBytes(_ value: QueryValue) -> Int {
        switch value {
        case .scalar, .string: return 128
        case .vector(let v): return 64 + v.count * 160
        case .matrix(let m): return 64 + m.reduce(0) { $0 + 128 + $1.points.count * 32 }
        }
    }

    /// `value` cut to its first `limit` series (vectors and matrices; 0 = no limit), and whether
    /// anything was cut.
    static func truncated(_ value: QueryValue, limit: Int) -> (QueryValue, Bool) {
        guard limit > 0 else { return (value, false) }
        switch value {
        case .vector(let v) where v.count > limit: return (.vector(Array(v.prefix(limit))), true)
        case .matrix(let m) where m.count > limit: return (.matrix(Array(m.prefix(limit))), true)
        default: return (value, false)
        }
    }
}
