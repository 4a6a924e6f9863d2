/// A lexical token of PromQL with its byte offset in the query.
struct Token: Equatable {
    enum Kind: Equatable {
        case number(Double)
        /// A duration literal, in milliseconds (`5m`, `1h30m`).
        case duration(Int64)
        case string(String)
        /// A name: metric names (may contain `:`), label names, function names, keywords.
        case identifier(String)
        case op(String)
        case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
        case comma, colon, at
        case eof
    }

    var kind: Kind
    /// Byte offset of the first character.
    var offset: Int
}
