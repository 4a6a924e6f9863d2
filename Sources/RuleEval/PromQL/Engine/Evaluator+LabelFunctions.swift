import TSDB

extension Evaluator {
    /// The string literal argument `i` of a call.
    func stringArg(_ c: Call, _ i: Int) throws(QueryError) -> String {
        guard i < c.args.count, case .string(let s) = Self.unwrapParens(c.args[i]) else {
            throw .badData("argument \(i + 1) of \(c.function.name) must be a string literal")
        }
        return s
    }

    /// `label_replace(v, dst, replacement, src, regex)`. A bad regex or destination name is an
    /// evaluation error (422 `execution`), as Prometheus reports it, not a parse error.
    func labelReplace(_ c: Call) throws(QueryError) -> [StepSeries] {
        let dst = try stringArg(c, 1), repl = try stringArg(c, 2), src = try stringArg(c, 3), pattern = try stringArg(c, 4)
        let regex: RelabelRegex
        do { regex = try RelabelRegex(pattern) } catch {
            throw .execution("invalid regular expression in label_replace(): \(pattern)")
        }
        let replacement = RegexReplacement(repl)
        guard LabelValidation.isValidLabelName(dst) else { throw .execution("invalid destination label name in label_replace(): \(dst)") }
        var series = try evalVector(c.args[0])
        for i in series.indices {
            let value = series[i].labels[src]
            guard let result = regex.replace(value, with: replacement) else { continue }
            series[i].labels = series[i].labels.setting(dst, to: result)
            if dst == "__name__" { series[i].dropName = false }
        }
        return try Self.mergeSameLabels(series)
    }

    /// `label_join(v, dst, separator, src...)`. Bad label names are evaluation errors (422),
    /// sources checked before the destination, as in Prometheus.
    func labelJoin(_ c: Call) throws(QueryError) -> [StepSeries] {
        let dst = try stringArg(c, 1), sep = try stringArg(c, 2)
        var srcs: [String] = []
        for i in 3..<c.args.count { srcs.append(try stringArg(c, i)) }
        for s in srcs where !LabelValidation.isValidLabelName(s) { throw .execution("invalid source label name in label_join(): \(s)") }
        guard LabelValidation.isValidLabelName(dst) else { throw .execution("invalid destination label name in label_join(): \(dst)") }
        var series = try evalVector(c.args[0])
        for i in series.indices {
            let joined = srcs.map { series[i].labels[$0] }.joined(separator: sep)
            series[i].labels = series[i].labels.setting(dst, to: joined)
            if dst == "__name__" { series[i].dropName = false }
        }
        return try Self.mergeSameLabels(series)
    }
}
