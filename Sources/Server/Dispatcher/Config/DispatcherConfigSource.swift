import Logging
import RuleEval

/// Where the dispatcher's configuration comes from: `--dispatcher.config.file`, or the embedded
/// default (one receiver without integrations: alerts are grouped and visible in the API).
struct DispatcherConfigSource: Sendable {
    var file: String?

    static let defaultYAML = """
    # Tidemark's built-in dispatcher: the default configuration (no --dispatcher.config.file).
    # Alerts are grouped by alertname and visible at /api/v2/alerts and /api/v2/alerts/groups;
    # add receivers (webhook_configs, slack_configs, email_configs) in a file of your own.
    route:
      receiver: default
      group_by: [alertname]
    receivers:
      - name: default

    """

    func load() throws(ConfigError) -> (DispatcherConfig, [String]) {
        if let file { return try DispatcherConfigLoader.load(file: file) }
        return try DispatcherConfigLoader.parse(Self.defaultYAML)
    }
}
