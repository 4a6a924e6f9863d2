import ArgumentParser
import Foundation
import RuleEval
import TSDB

/// PromQL parse throughput on expressions typical of alerting and recording rules.
struct PromQLParseBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promql-parse",
        abstract: "PromQL parse throughput on typical rule expressions (one core)."
    )

    @Option(help: "Seconds to measure.") var seconds = 3.0

    /// Shapes seen in the node_exporter, kubernetes and Prometheus self-monitoring rule sets.
    static let expressions = [
        #"up == 0"#,
        #"sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m])) > 0.05"#,
        #"histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))"#,
        #"100 - (avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) * 100) > 90"#,
        #"(node_filesystem_avail_bytes{fstype!~"tmpfs|overlay"} / node_filesystem_size_bytes) * 100 < 10 and node_filesystem_readonly == 0"#,
        #"predict_linear(node_filesystem_avail_bytes{fstype!="tmpfs"}[6h], 4 * 3600) < 0"#,
        #"increase(kube_pod_container_status_restarts_total[1h]) > 5"#,
        #"sum without (instance, pod) (rate(container_cpu_usage_seconds_total{container!="", image!=""}[5m]))"#,
        #"max_over_time(probe_success{job="blackbox"}[10m]) == 0 unless on (instance) maintenance_mode == 1"#,
        #"label_replace(rate(node_network_receive_bytes_total[5m]), "nic", "$1", "device", "(eth.*)")"#,
        #"avg_over_time(node_load1[15m]) / count without (cpu, mode) (node_cpu_seconds_total{mode="idle"}) > 2"#,
        #"rate(prometheus_tsdb_head_samples_appended_total[5m]) <= 0"#,
        #"absent(up{job="alertmanager"} == 1)"#,
        #"topk(10, sum by (namespace) (kube_pod_container_resource_requests{resource="memory"}))"#,
        #"time() - process_start_time_seconds < 300"#,
        #"sum(rate(grpc_server_handled_total{grpc_code!="OK"}[5m])) by (grpc_service) / ignoring (grpc_code) group_left sum(rate(grpc_server_handled_total[5m])) by (grpc_service)"#,
    ]

    func run() throws {
        var n = 0
        var binaries = 0
        let start = Date()
        let cpu0 = ProcessStats.cpuSeconds()
        while Date().timeIntervalSince(start) < seconds {
            for q in Self.expressions {
                let e = try PromQLParser.parse(q)
                if case .binary = e { binaries += 1 }
                n += 1
            }
        }
        let cpu = ProcessStats.cpuSeconds() - cpu0
        print(String(format: "parsed %d expressions (%d distinct, %.0f bytes average) in %.2f CPU-s = %.0f k expressions per CPU-second (bar: 200 k)",
                     n, Self.expressions.count, Double(Self.expressions.reduce(0) { $0 + $1.utf8.count }) / Double(Self.expressions.count),
                     cpu, Double(n) / cpu / 1000))
        precondition(binaries > 0)
    }
}
