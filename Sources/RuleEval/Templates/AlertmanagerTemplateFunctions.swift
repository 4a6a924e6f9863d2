import Foundation

/// Alertmanager's notification template functions (template/template.go DefaultFuncs).
enum AlertmanagerTemplateFunctions {
    static let all: [String: TemplateFunction] = {
        typealias P = PrometheusTemplateFunctions
        var f: [String: TemplateFunction] = [:]
        f["toUpper"] = P.sharedToUpper
        f["toLower"] = P.sharedToLower
        f["title"] = P.sharedTitle
        f["trimSpace"] = TemplateFunction(arity: 1) { a, _ in
            .string(try P.string(a[0]).trimmingCharacters(in: .whitespacesAndNewlines))
        }
        f["join"] = TemplateFunction(arity: 2) { a, _ in
            let sep = try P.string(a[0])
            guard case .list(let items) = a[1] else { throw TemplateFunctionError.wrongType(expected: "[]string", got: a[1]) }
            var parts: [String] = []
            for i in items {
                guard case .string(let s) = i else { throw TemplateFunctionError.wrongType(expected: "[]string", got: a[1]) }
                parts.append(s)
            }
            return .string(parts.joined(separator: sep))
        }
        f["match"] = P.sharedMatch
        f["safeHtml"] = P.sharedSafeHtml
        f["reReplaceAll"] = P.sharedReReplaceAll
        f["stringSlice"] = TemplateFunction(arity: 0, variadic: true) { a, _ in
            for v in a { _ = try P.string(v) }
            return .list(a)
        }
        f["date"] = TemplateFunction(arity: 2) { a, _ in
            let layout = try P.string(a[0])
            guard case .time(let t) = a[1] else { throw TemplateFunctionError.wrongType(expected: "time.Time", got: a[1]) }
            return .string(t.format(layout))
        }
        f["tz"] = TemplateFunction(arity: 2) { a, _ in
            let name = try P.string(a[0])
            guard case .time(let t) = a[1] else { throw TemplateFunctionError.wrongType(expected: "time.Time", got: a[1]) }
            if name == "" || name == "UTC" { return .time(t.utc) }
            guard let zone = TimeZone(identifier: name) else { throw TemplateFunctionError("unknown time zone \(name)") }
            let date = Date(timeIntervalSince1970: Double(t.seconds))
            let offset = zone.secondsFromGMT(for: date)
            let abbreviation = zone.abbreviation(for: date) ?? ""
            return .time(TemplateTime(seconds: t.seconds, nanoseconds: Int64(t.nanoseconds), zoneName: abbreviation, zoneOffset: offset))
        }
        f["humanizeDuration"] = P.sharedHumanizeDuration
        return f
    }()
}
