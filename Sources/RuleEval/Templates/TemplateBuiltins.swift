import Foundation

/// Go text/template's predefined functions.
enum TemplateBuiltins {
    static let all: [String: TemplateFunction] = {
        var f: [String: TemplateFunction] = [:]
        var and = TemplateFunction(arity: 1, variadic: true) { args, _ in args.first { !$0.isTruthy } ?? args.last ?? .null }
        and.shortCircuit = true
        var or = TemplateFunction(arity: 1, variadic: true) { args, _ in args.first { $0.isTruthy } ?? args.last ?? .null }
        or.shortCircuit = true
        f["and"] = and
        f["or"] = or
        f["not"] = TemplateFunction(arity: 1) { a, _ in .bool(!a[0].isTruthy) }
        f["len"] = TemplateFunction(arity: 1) { a, _ in
            switch a[0] {
            case .string(let s), .html(let s): return .int(Int64(s.utf8.count))
            case .list(let l): return .int(Int64(l.count))
            case .map(let m): return .int(Int64(m.count))
            case .stringMap(let m): return .int(Int64(m.count))
            case .null: throw TemplateFunctionError("len of nil pointer")
            default: throw TemplateFunctionError("len of type \(a[0].goTypeName)")
            }
        }
        f["index"] = TemplateFunction(arity: 1, variadic: true) { a, _ in try index(a[0], Array(a.dropFirst())) }
        f["slice"] = TemplateFunction(arity: 1, variadic: true) { a, _ in try slice(a[0], Array(a.dropFirst())) }
        f["print"] = TemplateFunction(arity: 0, variadic: true) { a, _ in .string(GoFmt.sprint(a)) }
        f["println"] = TemplateFunction(arity: 0, variadic: true) { a, _ in .string(GoFmt.sprintln(a)) }
        f["printf"] = TemplateFunction(arity: 1, variadic: true) { a, _ in
            guard case .string(let format) = a[0] else { throw TemplateFunctionError.wrongType(expected: "string", got: a[0]) }
            return .string(GoFmt.sprintf(format, Array(a.dropFirst())))
        }
        f["eq"] = TemplateFunction(arity: 1, variadic: true) { a, _ in
            guard a.count > 1 else { throw TemplateFunctionError("missing argument for comparison") }
            for b in a.dropFirst() where try equal(a[0], b) { return .bool(true) }
            return .bool(false)
        }
        f["ne"] = TemplateFunction(arity: 2) { a, _ in .bool(!(try equal(a[0], a[1]))) }
        f["lt"] = TemplateFunction(arity: 2) { a, _ in .bool(try less(a[0], a[1])) }
        f["le"] = TemplateFunction(arity: 2) { a, _ in .bool(try less(a[0], a[1]) || equal(a[0], a[1])) }
        f["gt"] = TemplateFunction(arity: 2) { a, _ in .bool(!(try less(a[0], a[1]) || equal(a[0], a[1]))) }
        f["ge"] = TemplateFunction(arity: 2) { a, _ in .bool(!(try less(a[0], a[1]))) }
        f["html"] = TemplateFunction(arity: 0, variadic: true) { a, _ in .string(htmlEscape(evalArgs(a))) }
        f["js"] = TemplateFunction(arity: 0, variadic: true) { a, _ in .string(jsEscape(evalArgs(a))) }
        f["urlquery"] = TemplateFunction(arity: 0, variadic: true) { a, _ in .string(queryEscape(evalArgs(a))) }
        f["call"] = TemplateFunction(arity: 1, variadic: true) { a, _ in
            if case .null = a[0] { throw TemplateFunctionError("call of nil") }
            throw TemplateFunctionError("non-function of type \(a[0].goTypeName)")
        }
        return f
    }()

    /// A single string argument as is, otherwise `fmt.Sprint` of the arguments.
    static func evalArgs(_ a: [TemplateValue]) -> String {
        if a.count == 1, case .string(let s) = a[0] { return s }
        return GoFmt.sprint(a)
    }

    enum BasicKind { case bool, int, float, string, invalid, other }

    static func kind(_ v: TemplateValue) -> BasicKind {
        switch v {
        case .bool: return .bool
        case .int: return .int
        case .float: return .float
        case .string, .html: return .string
        case .null: return .invalid
        default: return .other
        }
    }

