/// A query that does not parse or type-check: where, and what is wrong.
public struct PromQLParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line and column (in characters) of the problem.
    public let line: Int
    public let column: Int
    public let message: String

    init(_ query: String, _ byteOffset: Int, _ message: String) {
        var line = 1, column = 1
        var seen = 0
        for ch in query.unicodeScalars {
            if seen >= byteOffset { break }
            seen += String(ch).utf8.count
            if ch == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        self.line = line
        self.column = column
        self.message = message
    }

    /// Prometheus' form, `line:column: parse error: message`.
    public var description: String { "\(line):\(column): parse error: \(message)" }
}
