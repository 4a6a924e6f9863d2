/// Go's `fmt` printing (`Sprint`, `Sprintln`, `Sprintf`) over template values.
enum GoFmt {
    /// Formatting flags, width and precision of one verb.
    struct Spec {
        var plus = false, minus = false, sharp = false, space = false, zero = false
        /// `%+v`: struct field names (the plus flag itself is cleared for `%v`, as Go does).
        var plusV = false
        var width: Int? = nil
        var precision: Int? = nil
    }

    /// `fmt.Sprint`: operands' `%v`, spaces between operands when neither is a string.
    static func sprint(_ args: [TemplateValue]) -> String {
        var out = ""
        for (i, a) in args.enumerated() {
            if i > 0 && !isStringKind(a) && !isStringKind(args[i - 1]) { out += " " }
            out += format(a, verb: "v", Spec())
        }
        return out
    }

    /// `fmt.Sprintln`: operands' `%v` separated by spaces, then a newline.
    static func sprintln(_ args: [TemplateValue]) -> String {
        args.map { format($0, verb: "v", Spec()) }.joined(separator: " ") + "\n"
    }

    /// `%v` of one value.
    static func string(_ v: TemplateValue) -> String { format(v, verb: "v", Spec()) }

    static func isStringKind(_ v: TemplateValue) -> Bool {
        switch v {
        case .string, .html: return true
        default: return false
        }
    }

    /// `fmt.Sprintf`.
    static func sprintf(_ format: String, _ args: [TemplateValue]) -> String {
        let f = Array(format.unicodeScalars)
        var out = ""
        var argNum = 0
        var reordered = false
        var i = 0
        func parseNum() -> Int? {
            var n: Int? = nil
            while i < f.count, f[i].value >= 0x30 && f[i].value <= 0x39 {
                n = (n ?? 0) * 10 + Int(f[i].value - 0x30)
                if (n ?? 0) > 1_000_000 { return nil }
                i += 1
            }
            return n
        }
        func argIndex() -> Bool? {
            // `[n]` explicit argument index; returns false when malformed.
            guard i < f.count, f[i] == "[" else { return nil }
            reordered = true
            var j = i + 1
            var n = 0
            var ok = false
            while j < f.count, f[j] != "]" {
                guard let d = Int(String(f[j])), f[j].isASCII else { ok = false; break }
                n = n * 10 + d
                ok = true
                j += 1
            }
            guard ok, j < f.count, f[j] == "]", n >= 1 else {
                while j < f.count, f[j] != "]" { j += 1 }
                i = min(j + 1, f.count)
                return false
            }
            i = j + 1
            argNum = n - 1
            return true
        }
        while i < f.count {
            let start = i
            while i < f.count && f[i] != "%" { i += 1 }
            if i > start { out.unicodeScalars.append(contentsOf: f[start..<i]) }
            if i >= f.count { break }
            i += 1
            var spec = Spec()
            flags: while i < f.count {
                switch f[i] {
                case "#": spec.sharp = true
                case "0": spec.zero = !spec.minus
                case "+": spec.plus = true
                case "-": spec.minus = true; spec.zero = false
                case " ": spec.space = true
                default: break flags
                }
                i += 1
            }
            var goodArg = argIndex() ?? true
            if i < f.count && f[i] == "*" {
                i += 1
                // Go refuses widths beyond 10^6 (and a huge one would allocate that much padding).
                if argNum < args.count, case .int(let w) = args[argNum], w.magnitude <= 1_000_000 {
                    spec.width = Int(w.magnitude)
                    if w < 0 { spec.minus = true; spec.zero = false }
                } else {
                    out += "%!(BADWIDTH)"
                }
                argNum += 1
            } else {
                spec.width = parseNum()
            }
            if i < f.count && f[i] == "." {
                i += 1
                if let g = argIndex() { goodArg = goodArg && g }
                if i < f.count && f[i] == "*" {
                    i += 1
                    if argNum < args.count, case .int(let p) = args[argNum], p <= 1_000_000 {
                        spec.precision = p < 0 ? nil : Int(p)
                    } else {
                        out += "%!(BADPREC)"
                    }
                    argNum += 1
                } else {
                    spec.precision = parseNum() ?? 0
                }
            }
            if let g = argIndex() { goodArg = goodArg && g }
            if i >= f.count { out += "%!(NOVERB)"; break }
            let verb = Character(f[i])
            i += 1
            if verb == "%" { out += "%"; continue }
            if !goodArg { out += "%!\(verb)(BADINDEX)"; continue }
            if argNum >= args.count { out += "%!\(verb)(MISSING)"; continue }
            if verb == "v" {
                spec.plusV = spec.plus
                spec.plus = false
                spec.sharp = false
            }
            out += Self.format(args[argNum], verb: verb, spec)
            argNum += 1
        }
        if !reordered && argNum < args.count {
            out += "%!(EXTRA "
            out += args[argNum...].map { a -> String in
                if case .null = a { return "<nil>" }
                return a.goTypeName + "=" + Self.format(a, verb: "v", Spec())
            }.joined(separator: ", ")
            out += ")"
        }
        return out
    }

