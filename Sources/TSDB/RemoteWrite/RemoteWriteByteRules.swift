/// Byte-level checks on label bytes straight from the request body (no Strings): ASCII/UTF-8
/// validity, Prometheus' label/metric-name character rules (as `LabelValidation`) and ordering.
///
/// Words of 8 bytes are checked at once (SWAR) because label strings are short and of varying
/// length: a per-byte loop mispredicts its exit on nearly every string. Loads may read past a
/// string but never past `end`, the end of the request body.
enum RemoteWriteByteRules {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// `__name__` as a little-endian 8-byte word.
    static let metricNameLabelWord: UInt64 = 0x5f5f_656d_616e_5f5f

    /// The 8 bytes at `p` (little-endian); bytes at or past `end` read as 0.
    @inline(__always) static func word(_ p: UnsafeRawPointer, _ end: UnsafeRawPointer) -> UInt64 {
        if end - p >= 8 { return UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) }
        var w: UInt64 = 0
        var q = p
        var shift: UInt64 = 0
        while q < end {
            w |= UInt64(q.load(as: UInt8.self)) << shift
            q += 1
            shift += 8
        }
        return w
    }

    /// Mask of the low `n` bytes (n in 0...8).
    @inline(__always) static func lowBytesMask(_ n: Int) -> UInt64 {
        n >= 8 ? ~0 : (UInt64(1) << UInt64(n &* 8)) &- 1
    }

    /// True when the bytes are exactly `__name__`.
    @inline(__always) static func isMetricNameLabel(_ p: UnsafeRawPointer, _ n: Int) -> Bool {
        n == 8 && UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)) == metricNameLabelWord
    }

    /// Per byte of `w` (all bytes < 0x80): 0x80 where the byte is in `lo...hi`, else 0.
    @inline(__always) static func inRange(_ w: UInt64, _ lo: UInt8, _ hi: UInt8) -> UInt64 {
        // Adding (0x80 - k) sets a byte's top bit iff byte >= k, without carries between bytes.
        let geLo = w &+ ones &* UInt64(0x80 &- lo)
        let gtHi = w &+ ones &* UInt64(0x7f &- hi)
        return geLo & ~gtHi & highBits
    }

    /// Per byte of `w` (all bytes < 0x80): 0x80 where the byte equals `c`, else 0.
    @inline(__always) static func equalTo(_ w: UInt64, _ c: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(c))
        return ~(x &+ ones &* 0x7f) & highBits
    }

    /// Nonzero when a word of name bytes breaks `[a-zA-Z0-9_]` (plus `:` with `colon`) or, for
    /// the first word, starts with a digit. Bytes past the name must be padded with a valid byte.
    @inline(__always) static func nameWordViolations(_ w: UInt64, colon: Bool, first: Bool) -> UInt64 {
        let nonASCII = w & highBits
        // Clearing top bits keeps the per-byte arithmetic carry-free; non-ASCII is flagged above.
        let x = w & ~highBits
        var valid = inRange(x | 0x2020_2020_2020_2020, 0x61, 0x7a) | equalTo(x, 0x5f)
        let digits = inRange(x, 0x30, 0x39)
        valid |= digits
        if colon { valid |= equalTo(x, 0x3a) }
        var bad = nonASCII | (~valid & highBits)
        if first { bad |= digits & 0x80 }
        return bad
    }

    /// Nonzero when `[p, p+n)` breaks `[a-zA-Z_][a-zA-Z0-9_]*` (colon: false) or
    /// `[a-zA-Z_:][a-zA-Z0-9_:]*` (colon: true). Branch-free for names of up to 8 bytes.
    @inline(__always) static func nameViolations(_ p: UnsafeRawPointer, _ n: Int, colon: Bool, end: UnsafeRawPointer) -> UInt64 {
        let mask = lowBytesMask(n)
        // Bytes past the name become 'a', which every rule accepts.
        let w = (word(p, end) & mask) | (0x6161_6161_6161_6161 & ~mask)
        var bad = nameWordViolations(w, colon: colon, first: true) | UInt64(n == 0 ? 1 : 0)
        if n > 8 { bad |= nameViolationsAfterFirstWord(p, n, colon: colon, end: end) }
        return bad
    }

    static func nameViolationsAfterFirstWord(_ p: UnsafeRawPointer, _ n: Int, colon: Bool, end: UnsafeRawPointer) -> UInt64 {
        var bad: UInt64 = 0
        var i = 8
        while i < n {
            let mask = lowBytesMask(n &- i)
            let w = (word(p + i, end) & mask) | (0x6161_6161_6161_6161 & ~mask)
            bad |= nameWordViolations(w, colon: colon, first: false)
            i &+= 8
        }
        return bad
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*` (colon: false) or `[a-zA-Z_:][a-zA-Z0-9_:]*` (colon: true).
    static func isValidName(_ p: UnsafeRawPointer, _ n: Int, colon: Bool, end: UnsafeRawPointer) -> Bool {
        nameViolations(p, n, colon: colon, end: end) == 0
    }

    /// True when `[p, p+n)` has no byte >= 0x80.
    @inline(__always) static func isASCII(_ p: UnsafeRawPointer, _ n: Int, end: UnsafeRawPointer) -> Bool {
        var acc: UInt64 = 0
        var i = 0
        while n &- i > 8 {
            acc |= UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i &+= 8
        }
        if n > i { acc |= word(p + i, end) & lowBytesMask(n &- i) }
        return acc & highBits == 0
    }

    /// True when the bytes are valid UTF-8 (no overlongs, surrogates or values above U+10FFFF).
    static func isValidUTF8(_ p: UnsafeRawPointer, _ n: Int, end: UnsafeRawPointer) -> Bool {
        if isASCII(p, n, end: end) { return true }
        var i = 0
        @inline(__always) func byte(_ k: Int) -> UInt8 { p.load(fromByteOffset: k, as: UInt8.self) }
        @inline(__always) func isCont(_ k: Int) -> Bool { k < n && byte(k) & 0xc0 == 0x80 }
        while i < n {
            let b = byte(i)
            if b < 0x80 {
                i += 1
                continue
            }
            switch b {
            case 0xc2...0xdf:
                guard isCont(i + 1) else { return false }
                i += 2
            case 0xe0...0xef:
                guard i + 1 < n else { return false }
                let b1 = byte(i + 1)
                // E0 needs A0-BF (no overlongs), ED needs 80-9F (no surrogates).
                let lo: UInt8 = b == 0xe0 ? 0xa0 : 0x80
                let hi: UInt8 = b == 0xed ? 0x9f : 0xbf
                guard b1 >= lo, b1 <= hi, isCont(i + 2) else { return false }
                i += 3
            case 0xf0...0xf4:
                guard i + 1 < n else { return false }
                let b1 = byte(i + 1)
                // F0 needs 90-BF (no overlongs), F4 needs 80-8F (at most U+10FFFF).
                let lo: UInt8 = b == 0xf0 ? 0x90 : 0x80
                let hi: UInt8 = b == 0xf4 ? 0x8f : 0xbf
                guard b1 >= lo, b1 <= hi, isCont(i + 2), isCont(i + 3) else { return false }
                i += 4
            default:
                return false
            }
        }
        return true
    }

    /// True when `a` sorts strictly before `b` byte-wise (shorter first on a common prefix).
    /// The first 8 bytes decide almost every pair of label names, without branches.
    @inline(__always) static func precedes(
        _ a: UnsafeRawPointer, _ an: Int, _ b: UnsafeRawPointer, _ bn: Int, end: UnsafeRawPointer
    ) -> Bool {
        let m = Swift.min(an, bn)
        let mask = lowBytesMask(m)
        let wa = (word(a, end) & mask).byteSwapped
        let wb = (word(b, end) & mask).byteSwapped
        if wa == wb && m > 8 { return compare(a, an, b, bn, end: end) < 0 }
        return (wa < wb) || (wa == wb && an < bn)
    }

    /// Byte-wise three-way comparison (-1, 0, 1), shorter first on a common prefix.
    static func compare(_ a: UnsafeRawPointer, _ an: Int, _ b: UnsafeRawPointer, _ bn: Int, end: UnsafeRawPointer) -> Int {
        let n = Swift.min(an, bn)
        var i = 0
        while i < n {
            let x = a.load(fromByteOffset: i, as: UInt8.self)
            let y = b.load(fromByteOffset: i, as: UInt8.self)
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return an == bn ? 0 : (an < bn ? -1 : 1)
    }

    /// Byte-wise equality of two ranges anywhere in memory (no over-reads).
    @inline(__always) static func equal(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
        var i = 0
        while n - i >= 8 {
            if a.loadUnaligned(fromByteOffset: i, as: UInt64.self) != b.loadUnaligned(fromByteOffset: i, as: UInt64.self) { return false }
            i += 8
        }
        while i < n {
            if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
            i += 1
        }
        return true
    }
}
