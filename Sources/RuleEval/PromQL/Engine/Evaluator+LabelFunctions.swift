import TSDB

extension Evaluator {
    /// The string literal argument `i` of a call.
    func stringArg(_ c: Call, _ i: Int) throws(QueryError) -> String {
        guard i < c.args.count, case .string(let s) = Self.unwrapParens(c.args[i]) else {
            throw .badData("argument \(i + 1) of \(c.function.name) must be a string literal")
        }
        return s
    }

    /// `label_replace(v, dst, replacement, src, regex)`.
    func labelReplace(_ c: Call) throws(QueryError) -> [StepSeries] {
        let dst = try stringArg(c, 1), repl = try stringArg(c, 2), src = try stringArg(c, 3), pattern = try stringArg(c, 4)
        let regex: Regex<AnyRegexOutput>
        do { regex = try Regex("^(?s:" + pattern + ")$") } catch {
            throw .badData("invalid regular expression in label_replace(): \(pattern)")
        }
        guard LabelValidation.isValidLabelName(dst) else { throw .badData("invalid destination label name in label_replace(): \(dst)") }
        var series = try evalVector(c.args[0])
        for i in series.indices {
            let value = series[i].labels[src]
            guard let match = try? regex.wholeMatch(in: value) else { continue }
            let result = Self.expand(repl, match)
            series[i].labels = series[i].labels.setting(dst, to: result)
            if dst == "__name__" { series[i].dropName = false }
        }
        return try Self.mergeSameLabels(series)
    }

    /// `label_join(v, dst, separator, src...)`.
    func labelJoin(_ c: Call) throws(QueryError) -> [StepSeries] {
        let dst = try stringArg(c, 1), sep = try stringArg(c, 2)
        var srcs: [String] = []
        for i in 3..<c.args.count { srcs.append(try stringArg(c, i)) }
        guard LabelValidation.isValidLabelName(dst) else { throw .badData("invalid destination label name in label_join(): \(dst)") }
        for s in srcs where !LabelValidation.isValidLabelName(s) { throw .badData("invalid source label name in label_join(): \(s)") }
        var series = try evalVector(c.args[0])
        for i in series.indices {
            let joined = srcs.map { series[i].labels[$0] }.joined(separator: sep)
            series[i].labels = series[i].labels.setting(dst, to: joined)
            if dst == "__name__" { series[i].dropName = false }
        }
        return try Self.mergeSameLabels(series)
    }

    /// Go's `Regexp.Expand`: `$1`, `${1}`, `$name`, `${name}`, `$$`; unknown groups expand to "".
    static func expand(_ template: String, _ match: Regex<AnyRegexOutput>.Match) -> String {
        let t = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0
        func isNameChar(_ u: Unicode.Scalar) -> Bool {
            (u >= "a" && u <= "z") || (u >= "A" && u <= "Z") || (u >= "0" && u <= "9") || u == "_"
        }
        func group(_ name: String) -> String {
            if let n = Int(name) {
                guard n >= 0, n < match.output.count, let sub = match.output[n].substring else { return "" }
                return String(sub)
            }
            if let sub = match.output[name]?.substring { return String(sub) }
            return ""
        }
        while i < t.count {
            guard t[i] == "$", i + 1 < t.count else { out.append(t[i]); i += 1; continue }
            if t[i + 1] == "$" { out.append("$"); i += 2; continue }
            var name = ""
            var j = i + 1
            if t[j] == "{" {
                j += 1
                while j < t.count && isNameChar(t[j]) { name.unicodeScalars.append(t[j]); j += 1 }
                guard j < t.count, t[j] == "}", !name.isEmpty else { out.append(t[i]); i += 1; continue }
                j += 1
            } else {
                while j < t.count && isNameChar(t[j]) { name.unicodeScalars.append(t[j]); j += 1 }
                guard !name.isEmpty else { out.append(t[i]); i += 1; continue }
            }
            out.append(contentsOf: group(name).unicodeScalars)
            i = j
        }
        return String(out)
    }
}
