import Foundation
import TSDB

/// A malformed series line or value item.
public struct SeriesNotationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The series notation shared by PromQL test scripts and rule unit tests (`input_series`):
/// a selector `name{label="value"}` and expanding values such as `1+2x3 _ stale 5x2`.
public enum SeriesNotation {
    /// One slot of an expanded value sequence.
    public enum Slot: Sendable, Equatable {
        /// `_`: no sample in this slot.
        case empty
        case float(Double)
        /// `stale`: a stale marker.
        case stale
        /// A native-histogram sample (`{{…}}`), not parsed further.
        case histogram
    }

    /// Number syntaxes of the script format.
    public enum Numbers {
        /// A float literal of a value sequence: decimal or exponent form, hex integer (`0x1F`),
        /// `Inf`/`NaN` in any case, optionally signed.
        public static func floatLiteral(_ text: Substring) -> Double? {
            var body = text
            var negative = false
            if let f = body.first, f == "+" || f == "-" {
                negative = f == "-"
                body = body.dropFirst()
            }
            let lower = body.lowercased()
            if lower == "inf" { return negative ? -.infinity : .infinity }
            if lower == "nan" { return .nan }
            if lower.hasPrefix("0x") {
                guard lower.count > 2, let v = UInt64(lower.dropFirst(2), radix: 16) else { return nil }
                return negative ? -Double(v) : Double(v)
            }
            guard let v = decimal(body) else { return nil }
            return negative ? -v : v
        }

        /// `digits[.digits][e[+-]digits]` or `.digits…`, `digits.`: a finite decimal, no sign.
        private static func decimal(_ s: Substring) -> Double? {
            let b = Array(s.utf8)
            var p = 0
            var mantissaDigits = 0
            while p < b.count, isDigit(b[p]) { p += 1; mantissaDigits += 1 }
            if p < b.count, b[p] == UInt8(ascii: ".") {
                p += 1
                while p < b.count, isDigit(b[p]) { p += 1; mantissaDigits += 1 }
            }
            guard mantissaDigits > 0 else { return nil }
            if p < b.count, b[p] == UInt8(ascii: "e") || b[p] == UInt8(ascii: "E") {
                p += 1
                if p < b.count, b[p] == UInt8(ascii: "+") || b[p] == UInt8(ascii: "-") { p += 1 }
                let expStart = p
                while p < b.count, isDigit(b[p]) { p += 1 }
                guard p > expStart else { return nil }
            }
            guard p == b.count else { return nil }
            // Swift's parser wants a digit on both sides of the point.
            var t = String(s)
            if t.hasPrefix(".") { t = "0" + t }
            t = t.replacingOccurrences(of: ".e", with: ".0e").replacingOccurrences(of: ".E", with: ".0E")
            if t.hasSuffix(".") { t += "0" }
            return Double(t)
        }

        /// A bare result number: Go integer syntax with a base prefix (`0x`, `0o`, `0b`, leading `0`
        /// octal) first, then Go float syntax.
        public static func goNumber(_ text: String) -> Double? {
            if let i = goInteger(Substring(text)) { return Double(i) }
            let lower = text.lowercased()
            for (word, v) in [("infinity", Double.infinity), ("+infinity", .infinity), ("-infinity", -.infinity)] where lower == word {
                return v
            }
            return floatLiteral(Substring(text))
        }

        private static func goInteger(_ text: Substring) -> Int64? {
            var body = text
            var negative = false
            if let f = body.first, f == "+" || f == "-" {
                negative = f == "-"
                body = body.dropFirst()
            }
            guard let first = body.first, first.isASCII, first.isNumber else { return nil }
            var radix = 10
            let lower = body.lowercased()
            if lower.hasPrefix("0x") { radix = 16; body = body.dropFirst(2) }
            else if lower.hasPrefix("0o") { radix = 8; body = body.dropFirst(2) }
            else if lower.hasPrefix("0b") { radix = 2; body = body.dropFirst(2) }
            else if body.count > 1, first == "0" { radix = 8; body = body.dropFirst() }
            guard !body.isEmpty, let magnitude = UInt64(body, radix: radix) else { return nil }
            if negative {
                guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
                return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
            }
            guard magnitude <= UInt64(Int64.max) else { return nil }
            return Int64(magnitude)
        }
    }

