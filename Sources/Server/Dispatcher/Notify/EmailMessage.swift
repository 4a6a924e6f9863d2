import Foundation

/// An email notification as MIME text: templated headers, a text part, an HTML part when configured
/// (both as multipart/alternative), bodies base64-encoded so any UTF-8 passes any server.
struct EmailMessage {
    var envelopeFrom: String
    var recipients: [String]
    var text: String

    static func build(_ c: EmailConfig, data: NotificationData, now: Date = Date()) throws -> EmailMessage {
        let from = try data.render(c.from)
        let to = try data.render(c.to)
        var headers: [(String, String)] = [("From", from), ("To", to)]
        for (k, t) in c.headers where !["from", "to"].contains(k.lowercased()) {
            headers.append((k, try data.render(t)))
        }
        let held = HeldBackSummary.text(data.heldBack)
        var plain = try c.text.map(data.render)
        var html = try c.html.map(data.render)
        if let held {
            plain = (plain ?? "") + "\n\n" + held
            if html != nil {
                let escaped = held.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                html = (html ?? "") + "<pre>" + escaped + "</pre>"
            }
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        var out = ""
        for (k, v) in headers { out += "\(k): \(encodeHeader(v))\r\n" }
        out += "Date: \(f.string(from: now))\r\n"
        let domain = address(from).split(separator: "@").last.map(String.init) ?? "localhost"
        out += "Message-Id: <\(UUID().uuidString.lowercased())@\(domain)>\r\n"
        out += "MIME-Version: 1.0\r\n"
        func part(_ type: String, _ body: String) -> String {
            "Content-Type: \(type); charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64Lines(body)
        }
        switch (plain, html) {
        case let (p?, h?):
            let boundary = "tidemark-" + UUID().uuidString.lowercased()
            out += "Content-Type: multipart/alternative; boundary=\"\(boundary)\"\r\n\r\n"
            out += "--\(boundary)\r\n" + part("text/plain", p) + "--\(boundary)\r\n" + part("text/html", h) + "--\(boundary)--\r\n"
        case let (nil, h?): out += part("text/html", h)
        default: out += part("text/plain", plain ?? "")
        }
        let recipients = to.split(separator: ",").map { address(String($0)) }.filter { !$0.isEmpty }
        guard !recipients.isEmpty else { throw SMTPClient.Failure(description: "no recipient in \"\(to)\"") }
        return EmailMessage(envelopeFrom: address(from), recipients: recipients, text: out)
    }

    /// The address inside `Name <addr>`, or the trimmed text.
    static func address(_ s: String) -> String {
        if let a = s.firstIndex(of: "<"), let b = s.lastIndex(of: ">"), a < b { return String(s[s.index(after: a)..<b]) }
        return s.trimmingCharacters(in: .whitespaces)
    }

    /// RFC 2047 encoded-word for non-ASCII header values; line breaks are removed (header injection).
    static func encodeHeader(_ v: String) -> String {
        let flat = v.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
        if flat.utf8.allSatisfy({ $0 < 0x80 }) { return flat }
        return "=?UTF-8?B?" + Data(flat.utf8).base64EncodedString() + "?="
    }

    static func base64Lines(_ s: String) -> String {
        let b = Data(s.utf8).base64EncodedString()
        var out = ""
        var i = b.startIndex
        while i < b.endIndex {
            let j = b.index(i, offsetBy: 76, limitedBy: b.endIndex) ?? b.endIndex
            out += b[i..<j] + "\r\n"
            i = j
        }
        return out
    }
}
