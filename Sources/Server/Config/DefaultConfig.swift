import Foundation

/// The configuration `tidemark` runs with when no `--config.file` is given: it scrapes itself
/// and, when one answers on localhost:9100, node_exporter; and it loads `rules/` when present.
enum DefaultConfig {
    static func yaml(listenAddress: String, nodeExporter: Bool) -> String {
        let selfTarget = selfScrapeTarget(listenAddress)
        var s = """
        global:
          scrape_interval: 15s
          evaluation_interval: 15s
        rule_files:
          - rules/*.rules.yml
        scrape_configs:
          - job_name: tidemark
            # Its per-job self-metrics keep their `job` label (rules/tidemark.rules.yml groups by it).
            honor_labels: true
            static_configs:
              - targets: ['\(selfTarget)']

        """
        if nodeExporter {
            s += """
              - job_name: node
                static_configs:
                  - targets: ['localhost:9100']

            """
        }
        return s
    }

    /// Where the server reaches its own listener: a wildcard host (`:9090`, `0.0.0.0:9090`,
    /// `[::]:9090`) is reached on localhost.
    static func selfScrapeTarget(_ listenAddress: String) -> String {
        guard let (host, port) = try? ListenAddress.parse(listenAddress) else { return listenAddress }
        switch host {
        case "0.0.0.0", "::", "": return "localhost:\(port)"
        default: return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }

    /// True when something accepts TCP connections on 127.0.0.1:`port`.
    static func isListening(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = port.bigEndian
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return rc == 0
    }
}
