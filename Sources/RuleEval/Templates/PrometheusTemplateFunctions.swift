import Foundation

/// Prometheus' template functions (template/template.go, v2.42).
enum PrometheusTemplateFunctions {
    static let all: [String: TemplateFunction] = {
        var f: [String: TemplateFunction] = [:]
        f["query"] = TemplateFunction(arity: 1) { a, ctx in
            let q = try string(a[0])
            guard let query = ctx.query else { throw TemplateFunctionError("query is not available") }
            return .list(try query(q).map { .sample($0) })
        }
        f["first"] = TemplateFunction(arity: 1) { a, _ in
            let v = try queryResult(a[0])
            guard let s = v.first else { throw TemplateFunctionError("first() called on vector with no elements") }
            return .sample(s)
        }
        f["label"] = TemplateFunction(arity: 2) { a, _ in .string(try sample(a[1]).labels[try string(a[0])] ?? "") }
        f["value"] = TemplateFunction(arity: 1) { a, _ in .float(try sample(a[0]).value) }
        f["strvalue"] = TemplateFunction(arity: 1) { a, _ in .string(try sample(a[0]).labels["__value__"] ?? "") }
        f["args"] = TemplateFunction(arity: 0, variadic: true) { a, _ in
            var m: [String: TemplateValue] = [:]
            for (i, v) in a.enumerated() { m["arg\(i)"] = v }
            return .map(m)
        }
        f["reReplaceAll"] = sharedReReplaceAll
        f["safeHtml"] = sharedSafeHtml
        f["match"] = sharedMatch
        f["title"] = sharedTitle
        f["toUpper"] = sharedToUpper
        f["toLower"] = sharedToLower
        f["graphLink"] = TemplateFunction(arity: 1) { a, _ in
            .string("/graph?g0.expr=\(TemplateBuiltins.queryEscape(try string(a[0])))&g0.tab=0")
        }
        f["tableLink"] = TemplateFunction(arity: 1) { a, _ in
            .string("/graph?g0.expr=\(TemplateBuiltins.queryEscape(try string(a[0])))&g0.tab=1")
        }
        f["sortByLabel"] = TemplateFunction(arity: 2) { a, _ in
            let label = try string(a[0])
            let v = try queryResult(a[1])
            // Stable sort by the label's value (byte order), as sort.Stable.
            let sorted = v.enumerated().sorted { x, y in
                let lx = x.element.labels[label] ?? "", ly = y.element.labels[label] ?? ""
                if lx == ly { return x.offset < y.offset }
                return lx.utf8.lexicographicallyPrecedes(ly.utf8)
            }
            return .list(sorted.map { .sample($0.element) })
        }
        f["stripPort"] = TemplateFunction(arity: 1) { a, _ in
            let hp = try string(a[0])
            return .string(NetAddress.splitHostPort(hp)?.host ?? hp)
        }
        f["stripDomain"] = TemplateFunction(arity: 1) { a, _ in
            let hp = try string(a[0])
            let split = NetAddress.splitHostPort(hp)
            var host = split?.host ?? hp
            if NetAddress.isIP(host) { return .string(hp) }
            host = String(host.split(separator: ".", omittingEmptySubsequences: false).first ?? "")
            if let port = split?.port, !port.isEmpty { return .string(NetAddress.joinHostPort(host, port)) }
            return .string(host)
        }
        f["humanize"] = TemplateFunction(arity: 1) { a, _ in .string(humanize(try convertToFloat(a[0]))) }
        f["humanize1024"] = TemplateFunction(arity: 1) { a, _ in .string(humanize1024(try convertToFloat(a[0]))) }
        f["humanizeDuration"] = sharedHumanizeDuration
        f["humanizePercentage"] = TemplateFunction(arity: 1) { a, _ in
            .string(GoFmt.sprintf("%.4g%%", [.float(try convertToFloat(a[0]) * 100)]))
        }
        f["humanizeTimestamp"] = TemplateFunction(arity: 1) { a, _ in
            let v = try convertToFloat(a[0])
            if v.isNaN || v.isInfinite { return .string(GoFmt.sprintf("%.4g", [.float(v)])) }
            return .string(try floatToTime(v).goString)
        }
        f["toTime"] = TemplateFunction(arity: 1) { a, _ in
            let v = try convertToFloat(a[0])
            if v.isNaN || v.isInfinite { throw TemplateFunctionError("value is NaN or Inf") }
            return .time(try floatToTime(v))
        }
        f["pathPrefix"] = TemplateFunction(arity: 0) { _, ctx in
            .string(URLComponents(string: ctx.options.externalURL)?.path ?? "")
        }
        f["externalURL"] = TemplateFunction(arity: 0) { _, ctx in .string(ctx.options.externalURL) }
        f["parseDuration"] = TemplateFunction(arity: 1) { a, _ in
            let s = try string(a[0])
            guard let ms = PromDuration.parseMilliseconds(s) else {
                throw TemplateFunctionError("not a valid duration string: \(GoQuote.quote(s))")
            }
            return .float(Double(ms) / 1000)
        }
        return f
    }()

