/// Byte classes of the exposition grammars, from a 256-entry table in a string literal (constant data, no
/// lazy initialisation): one load and a mask test per byte in the scanning loops.
@usableFromInline
enum ExpositionByteClass {
    /// Entry `b` is `0x40 | classes of b`: 1 `[a-zA-Z_]`, 2 `[0-9]`, 4 `:`, 8 `"` `\\` newline (label value
    /// specials), 16 space, tab, CR, newline (token ends).
    @inlinable static var table: StaticString {
        "@@@@@@@@@PX@@P@@@@@@@@@@@@@@@@@@P@H@@@@@@@@@@@@@BBBBBBBBBBD@@@@@@AAAAAAAAAAAAAAAAAAAAAAAAAA@H@@A@AAAAAAAAAAAAAAAAAAAAAAAAAA@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
    }

    @inlinable @inline(__always) static func classes(_ b: UInt8) -> UInt8 { table.utf8Start[Int(b)] }

    /// `[a-zA-Z_]`
    @inlinable @inline(__always) static func isLabelNameStart(_ b: UInt8) -> Bool { classes(b) & 1 != 0 }
    /// `[a-zA-Z0-9_]`
    @inlinable @inline(__always) static func isLabelNameChar(_ b: UInt8) -> Bool { classes(b) & 3 != 0 }
    /// `[a-zA-Z_:]`
    @inlinable @inline(__always) static func isMetricNameStart(_ b: UInt8) -> Bool { classes(b) & 5 != 0 }
    /// `[a-zA-Z0-9_:]`
    @inlinable @inline(__always) static func isMetricNameChar(_ b: UInt8) -> Bool { classes(b) & 7 != 0 }
    /// `"`, `\\` or newline: where a label value scan has to look closer.
    @inlinable @inline(__always) static func isLabelValueSpecial(_ b: UInt8) -> Bool { classes(b) & 8 != 0 }
    /// Space, tab, CR or newline: where a Prometheus-text token ends.
    @inlinable @inline(__always) static func isTokenEnd(_ b: UInt8) -> Bool { classes(b) & 16 != 0 }
    /// Space or tab: the separators of Prometheus text.
    @inlinable @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }

    // MARK: - Eight bytes at a time (SWAR)

    @usableFromInline static var ones: UInt64 { 0x0101_0101_0101_0101 }
    @usableFromInline static var highBits: UInt64 { 0x8080_8080_8080_8080 }

    /// For a word of bytes below 0x80: 0x80 in each byte that lies in `lo...hi`. Exact per byte (no carries).
    @inlinable @inline(__always) static func inRange(_ x: UInt64, _ lo: UInt8, _ hi: UInt8) -> UInt64 {
        let atLeastLo = x &+ ones &* UInt64(0x80 &- lo)
        let aboveHi = x &+ ones &* UInt64(0x7F &- hi)
        return atLeastLo & ~aboveHi & highBits
    }

    /// 0x80 in each byte of `w` that is `[a-zA-Z0-9_]` (plus `:` with `colon`).
    @inlinable @inline(__always) static func nameBytes(_ w: UInt64, colon: Bool) -> UInt64 {
        let x = w & ~highBits
        var ok = inRange(x | (ones &* 0x20), 0x61, 0x7A) | inRange(x, 0x30, 0x39) | inRange(x, 0x5F, 0x5F)
        if colon { ok |= inRange(x, 0x3A, 0x3A) }
        return ok & ~w
    }

    @inlinable @inline(__always) static func load(_ p: UnsafePointer<UInt8>, _ i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
    }

    /// Index of the first byte at or after `i` that is not a metric-name byte (label-name byte without `colon`).
    @inlinable @inline(__always)
    static func skipName(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int, colon: Bool) -> Int {
        var i = i
        while i &+ 8 <= end {
            let other = ~nameBytes(load(p, i), colon: colon) & highBits
            if other != 0 { return i &+ other.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        if colon {
            while i < end && isMetricNameChar(p[i]) { i &+= 1 }
        } else {
            while i < end && isLabelNameChar(p[i]) { i &+= 1 }
        }
        return i
    }

    /// Index of the first `"`, backslash or newline at or after `i` (or `end`).
    @inlinable @inline(__always)
    static func skipLabelValueText(_ p: UnsafePointer<UInt8>, _ i: Int, _ end: Int) -> Int {
        var i = i
        while i &+ 8 <= end {
            let w = load(p, i)
            let x = w & ~highBits
            let special = (inRange(x, 0x22, 0x22) | inRange(x, 0x5C, 0x5C) | inRange(x, 0x0A, 0x0A)) & ~w
            if special != 0 { return i &+ special.trailingZeroBitCount &>> 3 }
            i &+= 8
        }
        while i < end && !isLabelValueSpecial(p[i]) { i &+= 1 }
        return i
    }
}
