/// The methods of Alertmanager's notification template data: `KV` (label maps) has `SortedPairs`,
/// `Names`, `Values` and `Remove`; `Pairs` has `Names` and `Values`; `Alerts` has `Firing` and
/// `Resolved`. Only enabled for notification templates, so a Prometheus label called `Names`
/// still reads as a label there.
enum AlertmanagerDataMethods {
    /// Whether `name` is a method of `receiver`'s Alertmanager type.
    static func handles(_ name: String, on receiver: TemplateValue) -> Bool {
        switch receiver {
        case .stringMap: return ["SortedPairs", "Names", "Values", "Remove"].contains(name)
        case .list(let items):
            if name == "Firing" || name == "Resolved" { return items.allSatisfy(isAlert) }
            if name == "Names" || name == "Values" { return items.allSatisfy(isPair) }
            return false
        default: return false
        }
    }

    static func call(_ name: String, on receiver: TemplateValue, _ args: [TemplateValue]) throws -> TemplateValue {
        let want = name == "Remove" ? 1 : 0
        guard args.count == want else { throw TemplateFunctionError("wrong number of args for \(name): want \(want) got \(args.count)") }
        switch receiver {
        case .stringMap(let m):
            let keys = m.keys.sorted()
            switch name {
            case "SortedPairs": return .list(keys.map { pair($0, m[$0] ?? "") })
            case "Names": return .list(keys.map { .string($0) })
            case "Values": return .list(keys.map { .string(m[$0] ?? "") })
            default:
                guard case .list(let drop) = args[0] else { throw TemplateFunctionError.wrongType(expected: "[]string", got: args[0]) }
                var out = m
                for d in drop {
                    guard case .string(let k) = d else { throw TemplateFunctionError.wrongType(expected: "[]string", got: args[0]) }
                    out[k] = nil
                }
                return .stringMap(out)
            }
        case .list(let items):
            switch name {
            case "Firing", "Resolved":
                let status = name == "Firing" ? "firing" : "resolved"
                return .list(items.filter { if case .record(let r) = $0, r["Status"] == .string(status) { return true }; return false })
            case "Names": return .list(items.compactMap { if case .record(let r) = $0 { return r["Name"] }; return nil })
            default: return .list(items.compactMap { if case .record(let r) = $0 { return r["Value"] }; return nil })
            }
        default:
            throw TemplateFunctionError("no method \(name)")
        }
    }

    /// One element of `Pairs`.
    static func pair(_ name: String, _ value: String) -> TemplateValue {
        .record(TemplateRecord(fields: [
            .init(name: "Name", goType: "string", value: .string(name)),
            .init(name: "Value", goType: "string", value: .string(value)),
        ]))
    }

    private static func isAlert(_ v: TemplateValue) -> Bool {
        if case .record(let r) = v { return r["Status"] != nil && r["Labels"] != nil }
        return false
    }

    private static func isPair(_ v: TemplateValue) -> Bool {
        if case .record(let r) = v { return r.fields.count == 2 && r["Name"] != nil && r["Value"] != nil }
        return false
    }
}
