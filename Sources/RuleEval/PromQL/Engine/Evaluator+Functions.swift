#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TSDB

extension Evaluator {
    /// Evaluates a function call.
    func evalCall(_ c: Call) throws(QueryError) -> EvalValue {
        let name = c.function.name
        if name.hasPrefix("histogram_"), name != "histogram_quantile", name != "histogram_fraction" {
            // These read native histograms only, which Tidemark does not store yet.
            throw .badData("\(name)() needs native histograms, which are not supported: use classic histograms (_bucket, _sum and _count series) with histogram_quantile() or histogram_fraction()")
        }
        if let series = try evalRangeFunction(c) { return .vector(series) }
        switch name {
        case "time": return .scalar((0..<stepCount).map { Double(time($0)) / 1000 })
        case "pi": return .scalar(Array(repeating: Double.pi, count: stepCount))
        case "vector":
            let v = try evalScalar(c.args[0])
            return .vector([StepSeries(labels: Labels(sortedUnchecked: []), points: v.enumerated().map { FPoint(t: time($0.offset), v: $0.element) })])
        case "scalar":
            let series = try evalVector(c.args[0])
            var values = [Double](repeating: .nan, count: stepCount)
            var counts = [Int](repeating: 0, count: stepCount)
            for s in series { for p in s.points { let i = index(p.t); counts[i] += 1; values[i] = p.v } }
            for i in 0..<stepCount where counts[i] != 1 { values[i] = .nan }
            return .scalar(values)
        case "absent":
            let series = try evalVector(c.args[0])
            var seen = [Bool](repeating: false, count: stepCount)
            for s in series { for p in s.points { seen[index(p.t)] = true } }
            let points = seen.indices.filter { !seen[$0] }.map { FPoint(t: time($0), v: 1) }
            return .vector(points.isEmpty ? [] : [StepSeries(labels: Self.absentLabels(c.args[0]), points: points)])
        case "timestamp":
            if case .vectorSelector(let vs) = Self.unwrapParens(c.args[0]) {
                var series = try selectVector(vs, sampleTimes: true)
                for i in series.indices { dropName(&series[i]) }
                return .vector(try afterNameDrop(series))
            }
            return .vector(try mapValues(c.args[0]) { t, _ in Double(t) / 1000 })
        case "sort", "sort_desc":
            var series = try evalVector(c.args[0])
            if stepCount == 1 { Self.sortByValue(&series, descending: name == "sort_desc") }
            return .vector(series)
        case "sort_by_label", "sort_by_label_desc":
            var series = try evalVector(c.args[0])
            var names: [String] = []
            for a in c.args.dropFirst() { guard case .string(let s) = a else { continue }; names.append(s) }
            Self.sortByLabels(&series, names, descending: name == "sort_by_label_desc")
            return .vector(series)
        case "label_replace": return .vector(try labelReplace(c))
        case "label_join": return .vector(try labelJoin(c))
        case "histogram_quantile": return .vector(try histogramQuantile(c))
        case "histogram_fraction": return .vector(try histogramFraction(c))
        case "round":
            let to = c.args.count > 1 ? try evalScalar(c.args[1]) : [Double](repeating: 1, count: stepCount)
            return .vector(try mapValues(c.args[0]) { t, v in
                let inverse = 1.0 / to[index(t)]
                return (v * inverse + 0.5).rounded(.down) / inverse
            })
        case "clamp":
            let lo = try evalScalar(c.args[1]), hi = try evalScalar(c.args[2])
            return .vector(try mapValues(c.args[0], keep: { t in lo[index(t)] <= hi[index(t)] || lo[index(t)].isNaN || hi[index(t)].isNaN }) { t, v in
                Self.goMax(lo[index(t)], Self.goMin(hi[index(t)], v))
            })
        case "clamp_min":
            let lo = try evalScalar(c.args[1])
            return .vector(try mapValues(c.args[0]) { t, v in Self.goMax(lo[index(t)], v) })
        case "clamp_max":
            let hi = try evalScalar(c.args[1])
            return .vector(try mapValues(c.args[0]) { t, v in Self.goMin(hi[index(t)], v) })
        case "minute", "hour", "day_of_week", "day_of_month", "day_of_year", "days_in_month", "month", "year":
            let part = DatePart(rawValue: name) ?? .year
            if c.args.isEmpty {
                let points = (0..<stepCount).map { FPoint(t: time($0), v: part.value(Double(time($0)) / 1000)) }
                return .vector([StepSeries(labels: Labels(sortedUnchecked: []), points: points)])
            }
            return .vector(try mapValues(c.args[0]) { _, v in part.value(v) })
        default:
            guard let f = Self.simpleFunctions[name] else {
                throw .execution("function \"\(name)\" is not supported")
            }
            return .vector(try mapValues(c.args[0]) { _, v in f(v) })
        }
    }

    static func unwrapParens(_ e: Expr) -> Expr {
        if case .paren(let inner) = e { return unwrapParens(inner) }
        return e
    }

    /// Applies `f(stepTime, value)` to every point of an instant-vector argument, dropping the
    /// metric name. Steps where `keep` is false produce nothing.
    func mapValues(_ e: Expr, keep: ((Int64) -> Bool)? = nil, _ f: (Int64, Double) -> Double) throws(QueryError) -> [StepSeries] {
        var series = try evalVector(e)
        for i in series.indices {
            if let keep { series[i].points.removeAll { !keep($0.t) } }
            for k in series[i].points.indices {
                series[i].points[k].v = f(series[i].points[k].t, series[i].points[k].v)
            }
            dropName(&series[i])
        }
        series.removeAll { $0.points.isEmpty }
        return try afterNameDrop(series)
    }

