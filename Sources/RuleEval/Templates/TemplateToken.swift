/// One lexical item of a Go template (text/template's `item`).
struct TemplateToken: Sendable {
    enum Kind: Sendable, Equatable {
        case text, leftDelim, rightDelim, space, identifier, field, variable, dot
        case string, rawString, char, number, bool, nilValue, pipe, leftParen, rightParen
        case declare, assign, otherChar, comment, eof, error
        case keyword(Keyword)
    }

    /// Action keywords (`{{if}}`, `{{range}}`, …).
    enum Keyword: String, Sendable {
        case block, `break`, `continue`, define, `else`, end, `if`, range, template, with
    }

    var kind: Kind
    /// The source text of the item (the message for `.error`).
    var value: String
    /// Byte offset in the template text.
    var pos: Int

    /// Go's `item.String()`, as used in "unexpected … in …" messages.
    var goDescription: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return value
        case .keyword: return "<\(value)>"
        default:
            if value.unicodeScalars.count > 10 {
                var u = String.UnicodeScalarView()
                u.append(contentsOf: value.unicodeScalars.prefix(10))
                return GoQuote.quote(String(u)) + "..."
            }
            return GoQuote.quote(value)
        }
    }
}