    // MARK: functions Alertmanager shares

    static let sharedReReplaceAll = TemplateFunction(arity: 3) { a, _ in
        let pattern = try string(a[0]), repl = try string(a[1]), text = try string(a[2])
        let re: GoRegexp
        do { re = try GoRegexp(pattern) } catch {
            throw TemplateFunctionError("regexp: Compile(\(GoQuote.quote(pattern))): \(error)")
        }
        return .string(re.replaceAll(text, with: repl))
    }
    static let sharedSafeHtml = TemplateFunction(arity: 1) { a, _ in .html(try string(a[0])) }
    static let sharedMatch = TemplateFunction(arity: 2) { a, _ in
        let pattern = try string(a[0]), s = try string(a[1])
        return .bool(try GoRegexp(pattern).matches(s))
    }
    static let sharedTitle = TemplateFunction(arity: 1) { a, _ in .string(title(try string(a[0]))) }
    static let sharedToUpper = TemplateFunction(arity: 1) { a, _ in .string(mapScalars(try string(a[0])) { $0.properties.uppercaseMapping }) }
    static let sharedToLower = TemplateFunction(arity: 1) { a, _ in .string(mapScalars(try string(a[0])) { $0.properties.lowercaseMapping }) }
    static let sharedHumanizeDuration = TemplateFunction(arity: 1) { a, _ in .string(humanizeDuration(try convertToFloat(a[0]))) }

    // MARK: argument conversion

    static func string(_ v: TemplateValue) throws -> String {
        guard case .string(let s) = v else { throw TemplateFunctionError.wrongType(expected: "string", got: v) }
        return s
    }

    static func sample(_ v: TemplateValue) throws -> TemplateSample {
        switch v {
        case .sample(let s): return s
        case .null: throw TemplateFunctionError("runtime error: invalid memory address or nil pointer dereference")
        default: throw TemplateFunctionError.wrongType(expected: "*template.sample", got: v)
        }
    }

    static func queryResult(_ v: TemplateValue) throws -> [TemplateSample] {
        switch v {
        case .list(let l):
            var out: [TemplateSample] = []
            for e in l {
                guard case .sample(let s) = e else { throw TemplateFunctionError.wrongType(expected: "template.queryResult", got: v) }
                out.append(s)
            }
            return out
        case .null: return []
        default: throw TemplateFunctionError.wrongType(expected: "template.queryResult", got: v)
        }
    }

    /// Prometheus' `convertToFloat`: numbers as is, strings through `strconv.ParseFloat`.
    static func convertToFloat(_ v: TemplateValue) throws -> Double {
        switch v {
        case .float(let f): return f
        case .int(let i): return Double(i)
        case .string(let s):
            guard let f = GoLiteral.parseFloat(s) else {
                throw TemplateFunctionError("strconv.ParseFloat: parsing \(GoQuote.quote(s)): invalid syntax")
            }
            if f.isInfinite && !s.lowercased().hasSuffix("inf") && !s.lowercased().hasSuffix("infinity") {
                throw TemplateFunctionError("strconv.ParseFloat: parsing \(GoQuote.quote(s)): value out of range")
            }
            return f
        default:
            throw TemplateFunctionError("can't convert \(v.goTypeName) to float")
        }
    }

    /// Seconds since the epoch to a UTC time at millisecond precision (as `model.TimeFromUnixNano`).
    static func floatToTime(_ v: Double) throws -> TemplateTime {
        let ns = v * 1e9
        if ns > 9.223372036854775807e18 || ns < -9.223372036854775808e18 {
            throw TemplateFunctionError("\(GoFmt.string(.float(v))) cannot be represented as a nanoseconds timestamp since it overflows int64")
        }
        let nanos = ns >= 9.223372036854775807e18 ? Int64.min : Int64(ns)
        let ms = nanos / 1_000_000
        return TemplateTime(seconds: ms / 1000, nanoseconds: (ms % 1000) * 1_000_000)
    }

    static func g4(_ v: Double) -> String { GoFmt.sprintf("%.4g", [.float(v)]) }

