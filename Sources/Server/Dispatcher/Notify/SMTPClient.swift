import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// A small SMTP client (RFC 5321): EHLO, STARTTLS (or TLS from the start on port 465), AUTH PLAIN
/// or LOGIN, one message to several recipients. Enough for `email_configs`; every reply is checked
/// and a refusal is reported with the server's words.
struct SMTPClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var host: String
    var port: Int
    var hello: String
    var requireTLS: Bool
    var insecureSkipVerify: Bool
    var username: String?
    var password: String?
    var identity: String?

    /// Sends `message` (headers and body, CRLF line ends) from `from` to `recipients`.
    func send(from: String, to recipients: [String], message: String, timeout: Duration) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.session(from: from, to: recipients, message: message) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw Failure(description: "SMTP session with \(host):\(port) timed out after \(timeout)")
            }
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    private func session(from: String, to recipients: [String], message: String) async throws {
        let implicitTLS = port == 465
        let tlsContext = try tlsContext()
        let serverName = tlsServerName
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if implicitTLS {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplyReader(inbound.makeAsyncIterator())
            func command(_ line: String, expect codes: Set<Int>, redacted: String? = nil) async throws -> SMTPReplyReader.Reply {
                try await outbound.write(ByteBuffer(string: line + "\r\n"))
                let r = try await replies.next()
                guard codes.contains(r.code) else {
                    throw Failure(description: "\(redacted ?? line) refused by \(host):\(port): \(r.code) \(r.text)")
                }
                return r
            }
            let greeting = try await replies.next()
            guard greeting.code == 220 else { throw Failure(description: "\(host):\(port) greeted with \(greeting.code) \(greeting.text)") }
            var ehlo = try await command("EHLO \(hello)", expect: [250])
            var secure = implicitTLS
            // As Alertmanager: STARTTLS when TLS is required (and then it must be offered).
            if !secure && requireTLS {
                guard ehlo.extensions.contains("STARTTLS") else {
                    throw Failure(description: "'require_tls' is true (default) but \"\(host):\(port)\" does not advertise the STARTTLS extension")
                }
                _ = try await command("STARTTLS", expect: [220])
                // Anything the server sent after its 220 was not protected: refuse it (STARTTLS injection).
                guard !replies.hasBuffered else { throw Failure(description: "\(host):\(port) sent data before the TLS handshake") }
                let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverName)
                try await channel.channel.pipeline.addHandler(handler, position: .first).get()
                secure = true
                ehlo = try await command("EHLO \(hello)", expect: [250])
            }
            // Credentials only over TLS or to this machine; a server without AUTH is used without it.
            if let username, !username.isEmpty, !ehlo.authMechanisms.isEmpty {
                guard secure || ["localhost", "127.0.0.1", "::1"].contains(host) else {
                    throw Failure(description: "refusing to send SMTP credentials to \(host):\(port) without TLS (set require_tls: true)")
                }
                let mechanisms = ehlo.authMechanisms
                let pass = password ?? ""
                if mechanisms.contains("PLAIN") {
                    let token = Data("\(identity ?? "")\0\(username)\0\(pass)".utf8).base64EncodedString()
                    _ = try await command("AUTH PLAIN \(token)", expect: [235], redacted: "AUTH PLAIN")
                } else if mechanisms.contains("LOGIN") {
                    _ = try await command("AUTH LOGIN", expect: [334])
                    _ = try await command(Data(username.utf8).base64EncodedString(), expect: [334], redacted: "AUTH LOGIN username")
                    _ = try await command(Data(pass.utf8).base64EncodedString(), expect: [235], redacted: "AUTH LOGIN password")
                } else {
                    throw Failure(description: "\(host):\(port) offers no supported AUTH mechanism (PLAIN, LOGIN) for auth_username")
                }
            }
            _ = try await command("MAIL FROM:<\(from)>", expect: [250])
            for r in recipients { _ = try await command("RCPT TO:<\(r)>", expect: [250, 251]) }
            _ = try await command("DATA", expect: [354])
            // Dot-stuffing: a line starting with "." gets another one.
            var body = message.replacingOccurrences(of: "\r\n.", with: "\r\n..")
            if body.hasPrefix(".") { body = "." + body }
            if !body.hasSuffix("\r\n") { body += "\r\n" }
            _ = try await command(body + ".", expect: [250], redacted: "message data")
            try? await outbound.write(ByteBuffer(string: "QUIT\r\n"))
        }
    }

    private func tlsContext() throws -> NIOSSLContext {
        var c = TLSConfiguration.makeClientConfiguration()
        if insecureSkipVerify { c.certificateVerification = .none }
        return try NIOSSLContext(configuration: c)
    }

    /// SNI and verification name; none for an IP address.
    private var tlsServerName: String? {
        host.allSatisfy({ $0.isNumber || $0 == "." || $0 == ":" }) ? nil : host
    }
}

/// Reads SMTP replies (possibly multi-line, `250-…` then `250 …`) from the channel.
struct SMTPReplyReader {
    struct Reply {
        var code: Int
        var lines: [String]
        var text: String { lines.joined(separator: " ") }
        /// EHLO keywords, upper-cased (`STARTTLS`, `AUTH`, …).
        var extensions: Set<String> { Set(lines.dropFirst().compactMap { $0.split(separator: " ").first.map { $0.uppercased() } }) }
        /// Mechanisms after `AUTH` in an EHLO reply.
        var authMechanisms: Set<String> {
            for l in lines.dropFirst() {
                let words = l.split(separator: " ").map { $0.uppercased() }
                if words.first == "AUTH" || words.first?.hasPrefix("AUTH=") == true {
                    return Set(words.dropFirst())
                }
            }
            return []
        }
    }

    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var pending: [UInt8] = []

    /// Whether bytes beyond the last reply were received.
    var hasBuffered: Bool { !pending.isEmpty }

    init(_ iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator) { self.iterator = iterator }

    mutating func next() async throws -> Reply {
        var code = 0
        var lines: [String] = []
        while true {
            let line = try await nextLine()
            guard line.count >= 3, let c = Int(line.prefix(3)) else { throw SMTPClient.Failure(description: "malformed SMTP reply: \(line)") }
            code = c
            let rest = line.dropFirst(3)
            lines.append(String(rest.dropFirst()))
            if rest.first != "-" { return Reply(code: code, lines: lines) }
        }
    }

    private mutating func nextLine() async throws -> String {
        while true {
            if let i = pending.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(pending[..<i])
                pending.removeFirst(i + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard pending.count < 65536 else { throw SMTPClient.Failure(description: "SMTP reply line too long") }
            guard var buf = try await iterator.next() else { throw SMTPClient.Failure(description: "SMTP server closed the connection") }
            pending += buf.readBytes(length: buf.readableBytes) ?? []
        }
    }
}