    static func equal(_ a: TemplateValue, _ b: TemplateValue) throws -> Bool {
        let k1 = kind(a), k2 = kind(b)
        if k1 != k2 {
            if k1 == .invalid || k2 == .invalid { return false }
            throw TemplateFunctionError("incompatible types for comparison")
        }
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.float(let x), .float(let y)): return x == y
        case (.string(let x), .string(let y)), (.html(let x), .html(let y)), (.string(let x), .html(let y)), (.html(let x), .string(let y)):
            return x == y
        case (.null, .null): return true
        case (.time(let x), .time(let y)): return x == y
        default:
            throw TemplateFunctionError("non-comparable type \(GoFmt.string(b)): \(b.goTypeName)")
        }
    }

    static func less(_ a: TemplateValue, _ b: TemplateValue) throws -> Bool {
        let k1 = kind(a), k2 = kind(b)
        if k1 == .invalid || k1 == .other || k2 == .invalid || k2 == .other {
            throw TemplateFunctionError("invalid type for comparison")
        }
        if k1 != k2 { throw TemplateFunctionError("incompatible types for comparison") }
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y
        case (.float(let x), .float(let y)): return x < y
        case (.string(let x), .string(let y)), (.html(let x), .html(let y)), (.string(let x), .html(let y)), (.html(let x), .string(let y)):
            return x.utf8.lexicographicallyPrecedes(y.utf8)
        default: throw TemplateFunctionError("invalid type for comparison")
        }
    }

    static func indexArg(_ v: TemplateValue, cap: Int) throws -> Int {
        guard case .int(let x) = v else {
            if case .null = v { throw TemplateFunctionError("cannot index slice/array with nil") }
            throw TemplateFunctionError("cannot index slice/array with type \(v.goTypeName)")
        }
        if x < 0 || x > Int64(cap) { throw TemplateFunctionError("index out of range: \(x)") }
        return Int(x)
    }

    static func index(_ item: TemplateValue, _ indexes: [TemplateValue]) throws -> TemplateValue {
        if case .null = item { throw TemplateFunctionError("index of untyped nil") }
        var cur = item
        for ix in indexes {
            switch cur {
            case .list(let l):
                let i = try indexArg(ix, cap: l.count)
                guard i < l.count else { throw TemplateFunctionError("reflect: slice index out of range") }
                cur = l[i]
            case .string(let s), .html(let s):
                let b = Array(s.utf8)
                let i = try indexArg(ix, cap: b.count)
                guard i < b.count else { throw TemplateFunctionError("reflect: string index out of range") }
                cur = .int(Int64(b[i]))
            case .map(let m):
                guard case .string(let k) = ix else { throw TemplateFunctionError("value has type \(ix.goTypeName); should be string") }
                cur = m[k] ?? .null
            case .stringMap(let m):
                guard case .string(let k) = ix else { throw TemplateFunctionError("value has type \(ix.goTypeName); should be string") }
                cur = .string(m[k] ?? "")
            case .null:
                throw TemplateFunctionError("index of nil pointer")
            default:
                throw TemplateFunctionError("can't index item of type \(cur.goTypeName)")
            }
        }
        return cur
    }

    static func slice(_ item: TemplateValue, _ indexes: [TemplateValue]) throws -> TemplateValue {
        if case .null = item { throw TemplateFunctionError("slice of untyped nil") }
        if indexes.count > 3 { throw TemplateFunctionError("too many slice indexes: \(indexes.count)") }
        let length: Int
        switch item {
        case .string(let s), .html(let s):
            if indexes.count == 3 { throw TemplateFunctionError("cannot 3-index slice a string") }
            length = s.utf8.count
        case .list(let l): length = l.count
        default: throw TemplateFunctionError("can't slice item of type \(item.goTypeName)")
        }
        var idx = [0, length, length]
        for (i, ix) in indexes.enumerated() { idx[i] = try indexArg(ix, cap: length) }
        if idx[0] > idx[1] { throw TemplateFunctionError("invalid slice index: \(idx[0]) > \(idx[1])") }
        if indexes.count == 3 && idx[1] > idx[2] { throw TemplateFunctionError("invalid slice index: \(idx[1]) > \(idx[2])") }
        switch item {
        case .string(let s): return .string(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .html(let s): return .html(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .list(let l): return .list(Array(l[idx[0]..<idx[1]]))
        default: return item
        }
    }

    /// `template.HTMLEscapeString`.
    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// `template.JSEscapeString`.
    static func jsEscape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if u.value < 0x20 {
                    out += "\\u00" + String(format: "%02X", u.value)
                } else if u.value >= 0x80 && !GoQuote.isPrint(u) {
                    out += String(format: "\\u%04X", u.value)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }

    /// `url.QueryEscape`: unreserved bytes kept, space as `+`, the rest `%XX`.
    static func queryEscape(_ s: String) -> String {
        var out = [UInt8]()
        let hex = Array("0123456789ABCDEF".utf8)
        for b in s.utf8 {
            switch b {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(b)
            case UInt8(ascii: " "):
                out.append(UInt8(ascii: "+"))
            default:
                out.append(UInt8(ascii: "%")); out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