    static func humanize(_ value: Double) -> String {
        var v = value
        if v == 0 || v.isNaN || v.isInfinite { return g4(v) }
        if abs(v) >= 1 {
            var prefix = ""
            for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if abs(v) < 1000 { break }
                prefix = p
                v /= 1000
            }
            return g4(v) + prefix
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v) + prefix
    }

    static func humanize1024(_ value: Double) -> String {
        var v = value
        if abs(v) <= 1 || v.isNaN || v.isInfinite { return g4(v) }
        var prefix = ""
        for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if abs(v) < 1024 { break }
            prefix = p
            v /= 1024
        }
        return g4(v) + prefix
    }

    static func humanizeDuration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return g4(v) }
        if v == 0 { return g4(v) + "s" }
        if abs(v) >= 1 {
            var sign = ""
            if v < 0 { sign = "-"; v = -v }
            // Go's int64(v) conversion; saturate instead of trapping on huge values.
            let whole = v >= 9.2e18 ? Int64.max : Int64(v)
            let seconds = whole % 60
            let minutes = (whole / 60) % 60
            let hours = (whole / 60 / 60) % 24
            let days = whole / 60 / 60 / 24
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + g4(v) + "s"
        }
        var prefix = ""
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if abs(v) >= 1 { break }
            prefix = p
            v *= 1000
        }
        return g4(v) + prefix + "s"
    }

    /// `strings.Title`: upper-cases letters that start a word (after a separator).
    static func title(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var prev: Unicode.Scalar = " "
        for u in s.unicodeScalars {
            if isSeparator(prev), let up = u.properties.titlecaseMapping.unicodeScalars.first, u.properties.titlecaseMapping.unicodeScalars.count == 1 {
                out.append(up)
            } else {
                out.append(u)
            }
            prev = u
        }
        return String(out)
    }

    static func isSeparator(_ u: Unicode.Scalar) -> Bool {
        if u.value <= 0x7F {
            let c = u.value
            if (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F { return false }
            return true
        }
        if u.properties.isAlphabetic || u.properties.numericType != nil { return false }
        return u.properties.isWhitespace
    }

    /// Per-rune case mapping (Go's `unicode.ToUpper`/`ToLower`: single-rune mappings only).
    static func mapScalars(_ s: String, _ map: (Unicode.Scalar) -> String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let m = map(u).unicodeScalars
            if m.count == 1, let r = m.first { out.append(r) } else { out.append(u) }
        }
        return String(out)
    }
}

/// Prometheus' duration syntax (`model.ParseDuration`): `1y2w3d4h5m6s7ms`, units in that order, or `0`.
enum PromDuration {
    static func parseMilliseconds(_ s: String) -> Int64? {
        if s == "0" { return 0 }
        if s.isEmpty { return nil }
        let units: [(String, Int64)] = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
                                        ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)]
        let b = Array(s.utf8)
        var i = 0
        var next = 0
        var total: Int64 = 0
        while i < b.count {
            var n: Int64 = 0
            let start = i
            while i < b.count && b[i] >= 0x30 && b[i] <= 0x39 {
                let (m, o1) = n.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(b[i] - 0x30))
                if o1 || o2 { return nil }
                n = a
                i += 1
            }
            if i == start { return nil }
            var unit = ""
            while i < b.count && !(b[i] >= 0x30 && b[i] <= 0x39) { unit.unicodeScalars.append(Unicode.Scalar(b[i])); i += 1 }
            guard let idx = units.firstIndex(where: { $0.0 == unit }), idx >= next else { return nil }
            next = idx + 1
            let (p, o) = n.multipliedReportingOverflow(by: units[idx].1)
            if o { return nil }
            let (t, o2) = total.addingReportingOverflow(p)
            if o2 { return nil }
            total = t
        }
        return total
    }
}

/// Go's `net.SplitHostPort`, `net.JoinHostPort` and `net.ParseIP` (as a test).
enum NetAddress {
    static func splitHostPort(_ hp: String) -> (host: String, port: String)? {
        let b = Array(hp.utf8)
        guard let i = b.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host: [UInt8]
        var j = 0, k = 0
        if b.first == UInt8(ascii: "[") {
            guard let end = b.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            guard end + 1 == i else { return nil }
            host = Array(b[1..<end])
            j = 1; k = end + 1
        } else {
            host = Array(b[..<i])
            if host.contains(UInt8(ascii: ":")) { return nil }
        }
        if b[j...].contains(UInt8(ascii: "[")) { return nil }
        if b[k...].contains(UInt8(ascii: "]")) { return nil }
        return (String(decoding: host, as: UTF8.self), String(decoding: b[(i + 1)...], as: UTF8.self))
    }

    static func joinHostPort(_ host: String, _ port: String) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    static func isIP(_ s: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, s, &v4) == 1 || inet_pton(AF_INET6, s, &v6) == 1
    }
}