    /// One value under one verb, Go style (bad verbs print `%!verb(type=value)`).
    static func format(_ v: TemplateValue, verb: Character, _ spec: Spec) -> String {
        switch v {
        case .null:
            return verb == "v" || verb == "T" ? pad("<nil>", spec) : "%!\(verb)(<nil>)"
        case .bool(let b):
            return verb == "t" || verb == "v" ? pad(b ? "true" : "false", spec) : bad(v, verb)
        case .int(let n):
            return formatInteger(n, verb: verb, spec) ?? bad(v, verb)
        case .float(let x):
            return formatFloat(x, verb: verb, spec) ?? bad(v, verb)
        case .string(let s), .html(let s):
            return formatString(s, verb: verb, spec) ?? bad(v, verb)
        case .time(let t):
            return formatString(t.goString, verb: verb == "v" || verb == "s" || verb == "q" || verb == "x" || verb == "X" ? verb : "v", spec) ?? bad(v, verb)
        case .list(let items):
            return "[" + items.map { format($0, verb: verb, spec) }.joined(separator: " ") + "]"
        case .map(let m):
            return "map[" + sortedKeys(m.keys).map { format(.string($0), verb: verb, spec) + ":" + format(m[$0] ?? .null, verb: verb, spec) }.joined(separator: " ") + "]"
        case .stringMap(let m):
            return "map[" + sortedKeys(m.keys).map { format(.string($0), verb: verb, spec) + ":" + format(.string(m[$0] ?? ""), verb: verb, spec) }.joined(separator: " ") + "]"
        case .sample(let s):
            let names = spec.plusV
            return "&{" + (names ? "Labels:" : "") + format(.stringMap(s.labels), verb: verb, spec) + " "
                + (names ? "Value:" : "") + format(.float(s.value), verb: verb, spec) + "}"
        case .record(let r):
            let names = spec.plusV
            return "{" + r.fields.map { (names ? $0.name + ":" : "") + format($0.value, verb: verb, spec) }.joined(separator: " ") + "}"
        }
    }

