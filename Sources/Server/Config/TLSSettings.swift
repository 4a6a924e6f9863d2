import NIOSSL
import RuleEval

/// A scrape config's `tls_config`: which server certificates to trust and which client
/// certificate to present, as Prometheus' `tls_config` (files, or inline PEM).
struct TLSSettings: Sendable, Equatable {
    /// PEM of the CA certificates to trust instead of the system's (file content or inline).
    var ca: String?
    /// PEM of the client certificate and its key, for servers that require one.
    var cert: String?
    var key: String?
    var insecureSkipVerify = false
    var minVersion: TLSVersion?

    /// The NIOSSL client configuration; throws when a certificate or key does not parse.
    func configuration() throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        if let ca { c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8))) }
        if let cert, let key {
            c.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(cert.utf8)).map { .certificate($0) }
            c.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem))
        }
        if insecureSkipVerify { c.certificateVerification = .none }
        // Prometheus' default minimum is TLS 1.2.
        c.minimumTLSVersion = minVersion ?? .tlsv12
        return c
    }

    /// Parses a `tls_config` mapping; file paths are relative to `base`. Unknown keys are warnings;
    /// unreadable files, unparsable PEM and a certificate without its key are errors naming the key.
    static func parse(_ m: YAMLMapReader, base: String, warnings: inout [String]) throws(ConfigError) -> TLSSettings {
        warnings += m.warnings(known: ["ca", "ca_file", "cert", "cert_file", "key", "key_file", "insecure_skip_verify", "min_version",
                                       "server_name", "max_version", "ca_ref", "cert_ref", "key_ref"],
                               unsupported: ["server_name", "max_version", "ca_ref", "cert_ref", "key_ref"])
        var t = TLSSettings()
        // Each PEM is read and parsed on its own, so an error names the key it came from.
        func pem(_ inline: String, _ file: String, isKey: Bool = false) throws(ConfigError) -> String? {
            if m.node(inline) != nil && m.node(file) != nil {
                throw m.error(inline, "at most one of \(inline) and \(file) must be configured")
            }
            let key = m.node(inline) != nil ? inline : file
            var found = try m.string(inline)
            if found == nil { found = try PrometheusConfigLoader.readSecret(m, file, base) }
            guard let text = found else { return nil }
            do {
                if isKey { _ = try NIOSSLPrivateKey(bytes: Array(text.utf8), format: .pem) }
                else if try NIOSSLCertificate.fromPEMBytes(Array(text.utf8)).isEmpty { throw m.error(key, "no certificate in it") }
            } catch let e as ConfigError {
                throw e
            } catch {
                throw m.error(key, "invalid PEM: \(error)")
            }
            return text
        }
        t.ca = try pem("ca", "ca_file")
        t.cert = try pem("cert", "cert_file")
        t.key = try pem("key", "key_file", isKey: true)
        if (t.cert == nil) != (t.key == nil) {
            throw m.error(t.cert == nil ? "key_file" : "cert_file", "client cert and key must be configured together")
        }
        t.insecureSkipVerify = try m.bool("insecure_skip_verify") ?? false
        if let v = try m.string("min_version") {
            let versions: [String: TLSVersion] = ["TLS10": .tlsv1, "TLS11": .tlsv11, "TLS12": .tlsv12, "TLS13": .tlsv13]
            guard let version = versions[v] else { throw m.error("min_version", "unknown TLS version: \(v)") }
            t.minVersion = version
        }
        // A certificate and key that do not belong together fail here, not at every scrape.
        do { _ = try NIOSSLContext(configuration: try t.configuration()) } catch {
            throw m.error(m.node("cert") != nil ? "cert" : "cert_file", "certificate and key do not match: \(error)")
        }
        return t
    }
}
