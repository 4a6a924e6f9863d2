/// A hand-written reader for `POST /api/v2/alerts` bodies: alert sources post thousands of alerts
/// a second, and Foundation's JSONDecoder spent half the server's time on them. Strict JSON; unknown
/// keys are skipped; errors give the byte offset and what was expected.
struct AlertJSONReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let bytes: [UInt8]
    private var i = 0
    /// Nesting allowed while skipping unknown values (deeper input is refused, not recursed into).
    private static let maxDepth = 64

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a JSON array of postable alerts.
    static func alerts(_ bytes: [UInt8]) throws(Failure) -> [AlertmanagerJSON.PostableAlert] {
        var r = AlertJSONReader(bytes)
        var out: [AlertmanagerJSON.PostableAlert] = []
        try r.expect(UInt8(ascii: "["), "an array of alerts")
        if try r.peek() == UInt8(ascii: "]") {
            r.i += 1
        } else {
            while true {
                out.append(try r.alert())
                if try r.commaOrEnd(UInt8(ascii: "]")) { break }
            }
        }
        r.skipSpace()
        guard r.i == bytes.count else { throw r.fail("end of input") }
        return out
    }

    private mutating func alert() throws(Failure) -> AlertmanagerJSON.PostableAlert {
        var a = AlertmanagerJSON.PostableAlert(labels: [:])
        var sawLabels = false
        try expect(UInt8(ascii: "{"), "an alert object")
        if try peek() == UInt8(ascii: "}") { i += 1; throw fail("an alert with labels", at: i - 1) }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"), "':'")
            switch key {
            case "labels": a.labels = try stringMap(); sawLabels = true
            case "annotations": a.annotations = try nullable { (r: inout AlertJSONReader) throws(Failure) in try r.stringMap() }
            case "startsAt": a.startsAt = try nullable { (r: inout AlertJSONReader) throws(Failure) in try r.string() }
            case "endsAt": a.endsAt = try nullable { (r: inout AlertJSONReader) throws(Failure) in try r.string() }
            case "generatorURL": a.generatorURL = try nullable { (r: inout AlertJSONReader) throws(Failure) in try r.string() }
            default: try skipValue(depth: 0)
            }
            if try commaOrEnd(UInt8(ascii: "}")) { break }
        }
        guard sawLabels else { throw Failure(description: "alert without labels (before byte \(i))") }
        return a
    }

    private mutating func nullable<T>(_ read: (inout AlertJSONReader) throws(Failure) -> T) throws(Failure) -> T? {
        if try peek() == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        return try read(&self)
    }

    /// An object whose values are all strings.
    private mutating func stringMap() throws(Failure) -> [String: String] {
        var out: [String: String] = [:]
        try expect(UInt8(ascii: "{"), "an object of strings")
        if try peek() == UInt8(ascii: "}") { i += 1; return out }
        while true {
            let k = try string()
            try expect(UInt8(ascii: ":"), "':'")
            guard try peek() == UInt8(ascii: "\"") else { throw fail("a string value for \"\(k)\"") }
            out[k] = try string()
            if try commaOrEnd(UInt8(ascii: "}")) { break }
        }
        return out
    }

    /// After a member: true at the closing `end`, false after a comma.
    private mutating func commaOrEnd(_ end: UInt8) throws(Failure) -> Bool {
        let c = try peek()
        i += 1
        if c == end { return true }
        if c == UInt8(ascii: ",") { return false }
        throw fail("',' or '\(Character(Unicode.Scalar(end)))'", at: i - 1)
    }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0a || bytes[i] == 0x0d || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func peek() throws(Failure) -> UInt8 {
        skipSpace()
        guard i < bytes.count else { throw fail("more input") }
        return bytes[i]
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws(Failure) {
        guard try peek() == c else { throw fail(what) }
        i += 1
    }

    private mutating func literal(_ word: StaticString) throws(Failure) {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw fail("\(word)") }
        var ok = true
        word.withUTF8Buffer { w in for k in 0..<n where bytes[i + k] != w[k] { ok = false } }
        guard ok else { throw fail("\(word)") }
        i += n
    }

    private mutating func string() throws(Failure) -> String {
        guard try peek() == UInt8(ascii: "\"") else { throw fail("a string") }
        i += 1
        let start = i
        // Fast path: no escapes.
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\"") {
                defer { i += 1 }
                return String(decoding: bytes[start..<i], as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") { break }
            if c < 0x20 { throw fail("no control characters in strings", at: i) }
            i += 1
        }
        var out = Array(bytes[start..<i])
        while i < bytes.count {
            let c = bytes[i]
            i += 1
            switch c {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard i < bytes.count else { throw fail("an escape") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar), i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("a low surrogate", at: i - 4) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw fail("a valid escape", at: i - 1)
                }
            default:
                if c < 0x20 { throw fail("no control characters in strings", at: i - 1) }
                out.append(c)
            }
        }
        throw fail("a closing quote")
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("four hex digits") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
            default: throw fail("a hex digit", at: i)
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }

    /// Skips any JSON value (for keys this endpoint does not use).
    private mutating func skipValue(depth: Int) throws(Failure) {
        guard depth < Self.maxDepth else { throw fail("less nesting") }
        switch try peek() {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"):
            i += 1
            if try peek() == UInt8(ascii: "}") { i += 1; return }
            while true {
                _ = try string()
                try expect(UInt8(ascii: ":"), "':'")
                try skipValue(depth: depth + 1)
                if try commaOrEnd(UInt8(ascii: "}")) { return }
            }
        case UInt8(ascii: "["):
            i += 1
            if try peek() == UInt8(ascii: "]") { i += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                if try commaOrEnd(UInt8(ascii: "]")) { return }
            }
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default:
            let start = i
            while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
            guard i > start else { throw fail("a JSON value") }
        }
    }

    private func fail(_ expected: String, at pos: Int? = nil) -> Failure {
        let p = pos ?? i
        let found = p < bytes.count ? "'\(Character(Unicode.Scalar(bytes[p])))'" : "end of input"
        return Failure(description: "expected \(expected) at byte \(p), found \(found)")
    }
}
