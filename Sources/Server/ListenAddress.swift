import ArgumentParser

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
