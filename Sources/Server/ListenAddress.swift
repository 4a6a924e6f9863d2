import ArgumentParser
import Foundation

/// Parses `host:port` / `:port` / `[v6]:port` as Prometheus' --web.listen-address does.
enum ListenAddress {
    static func parse(_ s: String) throws -> (host: String, port: Int) {
        guard let colon = s.lastIndex(of: ":") else {
            throw ValidationError("--web.listen-address must be host:port, got \"\(s)\"")
        }
        var host = String(s[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--web.listen-address has an invalid port in \"\(s)\"")
        }
        return (host, port)
    }
}

extension ListenAddress {
    /// `host:port` others reach the listener at, for the default `--web.external-url`: the
    /// machine's hostname with the listening port, as Prometheus derives it.
    static func externalHost(_ listen: String) -> String {
        let port = listen.lastIndex(of: ":").map { String(listen[listen.index(after: $0)...]) } ?? "9090"
        var name = [CChar](repeating: 0, count: 256)
        let host = gethostname(&name, name.count) == 0 ? String(cString: name) : "localhost"
        return "\(host.isEmpty ? "localhost" : host):\(port)"
    }
}