    /// Functions of one value.
    static let simpleFunctions: [String: @Sendable (Double) -> Double] = [
        "abs": { Swift.abs($0) }, "ceil": { $0.rounded(.up) }, "floor": { $0.rounded(.down) },
        "exp": { Glibc.exp($0) }, "sqrt": { $0.squareRoot() }, "ln": { Glibc.log($0) },
        "log2": { Glibc.log2($0) }, "log10": { Glibc.log10($0) },
        "sin": { Glibc.sin($0) }, "cos": { Glibc.cos($0) }, "tan": { Glibc.tan($0) },
        "asin": { Glibc.asin($0) }, "acos": { Glibc.acos($0) }, "atan": { Glibc.atan($0) },
        "sinh": { Glibc.sinh($0) }, "cosh": { Glibc.cosh($0) }, "tanh": { Glibc.tanh($0) },
        "asinh": { Glibc.asinh($0) }, "acosh": { Glibc.acosh($0) }, "atanh": { Glibc.atanh($0) },
        "deg": { $0 * 180 / Double.pi }, "rad": { $0 * Double.pi / 180 },
        "sgn": { $0 < 0 ? -1 : ($0 > 0 ? 1 : $0) },
    ]

    /// Go's `math.Max`: NaN wins over finite values, +Inf over NaN.
    static func goMax(_ a: Double, _ b: Double) -> Double {
        if a == .infinity || b == .infinity { return .infinity }
        if a.isNaN || b.isNaN { return .nan }
        if a == 0 && b == 0 { return a.sign == .minus ? b : a }
        return a > b ? a : b
    }

    /// Go's `math.Min`: NaN wins over finite values, -Inf over NaN.
    static func goMin(_ a: Double, _ b: Double) -> Double {
        if a == -.infinity || b == -.infinity { return -.infinity }
        if a.isNaN || b.isNaN { return .nan }
        if a == 0 && b == 0 { return a.sign == .minus ? a : b }
        return a < b ? a : b
    }

    /// `sort`/`sort_desc` of an instant result by value; NaNs last either way.
    static func sortByValue(_ series: inout [StepSeries], descending: Bool) {
        series.sort { a, b in
            let x = a.points.first?.v ?? .nan, y = b.points.first?.v ?? .nan
            if x.isNaN { return false }
            if y.isNaN { return true }
            return descending ? x > y : x < y
        }
    }

    /// `sort_by_label(_desc)`: by the named labels' values in natural order, then by all labels.
    static func sortByLabels(_ series: inout [StepSeries], _ names: [String], descending: Bool) {
        series.sort { a, b in
            for n in names {
                let x = a.labels[n], y = b.labels[n]
                if x == y { continue }
                let less = NaturalOrder.less(x, y)
                return descending ? !less : less
            }
            return descending ? b.labels < a.labels : a.labels < b.labels
        }
    }
}

/// Natural sort order: runs of digits compare as numbers ("a2" < "a10").
enum NaturalOrder {
    static func less(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        var i = 0, j = 0
        while i < x.count && j < y.count {
            let dx = isDigit(x[i]), dy = isDigit(y[j])
            if dx && dy {
                var ie = i, je = j
                while ie < x.count && isDigit(x[ie]) { ie += 1 }
                while je < y.count && isDigit(y[je]) { je += 1 }
                // Compare the digit runs numerically: without leading zeros, longer is larger.
                var si = i, sj = j
                while si < ie - 1 && x[si] == 48 { si += 1 }
                while sj < je - 1 && y[sj] == 48 { sj += 1 }
                if ie - si != je - sj { return ie - si < je - sj }
                for k in 0..<(ie - si) where x[si + k] != y[sj + k] { return x[si + k] < y[sj + k] }
                if ie - i != je - j { return ie - i < je - j }
                i = ie; j = je
            } else {
                if x[i] != y[j] { return x[i] < y[j] }
                i += 1; j += 1
            }
        }
        return x.count - i < y.count - j
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}

/// The date functions: a component of a Unix time in seconds, in UTC.
enum DatePart: String {
    case minute, hour, month, year
    case dayOfWeek = "day_of_week", dayOfMonth = "day_of_month", dayOfYear = "day_of_year", daysInMonth = "days_in_month"

    func value(_ seconds: Double) -> Double {
        guard seconds.isFinite, Swift.abs(seconds) < 1e17 else { return .nan }
        let s = Int64(seconds.rounded(.towardZero))
        let days = Evaluator.floorDiv(s, 86_400)
        let secOfDay = s - days * 86_400
        switch self {
        case .minute: return Double((secOfDay / 60) % 60)
        case .hour: return Double(secOfDay / 3600)
        case .dayOfWeek: return Double(((days % 7) + 11) % 7)  // 1970-01-01 was a Thursday (4)
        default: break
        }
        let (y, m, d) = Self.civil(days)
        switch self {
        case .year: return Double(y)
        case .month: return Double(m)
        case .dayOfMonth: return Double(d)
        case .daysInMonth: return Double(Self.daysIn(month: m, year: y))
        case .dayOfYear:
            var doy = d
            for mm in 1..<m { doy += Self.daysIn(month: mm, year: y) }
            return Double(doy)
        default: return .nan
        }
    }

    /// Year, month, day of a count of days since 1970-01-01 (proleptic Gregorian).
    static func civil(_ days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = Evaluator.floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