    /// PromQL string literals: `"…"` and `'…'` with Go escapes, `` `…` `` raw.
    public enum Quoting {
        /// Reads a quoted string at `p` (advancing past it); nil when malformed.
        public static func unquote(_ b: [UInt8], _ p: inout Int) -> String? {
            guard p < b.count else { return nil }
            let quote = b[p]
            guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") || quote == UInt8(ascii: "`") else { return nil }
            var i = p + 1
            var out: [UInt8] = []
            while i < b.count {
                let c = b[i]
                if c == quote {
                    p = i + 1
                    // Invalid UTF-8 from \x escapes is replaced, not trapped on.
                    return String(decoding: out, as: UTF8.self)
                }
                if quote == UInt8(ascii: "`") || c != UInt8(ascii: "\\") {
                    if c == 0x0A { return nil }
                    out.append(c)
                    i += 1
                    continue
                }
                i += 1
                do { try GoEscape.decode(b, &i, quote: nil, into: &out) } catch { return nil }
            }
            return nil
        }
    }

    /// A series selector and the unexpanded value items after it.
    public struct SeriesDescription {
        public var labels: [Label]
        /// `name{…}@st items`: start-timestamp offsets, not values.
        public var isStartTimestamps: Bool
        public var values: [Substring]

        public static func parse(_ b: [UInt8]) throws(SeriesNotationError) -> SeriesDescription {
            var p = 0
            var pairs: [Label] = []
            var hasSelector = false
            if p < b.count, isNameStart(b[p]) || b[p] == UInt8(ascii: ":") {
                let start = p
                while p < b.count, isNameStart(b[p]) || isDigit(b[p]) || b[p] == UInt8(ascii: ":") { p += 1 }
                pairs.append(.init(name: "__name__", value: String(decoding: b[start..<p], as: UTF8.self)))
                hasSelector = true
            }
            if p < b.count, b[p] == UInt8(ascii: "{") {
                p += 1
                hasSelector = true
                labelLoop: while true {
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard p < b.count else { throw SeriesNotationError("unterminated label set") }
                    if b[p] == UInt8(ascii: "}") { p += 1; break labelLoop }
                    guard isNameStart(b[p]) else { throw SeriesNotationError("expected a label name at column \(p + 1)") }
                    let nameStart = p
                    while p < b.count, isNameStart(b[p]) || isDigit(b[p]) { p += 1 }
                    let name = String(decoding: b[nameStart..<p], as: UTF8.self)
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard p < b.count, b[p] == UInt8(ascii: "=") else { throw SeriesNotationError("expected = after label \(name)") }
                    p += 1
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard let value = Quoting.unquote(b, &p) else { throw SeriesNotationError("expected a quoted value for label \(name)") }
                    pairs.append(.init(name: name, value: value))
                    while p < b.count, isBlank(b[p]) { p += 1 }
                    guard p < b.count else { throw SeriesNotationError("unterminated label set") }
                    if b[p] == UInt8(ascii: ",") { p += 1; continue }
                    guard b[p] == UInt8(ascii: "}") else { throw SeriesNotationError("expected , or } at column \(p + 1)") }
                    p += 1
                    break
                }
            }
            guard hasSelector else { throw SeriesNotationError("expected a series selector") }
            var isST = false
            if b.count - p >= 3, b[p] == UInt8(ascii: "@"), b[p + 1] == UInt8(ascii: "s"), b[p + 2] == UInt8(ascii: "t") {
                isST = true
                p += 3
            }
            guard p == b.count || isBlank(b[p]) else { throw SeriesNotationError("expected blank after the selector at column \(p + 1)") }
            pairs.sort { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
            for i in pairs.indices.dropFirst() where pairs[i].name == pairs[i - 1].name {
                throw SeriesNotationError("duplicate label \(pairs[i].name)")
            }
            let rest = String(decoding: b[p...], as: UTF8.self)
            return SeriesDescription(labels: pairs, isStartTimestamps: isST, values: try ValueSequence.tokens(rest))
        }
    }

    /// The value-sequence items of a series description and their expansion into slots.
    public enum ValueSequence {
        /// Splits on blanks, keeping `{{…}}` histogram literals (which contain blanks) in one item.
        public static func tokens(_ text: String) throws(SeriesNotationError) -> [Substring] {
            var out: [Substring] = []
            let u = text.utf8
            var i = u.startIndex
            while i < u.endIndex {
                if isBlank(u[i]) { i = u.index(after: i); continue }
                let start = i
                while i < u.endIndex, !isBlank(u[i]) {
                    let next = u.index(after: i)
                    if u[i] == UInt8(ascii: "{"), next < u.endIndex, u[next] == UInt8(ascii: "{") {
                        // Skip to the closing `}}`.
                        var j = u.index(after: next)
                        var closed = false
                        while j < u.endIndex {
                            let k = u.index(after: j)
                            if u[j] == UInt8(ascii: "}"), k < u.endIndex, u[k] == UInt8(ascii: "}") { i = u.index(after: k); closed = true; break }
                            j = k
                        }
                        guard closed else { throw SeriesNotationError("unterminated histogram literal {{…}}") }
                    } else {
                        i = next
                    }
                }
                out.append(Substring(text[start..<i]))
            }
            return out
        }

        /// Expands items (`N`, `_`, `_xK`, `stale`, `AxK`, `A+BxK`, `A-BxK`, `{{…}}` forms) into slots.
        public static func expand(_ items: [Substring]) throws(SeriesNotationError) -> [Slot] {
            var slots: [Slot] = []
            for item in items {
                if item.contains("{{") {
                    // A histogram item: `{{H}}`, `{{H}}xK`, `{{H}}+{{I}}xK`, `{{H}}-{{I}}xK`.
                    guard let close = item.range(of: "}}", options: .backwards) else { throw SeriesNotationError("bad histogram item") }
                    let tail = item[close.upperBound...]
                    if tail.isEmpty {
                        guard !item.dropFirst(2).contains("{{") else { throw SeriesNotationError("histogram series item needs xK: \(item)") }
                        slots.append(.histogram)
                    } else {
                        guard tail.first == "x", let k = Int(tail.dropFirst()), k >= 0, k < 1_000_000 else {
                            throw SeriesNotationError("bad histogram repetition \(tail)")
                        }
                        slots.append(contentsOf: repeatElement(.histogram, count: k + 1))
                    }
                    continue
                }
                if item == "_" { slots.append(.empty); continue }
                if item == "stale" { slots.append(.stale); continue }
                if let (base, k) = repetition(item) {
                    if base == "_" { slots.append(contentsOf: repeatElement(.empty, count: k)); continue }
                    if let a = Numbers.floatLiteral(base) {
                        slots.append(contentsOf: repeatElement(.float(a), count: k + 1))
                        continue
                    }
                    guard let (a, b) = increment(base) else { throw SeriesNotationError("bad value item \(item)") }
                    var v = a
                    slots.append(.float(v))
                    for _ in 0..<k {
                        v += b  // repeated addition, as the format specifies
                        slots.append(.float(v))
                    }
                    continue
                }
                guard let v = Numbers.floatLiteral(item) else { throw SeriesNotationError("bad value item \(item)") }
                slots.append(.float(v))
            }
            return slots
        }

        /// `<base>x<K>` with K decimal digits; nil when the item does not end that way.
        private static func repetition(_ item: Substring) -> (Substring, Int)? {
            guard let x = item.lastIndex(of: "x"), x > item.startIndex else { return nil }
            let digits = item[item.index(after: x)...]
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let k = Int(digits), k < 1_000_000 else { return nil }
            return (item[..<x], k)
        }

        /// `A+B` or `A-B` (the sign of B folded in); tries each split point after the first character.
        private static func increment(_ s: Substring) -> (Double, Double)? {
            var i = s.index(after: s.startIndex)
            while i < s.endIndex {
                if s[i] == "+" || s[i] == "-", let a = Numbers.floatLiteral(s[..<i]), let b = Numbers.floatLiteral(s[s.index(after: i)...]) {
                    return (a, s[i] == "-" ? -b : b)
                }
                i = s.index(after: i)
            }
            return nil
        }
    }
}

private func isBlank(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0B || b == 0x0C
}

private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

private func isNameStart(_ b: UInt8) -> Bool {
    (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == UInt8(ascii: "_")
}
