/// The cold (on-disk, zstd-framed) encoding of one chunk's float64 values.
///
/// Layout (all integers LEB128 varints unless noted; see docs/format/block.md):
/// ```
/// byte 0: mode (bits 0-2) | 0x08 delta-of-delta | 0x10 has exceptions
/// mode 0 constant decimal : zvarint m, u8 k                 (every sample = m/10^k)
/// mode 1 constant raw     : u64 bits                        (every sample = bits)
/// mode 2 decimal          : u8 k, [exceptions], uvarint g, zvarint M0,
///                           then (g > 0) count-1 zvarints of delta/g,
///                           or (dod) zvarint d1/g and count-2 zvarints of dod/g
/// mode 3 xor              : u64 first bits, then per sample x = bits ^ previous bits:
///                           0x00 if x == 0, else ctrl = tz<<4 | n, then n bytes of x >> 8*tz
/// exceptions              : uvarint n, n × (uvarint index gap, u64 bits); the decimal stream
///                           carries the previous mantissa at those positions
/// ```
/// The sample count is not stored: it comes from the chunk's timestamp column.
public enum ColdValueCodec {
    /// Mode numbers of the first byte.
    public enum Mode: UInt8, Sendable {
        /// All samples equal a decimal.
        case constantDecimal = 0
        /// All samples share raw bits.
        case constantRaw = 1
        /// Decimal mantissas, delta or delta-of-delta coded.
        case decimal = 2
        /// Byte-aligned XOR of consecutive bit patterns.
        case xor = 3
    }
    /// Flag: mantissas are delta-of-delta coded.
    public static let dodFlag: UInt8 = 0x08
    /// Flag: an exception list precedes the stream.
    public static let exceptionsFlag: UInt8 = 0x10

    /// Decodes `count` values starting at `reader.position` into `out[0..<count]`.
    @inlinable
    public static func decode(_ reader: inout ColdByteReader, count: Int, into out: UnsafeMutablePointer<Double>) throws(ColdFormatError) {
        try decode(&reader, count: count, range: 0..<count, into: out)
    }

    /// Decodes values `range` of a chunk of `count` values into `out[range]` (chunk indices; the
    /// rest of `out` is not written). Values before the range are parsed but not converted, those
    /// after it are not read at all: a query needing the tail of a chunk skips the float work of
    /// its head, and one ending mid-chunk stops there. `reader` is left unspecified.
    @inlinable
    public static func decode(_ reader: inout ColdByteReader, count: Int, range: Range<Int>,
                              into out: UnsafeMutablePointer<Double>) throws(ColdFormatError) {
        // A local copy lets the read position live in a register instead of being stored back
        // through `reader` after every varint (a store/load dependency per value).
        var local = reader
        defer { reader = local }
        try decodeLocal(&local, count: count, range: range, into: out)
    }

