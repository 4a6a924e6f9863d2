import RuleEval
import TSDB

/// Parses a PromQL series selector (`name{label="v", other=~"re"}`), as `match[]` parameters
/// carry them, into matchers: the PromQL parser, accepting only a plain vector selector.
enum SeriesSelector {
    struct ParseError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    static func parse(_ text: String) throws(ParseError) -> [Matcher] {
        let expr: Expr
        do { expr = try PromQLParser.parse(text) } catch { throw ParseError(message: "\(error)") }
        guard case .vectorSelector(let v) = expr, v.offsetMs == 0, v.at == nil else {
            throw ParseError(message: "\"\(text)\" is not a series selector: expected a metric name and/or label matchers")
        }
        return v.matchers
    }
}
