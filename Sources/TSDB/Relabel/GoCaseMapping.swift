/// Lower/upper-casing as Go's `strings.ToLower`/`ToUpper` (used by the `lowercase`/`uppercase` actions):
/// scalar by scalar with simple (one-to-one) case mappings, so "ß" stays "ß" where Swift's
/// `uppercased()` would give "SS".
enum GoCaseMapping {
    /// Go's `strings.ToLower`.
    static func lower(_ s: String) -> String { map(s, upper: false) }
    /// Go's `strings.ToUpper`.
    static func upper(_ s: String) -> String { map(s, upper: true) }

    private static func map(_ s: String, upper: Bool) -> String {
        let (from, to): (UInt8, UInt8) = upper ? (0x61, 0x7a) : (0x41, 0x5a)
        var ascii = true, changes = false
        for b in s.utf8 {
            if b >= 0x80 { ascii = false; break }
            if b >= from && b <= to { changes = true }
        }
        if ascii {
            guard changes else { return s }
            return String(unsafeUninitializedCapacity: s.utf8.count) { buf in
                var n = 0
                for b in s.utf8 {
                    buf[n] = (b >= from && b <= to) ? b ^ 0x20 : b
                    n += 1
                }
                return n
            }
        }
        var out = String.UnicodeScalarView()
        for c in s.unicodeScalars { out.append(simpleMapping(c, upper: upper)) }
        return String(out)
    }

    /// Unicode's simple case mapping, approximated from Swift's full mappings: a one-scalar full mapping
    /// is the simple one; for multi-scalar ones the title-case mapping (upper) or the known exception
    /// U+0130 → "i" (lower) stands in, else the scalar is unchanged (as Go keeps scalars with no simple mapping).
    private static func simpleMapping(_ c: Unicode.Scalar, upper: Bool) -> Unicode.Scalar {
        let props = c.properties
        let full = upper ? props.uppercaseMapping : props.lowercaseMapping
        let scalars = full.unicodeScalars
        if scalars.count == 1, let m = scalars.first { return m }
        if upper {
            let title = props.titlecaseMapping.unicodeScalars
            if title.count == 1, let m = title.first { return m }
        } else if c.value == 0x130 {
            return "i"
        }
        return c
    }
}
