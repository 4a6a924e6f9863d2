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
        if let minVersion { c.minimumTLSVersion = minVersion }
        return c
    }

    /// Parses a `tls_config` mapping; file paths are relative to `base`. Unknown keys are warnings;
    /// unreadable files, unparsable PEM and a certificate without its key are errors naming the key.
    static func parse(_ m: YAMLMapReader, base: String, warnings: inout [String]) throws(ConfigError) -> TLSSettings {
        warnings += m.warnings(known: ["ca", "ca_file", "cert", "cert_file", "key", "key_file", "insecure_skip_verify", "min_version",
                                       "server_name", "max_version", "ca_ref", "cert_ref", "key_ref"],
                               unsupported: ["server_name", "max_version", "ca_ref", "cert_ref", "key_ref"])
        var t = TLSSettings()
        func pem(_ inline: String, _ file: String) throws(ConfigError) -> String? {
            if m.node(inline) != nil && m.node(file) != nil {
                throw m.error(inline, "at most one of \(inline) and \(file) must be configured")
            }
            if let s = try m.string(inline) { return s }
            return try PrometheusConfigLoader.readSecret(m, file, base)
        }
        t.ca = try pem("ca", "ca_file")
        t.cert = try pem("cert", "cert_file")
        t.key = try pem("key", "key_file")
        if (t.cert == nil) != (t.key == nil) {
            throw m.error(t.cert == nil ? "key_file" : "cert_file", "client cert and key must be configured together")
        }
        t.insecureSkipVerify = try m.bool("insecure_skip_verify") ?? false
        if let v = try m.string("min_version") {
            let versions: [String: TLSVersion] = ["TLS10": .tlsv1, "TLS11": .tlsv11, "TLS12": .tlsv12, "TLS13": .tlsv13]
            guard let version = versions[v] else { throw m.error("min_version", "unknown TLS version: \(v)") }
            t.minVersion = version
        }
        // Parse now, so a bad certificate stops the load instead of failing every scrape.
        do { _ = try t.configuration() } catch {
            throw m.error(t.ca != nil ? "ca_file" : "cert_file", "invalid certificate or key: \(error)")
        }
        return t
    }
}
