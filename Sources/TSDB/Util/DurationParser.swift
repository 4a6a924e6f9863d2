/// Parses Prometheus duration strings (`1y2w3d4h5m6s7ms`, units y w d h m s ms) to milliseconds.
public enum DurationParser {
    /// Milliseconds in `s`; throws with a message naming the input when it is not a duration.
    public static func milliseconds(_ s: String) throws(ParseError) -> Int64 {
        if s == "0" { return 0 }
        let units: [(String, Int64)] = [("ms", 1), ("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000),
                                        ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        var rest = Substring(s)
        var total: Int64 = 0
        guard !rest.isEmpty else { throw ParseError("empty duration") }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, let n = Int64(digits) else { throw ParseError("not a valid duration: \"\(s)\" (use e.g. 15d, 12h, 30m)") }
            rest = rest.dropFirst(digits.count)
            guard let (u, mult) = units.first(where: { rest.hasPrefix($0.0) }) else {
                throw ParseError("not a valid duration: \"\(s)\" (units: y, w, d, h, m, s, ms)")
            }
            rest = rest.dropFirst(u.count)
            let (p, o1) = n.multipliedReportingOverflow(by: mult)
            let (t, o2) = total.addingReportingOverflow(p)
            guard !o1, !o2 else { throw ParseError("duration too large: \"\(s)\"") }
            total = t
        }
        return total
    }
}

/// Parses byte sizes like Prometheus' --storage.tsdb.retention.size (`512MB`, `10GB`, `1TB`, plain bytes).
public enum ByteSizeParser {
    /// Bytes in `s` (units B, KB, MB, GB, TB, PB, EB as powers of 1024, like Prometheus).
    public static func bytes(_ s: String) throws(ParseError) -> Int64 {
        let units: [(String, Int64)] = [("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30), ("TB", 1 << 40), ("PB", 1 << 50), ("EB", 1 << 60), ("B", 1)]
        let upper = s.uppercased()
        for (u, mult) in units where upper.hasSuffix(u) {
            guard let n = Int64(upper.dropLast(u.count)), n >= 0 else { break }
            let (p, o) = n.multipliedReportingOverflow(by: mult)
            guard !o else { throw ParseError("size too large: \"\(s)\"") }
            return p
        }
        if let n = Int64(s), n >= 0 { return n }
        throw ParseError("not a valid size: \"\(s)\" (use e.g. 512MB, 10GB)")
    }
}

/// A parse failure with a message for the user.
public struct ParseError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}