    @inlinable @inline(__always)
    static func decodeLocal(_ reader: inout ColdByteReader, count: Int, range: Range<Int>,
                            into out: UnsafeMutablePointer<Double>) throws(ColdFormatError) {
        let lo = Swift.max(range.lowerBound, 0), hi = Swift.min(range.upperBound, count)
        guard lo < hi else { return }
        let head = try reader.u8()
        guard let mode = Mode(rawValue: head & 0x07), head & ~0x1f == 0 else { throw .invalid("unknown value mode byte \(head)") }
        switch mode {
        case .constantDecimal:
            let m = try reader.zvarint()
            let k = Int(try reader.u8())
            guard k <= ColdDecimal.maxExponent else { throw .invalid("decimal exponent \(k)") }
            let v = ColdDecimal.value(mantissa: m, exponent: k)
            (out + lo).update(repeating: v, count: hi - lo)
        case .constantRaw:
            let v = Double(bitPattern: try reader.u64())
            (out + lo).update(repeating: v, count: hi - lo)
        case .decimal:
            let k = Int(try reader.u8())
            guard k <= ColdDecimal.maxExponent else { throw .invalid("decimal exponent \(k)") }
            var excStart = 0, excCount = 0
            if head & exceptionsFlag != 0 {
                excCount = try reader.count(max: count)
                excStart = reader.position
                for _ in 0..<excCount { _ = try reader.uvarint(); try reader.skip(8) }
            }
            let g = Int64(bitPattern: try reader.uvarint())
            var m = try reader.zvarint()
            let p = k == 0 ? 1.0 : ColdDecimal.powers[k]
            if g == 0 {
                (out + lo).update(repeating: Double(m) / p, count: hi - lo)
            } else if head & dodFlag != 0 {
                if lo == 0 { out[0] = Double(m) / p }
                var d: Int64 = 0
                var i = 1
                // Skipped prefix: integer work only.
                while i < lo {
                    d &+= (try reader.zvarint()) &* g
                    m &+= d
                    i += 1
                }
                if k == 0 {
                    // Integers: dividing by 1 is exact, skip it.
                    while i < hi {
                        d &+= (try reader.zvarint()) &* g
                        m &+= d
                        out[i] = Double(m)
                        i += 1
                    }
                } else {
                    while i < hi {
                        d &+= (try reader.zvarint()) &* g
                        m &+= d
                        out[i] = Double(m) / p
                        i += 1
                    }
                }
            } else {
                if lo == 0 { out[0] = Double(m) / p }
                var i = 1
                if lo > 1 {
                    // Skipped prefix: the deltas' sum is all that matters (wrapping arithmetic distributes).
                    var sum: Int64 = 0
                    while i < lo {
                        sum &+= try reader.zvarint()
                        i += 1
                    }
                    m &+= sum &* g
                }
                if k == 0 {
                    while i < hi {
                        m &+= (try reader.zvarint()) &* g
                        out[i] = Double(m)
                        i += 1
                    }
                } else {
                    while i < hi {
                        m &+= (try reader.zvarint()) &* g
                        out[i] = Double(m) / p
                        i += 1
                    }
                }
            }
            if excCount > 0 {
                var r = ColdByteReader(reader.base, position: excStart)
                var idx = -1
                for e in 0..<excCount {
                    let gap = try r.count(max: count)
                    idx = e == 0 ? gap : idx + gap
                    guard idx < count, e == 0 || gap > 0 else { throw .invalid("exception index out of range") }
                    let bits = try r.u64()
                    if idx >= lo && idx < hi { out[idx] = Double(bitPattern: bits) }
                }
            }
        case .xor:
            var bits = try reader.u64()
            if lo == 0 { out[0] = Double(bitPattern: bits) }
            var i = 1
            while i < hi {
                let ctrl = try reader.u8()
                if ctrl != 0 {
                    let n = Int(ctrl & 0x0f), tz = Int(ctrl >> 4)
                    guard n >= 1, n + tz <= 8 else { throw .invalid("xor control byte \(ctrl)") }
                    var x: UInt64 = 0
                    for b in 0..<n { x |= UInt64(try reader.u8()) << (8 * UInt64(b)) }
                    bits ^= x << (8 * UInt64(tz))
                }
                if i >= lo { out[i] = Double(bitPattern: bits) }
                i += 1
            }
        }
    }
}

/// Encodes chunk values in the cold format, choosing the smallest mode; reusable scratch space
/// so encoding a series allocates nothing once warmed up.
public struct ColdValueEncoder: Sendable {
    var mantissas: [Int64] = []
    var exponents: [Int8] = []
    var exceptions: [Int32] = []

    /// Fresh encoder.
    public init() {}

    /// Appends the encoding of `values` to `out`.
    public mutating func encode(_ values: UnsafeBufferPointer<Double>, into out: inout ColdByteWriter) {
        let n = values.count
        guard n > 0 else { return }
        let first = values[0].bitPattern
        var allSame = true
        for v in values where v.bitPattern != first { allSame = false; break }
        if allSame {
            if let d = ColdDecimal.decompose(values[0]), ColdByteReader.uvarintSize(ColdZigZag.encode(d.m)) + 1 < 8 {
                out.u8(ColdValueCodec.Mode.constantDecimal.rawValue); out.zvarint(d.m); out.u8(UInt8(d.k))
            } else {
                out.u8(ColdValueCodec.Mode.constantRaw.rawValue); out.u64(first)
            }
            return
        }
        if encodeDecimal(values, into: &out) { return }
        encodeXOR(values, into: &out)
    }

