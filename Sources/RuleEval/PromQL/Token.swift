/// A lexical token of PromQL with its byte offset in the query.
struct Token {
    enum Kind: Equatable {
        case number(Double)
        /// A duration literal, in milliseconds (`5m`, `1h30m`).
        case duration(Int64)
        /// A string literal: its index in the lexer's string table (keeps tokens trivially copyable).
        case string(Int)
        /// A name: metric names (may contain `:`), label names, function names, keywords. Its
        /// text is the query's bytes `offset..<end` (not copied until the parser needs it).
        case identifier
        case op(Operator)
        case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket
        case comma, colon, at
        case eof
    }

    /// Operator tokens (binary operators and label-matching operators).
    enum Operator: String, Equatable {
        case add = "+", sub = "-", mul = "*", div = "/", mod = "%", pow = "^"
        case eql = "==", neq = "!=", gtr = ">", lss = "<", gte = ">=", lte = "<="
        case assign = "=", regexMatch = "=~", regexNoMatch = "!~"
    }

    /// Words that are keywords in some position, recognised case-insensitively by the lexer so
    /// the parser never compares strings.
    enum Keyword: String, CaseIterable {
        case and, or, unless, atan2, by, without, on, ignoring, bool, offset, start, end, inf, nan
        case groupLeft = "group_left", groupRight = "group_right"
    }

    var kind: Kind
    /// Byte offset of the first character.
    var offset: Int
    /// Byte offset after the last character (identifiers only).
    var end: Int = 0
    /// For identifiers: the keyword they spell, if any.
    var keyword: Keyword? = nil
    /// For identifiers: whether they contain a colon (allowed in metric names only).
    var hasColon = false
}
