/// Go's backslash escapes (`\n`, `\x41`, `\u00e9`, `\U0001F600`, `\101`, `\"`), shared by PromQL
/// strings, the test-series notation and template literals, which all follow Go's rules.
enum GoEscape {
    /// Why an escape is malformed, and the byte offset the message points at.
    enum Failure: Error {
        case unknown(at: Int)
        case hex(at: Int)
        case unicode(at: Int)
        case octal(at: Int)
        case octalRange(at: Int)
        case truncated(at: Int)
    }

    /// Decodes the escape whose letter is at `b[i]` (just after the backslash), appends its bytes
    /// to `out` and moves `i` past it. `quote` is the quote that may be escaped; nil accepts both
    /// `\'` and `\"`.
    static func decode(_ b: [UInt8], _ i: inout Int, quote: UInt8?, into out: inout [UInt8]) throws(Failure) {
        guard i < b.count else { throw .truncated(at: i) }
        let e = b[i]
        i += 1
        switch e {
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0c)
        case UInt8(ascii: "n"): out.append(0x0a)
        case UInt8(ascii: "r"): out.append(0x0d)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "v"): out.append(0x0b)
        case UInt8(ascii: "\\"): out.append(0x5c)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            guard quote == nil || quote == e else { throw .unknown(at: i - 2) }
            out.append(e)
        case UInt8(ascii: "x"):
            out.append(UInt8(try hex(b, &i, digits: 2)))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let v = try hex(b, &i, digits: e == UInt8(ascii: "u") ? 4 : 8)
            guard let scalar = Unicode.Scalar(v) else { throw .unicode(at: i) }
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var v = UInt32(e - 0x30)
            for _ in 0..<2 {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x37 else { throw .octal(at: i) }
                v = v * 8 + UInt32(b[i] - 0x30)
                i += 1
            }
            guard v <= 255 else { throw .octalRange(at: i) }
            out.append(UInt8(v))
        default:
            throw .unknown(at: i - 2)
        }
    }

    /// Exactly `digits` hex digits at `i`.
    private static func hex(_ b: [UInt8], _ i: inout Int, digits: Int) throws(Failure) -> UInt32 {
        guard i + digits <= b.count else { throw .hex(at: i) }
        var v: UInt32 = 0
        for k in i..<(i + digits) {
            let c = b[k]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            default: throw .hex(at: i)
            }
            v = v * 16 + d
        }
        i += digits
        return v
    }
}