    /// Keys in Go's sorted order (byte-wise).
    static func sortedKeys<S: Sequence>(_ keys: S) -> [String] where S.Element == String {
        keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    static func bad(_ v: TemplateValue, _ verb: Character) -> String {
        "%!\(verb)(" + v.goTypeName + "=" + format(v, verb: "v", Spec()) + ")"
    }

    /// Pads to the width with spaces (or zeros), left- or right-justified, counting runes.
    static func pad(_ s: String, _ spec: Spec) -> String {
        guard let w = spec.width else { return s }
        let n = s.unicodeScalars.count
        if n >= w { return s }
        let fill = String(repeating: spec.zero ? "0" : " ", count: w - n)
        return spec.minus ? s + String(repeating: " ", count: w - n) : fill + s
    }

    static func formatInteger(_ n: Int64, verb: Character, _ spec: Spec) -> String? {
        let base: Int
        var upper = false
        switch verb {
        case "d", "v": base = 10
        case "b": base = 2
        case "o", "O": base = 8
        case "x": base = 16
        case "X": base = 16; upper = true
        case "c":
            return pad(Unicode.Scalar(UInt32(truncatingIfNeeded: n)).map { String(Character($0)) } ?? "\u{FFFD}", spec)
        case "q":
            let s = Unicode.Scalar(UInt32(truncatingIfNeeded: n)).map { String(Character($0)) } ?? "\u{FFFD}"
            return pad(GoQuote.quoteRune(s), spec)
        case "U":
            let hex = String(UInt64(bitPattern: n), radix: 16, uppercase: true)
            return pad("U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex, spec)
        default: return nil
        }
        let negative = n < 0
        var digits = String(n.magnitude, radix: base, uppercase: upper)
        var prec = 0
        if let p = spec.precision {
            prec = p
            if p == 0 && n == 0 {
                var s = spec
                s.zero = false
                return pad("", s)
            }
        } else if spec.zero, let w = spec.width {
            prec = w
            if negative || spec.plus || spec.space { prec -= 1 }
        }
        if digits.count < prec { digits = String(repeating: "0", count: prec - digits.count) + digits }
        if spec.sharp {
            switch base {
            case 2: digits = "0b" + digits
            case 8: if !digits.hasPrefix("0") { digits = "0" + digits }
            case 16: digits = (upper ? "0X" : "0x") + digits
            default: break
            }
        }
        if verb == "O" { digits = "0o" + digits }
        if negative { digits = "-" + digits } else if spec.plus { digits = "+" + digits } else if spec.space { digits = " " + digits }
        var s = spec
        s.zero = false
        return pad(digits, s)
    }

    static func formatFloat(_ x: Double, verb: Character, _ spec: Spec) -> String? {
        let fmt: UInt8
        var prec: Int
        switch verb {
        case "v": fmt = UInt8(ascii: "g"); prec = -1
        case "g": fmt = UInt8(ascii: "g"); prec = -1
        case "G": fmt = UInt8(ascii: "G"); prec = -1
        case "e": fmt = UInt8(ascii: "e"); prec = 6
        case "E": fmt = UInt8(ascii: "E"); prec = 6
        case "f", "F": fmt = UInt8(ascii: "f"); prec = 6
        default: return nil
        }
        if let p = spec.precision { prec = p }
        var num = GoFloatFormat.format(x, fmt, prec)
        if num.hasPrefix("-") || num.hasPrefix("+") {
        } else {
            num = "+" + num
        }
        if spec.space && num.hasPrefix("+") && !spec.plus { num = " " + num.dropFirst() }
        if num.dropFirst().hasPrefix("I") || num.dropFirst().hasPrefix("N") {
            if num.dropFirst().hasPrefix("N") && !spec.space && !spec.plus { num = String(num.dropFirst()) }
            var s = spec
            s.zero = false
            return pad(num, s)
        }
        if spec.sharp && verb != "b" {
            num = sharpFloat(num, verb: verb, prec: prec)
        }
        if spec.plus || !num.hasPrefix("+") {
            if spec.zero, let w = spec.width, w > num.count {
                return String(num.prefix(1)) + String(repeating: "0", count: w - num.count) + num.dropFirst()
            }
            return pad(num, spec)
        }
        return pad(String(num.dropFirst()), spec)
    }

    /// The `#` flag: always a decimal point; `%g` keeps trailing zeros.
    static func sharpFloat(_ num: String, verb: Character, prec: Int) -> String {
        var digits = 0
        switch verb {
        case "v", "g", "G": digits = prec == -1 ? 6 : prec
        default: digits = 0
        }
        var body = Array(num)
        var tail = ""
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            tail = String(body[e...])
            body = Array(body[..<e])
        }
        var sawDot = body.contains(".")
        let sig = body.dropFirst().filter { $0.isNumber }.count
        if verb == "v" || verb == "g" || verb == "G" {
            var count = sig
            if let firstNonZero = body.dropFirst().firstIndex(where: { $0.isNumber && $0 != "0" }) {
                count = body[firstNonZero...].filter { $0.isNumber }.count
            } else { count = sig > 0 ? 1 : 0 }
            if !sawDot { body.append("."); sawDot = true }
            if digits > count { body.append(contentsOf: String(repeating: "0", count: digits - count)) }
        } else if !sawDot {
            body.append(".")
        }
        return String(body) + tail
    }

    static func formatString(_ s: String, verb: Character, _ spec: Spec) -> String? {
        switch verb {
        case "v", "s":
            var str = s
            if let p = spec.precision, s.unicodeScalars.count > p {
                var u = String.UnicodeScalarView()
                u.append(contentsOf: s.unicodeScalars.prefix(p))
                str = String(u)
            }
            return pad(str, spec)
        case "q":
            return pad(spec.sharp && !s.contains("`") && !s.contains(where: { $0.isNewline && $0 != "\n" }) ? "`" + s + "`" : GoQuote.quote(s, asciiOnly: spec.plus), spec)
        case "x", "X":
            var bytes = Array(s.utf8)
            if let p = spec.precision, bytes.count > p { bytes = Array(bytes.prefix(p)) }
            let digits = Array(verb == "x" ? "0123456789abcdef".utf8 : "0123456789ABCDEF".utf8)
            var out = [UInt8]()
            for (i, b) in bytes.enumerated() {
                if spec.space && i > 0 { out.append(UInt8(ascii: " ")) }
                if spec.sharp && (spec.space || i == 0) { out.append(contentsOf: (verb == "x" ? "0x" : "0X").utf8) }
                out.append(digits[Int(b >> 4)])
                out.append(digits[Int(b & 0xF)])
            }
            return pad(String(decoding: out, as: UTF8.self), spec)
        default:
            return nil
        }
    }
}

/// Go's `strconv.Quote` family.
enum GoQuote {
    /// `strconv.Quote` (or `QuoteToASCII` when `asciiOnly`).
    static func quote(_ s: String, asciiOnly: Bool = false) -> String {
        "\"" + escape(s, quote: "\"", asciiOnly: asciiOnly) + "\""
    }

    /// `strconv.QuoteRune`.
    static func quoteRune(_ s: String) -> String { "'" + escape(s, quote: "'", asciiOnly: false) + "'" }

    static func escape(_ s: String, quote: Unicode.Scalar, asciiOnly: Bool) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u == quote || u == "\\" { out += "\\"; out.unicodeScalars.append(u); continue }
            if asciiOnly ? (u.value < 0x80 && isPrint(u)) : isPrint(u) { out.unicodeScalars.append(u); continue }
            switch u {
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                let hex = String(u.value, radix: 16)
                if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                } else if u.value < 0x10000 {
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
                }
            }
        }
        return out
    }

    /// An approximation of Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and ASCII space.
    static func isPrint(_ u: Unicode.Scalar) -> Bool {
        if u.value < 0x80 { return u.value >= 0x20 && u.value != 0x7F }
        switch u.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