    /// Decimal mode; false (nothing written) when too many values are not short decimals.
    mutating func encodeDecimal(_ values: UnsafeBufferPointer<Double>, into out: inout ColdByteWriter) -> Bool {
        let n = values.count
        let maxExceptions = n / 4
        mantissas.removeAll(keepingCapacity: true)
        exponents.removeAll(keepingCapacity: true)
        exceptions.removeAll(keepingCapacity: true)
        var hint = 0
        var kMax = 0
        for i in 0..<n {
            if let d = ColdDecimal.decompose(values[i], hint: hint) {
                mantissas.append(d.m); exponents.append(Int8(d.k))
                hint = d.k
                if d.k > kMax { kMax = d.k }
            } else {
                exceptions.append(Int32(i))
                if exceptions.count > maxExceptions { return false }
                mantissas.append(0); exponents.append(-1)
            }
        }
        if exceptions.count == n { return false }
        // Bring every mantissa to the common exponent; those that would overflow become exceptions.
        var rescaled = false
        for i in 0..<n where exponents[i] >= 0 && Int(exponents[i]) < kMax {
            let shift = kMax - Int(exponents[i])
            let (m, overflow) = shift > 18 ? (0, true)
                : mantissas[i].multipliedReportingOverflow(by: Int64(ColdDecimal.powers[shift]))
            if !overflow, ColdDecimal.matches(values[i], mantissa: m, exponent: kMax) {
                mantissas[i] = m
            } else {
                exponents[i] = -1; rescaled = true
            }
        }
        if rescaled {
            exceptions.removeAll(keepingCapacity: true)
            for i in 0..<n where exponents[i] < 0 { exceptions.append(Int32(i)) }
            if exceptions.count > maxExceptions || exceptions.count == n { return false }
        }
        // Exceptions carry the neighbouring mantissa so they cost a zero delta.
        if !exceptions.isEmpty {
            var firstGood = 0
            while exponents[firstGood] < 0 { firstGood += 1 }
            for i in 0..<firstGood { mantissas[i] = mantissas[firstGood] }
            for i in firstGood..<n where exponents[i] < 0 { mantissas[i] = mantissas[i - 1] }
        }
        // Cost both delta and delta-of-delta (varint bytes) and keep the cheaper.
        var g1: UInt64 = 0, g2: UInt64 = 0
        var prevD: Int64 = 0
        for i in 1..<max(n, 1) {
            let d = mantissas[i] &- mantissas[i - 1]
            g1 = Self.gcd(g1, d.magnitude)
            g2 = Self.gcd(g2, i == 1 ? d.magnitude : (d &- prevD).magnitude)
            prevD = d
        }
        var deltaCost = 0, dodCost = 0
        if g1 != 0 {
            prevD = 0
            for i in 1..<n {
                let d = mantissas[i] &- mantissas[i - 1]
                deltaCost += ColdZigZag.varintSize(d / Int64(g1))
                dodCost += ColdZigZag.varintSize((i == 1 ? d : d &- prevD) / Int64(g2))
                prevD = d
            }
        }
        let useDod = g1 != 0 && dodCost < deltaCost
        let g = useDod ? g2 : g1
        var head = ColdValueCodec.Mode.decimal.rawValue
        if useDod { head |= ColdValueCodec.dodFlag }
        if !exceptions.isEmpty { head |= ColdValueCodec.exceptionsFlag }
        out.u8(head)
        out.u8(UInt8(kMax))
        if !exceptions.isEmpty {
            out.uvarint(UInt64(exceptions.count))
            var prev = 0
            for (j, e) in exceptions.enumerated() {
                out.uvarint(UInt64(j == 0 ? Int(e) : Int(e) - prev))
                prev = Int(e)
                out.u64(values[Int(e)].bitPattern)
            }
        }
        out.uvarint(g)
        out.zvarint(mantissas[0])
        if g != 0 {
            let gi = Int64(g)
            prevD = 0
            for i in 1..<n {
                let d = mantissas[i] &- mantissas[i - 1]
                out.zvarint((useDod && i > 1 ? d &- prevD : d) / gi)
                prevD = d
            }
        }
        return true
    }

    func encodeXOR(_ values: UnsafeBufferPointer<Double>, into out: inout ColdByteWriter) {
        out.u8(ColdValueCodec.Mode.xor.rawValue)
        var prev = values[0].bitPattern
        out.u64(prev)
        for i in 1..<values.count {
            let bits = values[i].bitPattern
            let x = bits ^ prev
            prev = bits
            if x == 0 { out.u8(0); continue }
            let tz = x.trailingZeroBitCount / 8
            let lz = x.leadingZeroBitCount / 8
            let n = 8 - tz - lz
            out.u8(UInt8(tz << 4 | n))
            var y = x >> (8 * UInt64(tz))
            for _ in 0..<n { out.u8(UInt8(truncatingIfNeeded: y)); y >>= 8 }
        }
    }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var x = a, y = b
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
