import RuleEval
import TSDB

/// The built-in dispatcher's configuration: Alertmanager's `alertmanager.yml` (the subset real
/// files use) plus Tidemark's escalation policies, on-call rotations and per-receiver rate limits.
struct DispatcherConfig: Sendable {
    /// The file's text, for `/api/v2/status`.
    var original: String
    /// How long an alert posted without `endsAt` stays firing without being re-posted.
    var resolveTimeoutMs: Int64 = 300_000
    var route: DispatchRoute
    var inhibitRules: [InhibitRule] = []
    var timeIntervals: [String: [TimeIntervalSpec]] = [:]
    /// Receivers by name, in file order.
    var receivers: [ReceiverConfig] = []
    var escalationPolicies: [String: EscalationPolicy] = [:]

    func receiver(_ name: String) -> ReceiverConfig? { receivers.first { $0.name == name } }
}

/// One node of the routing tree, with the values it inherits from its parents already filled in.
struct DispatchRoute: Sendable {
    var receiver: String
    /// Label names to group by; nil with `groupByAll` means `'...'` (every label).
    var groupBy: [String] = []
    var groupByAll = false
    var groupWaitMs: Int64 = 30_000
    var groupIntervalMs: Int64 = 300_000
    var repeatIntervalMs: Int64 = 14_400_000
    var matchers: [Matcher] = []
    var continueMatching = false
    var muteTimeIntervals: [String] = []
    var activeTimeIntervals: [String] = []
    var escalationPolicy: String?
    var routes: [DispatchRoute] = []
    /// Alertmanager's route key: the parent's key, `/`, then this route's matchers.
    var key = "{}"
    /// Unique among routes: the key plus the position among siblings.
    var id = "{}"
}

/// An inhibition rule: a firing source alert mutes matching target alerts with equal `equal` labels.
struct InhibitRule: Sendable {
    var sourceMatchers: [Matcher]
    var targetMatchers: [Matcher]
    var equal: [String]
}

/// A named receiver: integrations, or a rotation that hands over to other receivers.
struct ReceiverConfig: Sendable {
    var name: String
    var webhooks: [WebhookConfig] = []
    var slacks: [SlackConfig] = []
    var emails: [EmailConfig] = []
    var rotation: RotationConfig?
    var rateLimit: RateLimit?

    var integrationCount: Int { webhooks.count + slacks.count + emails.count }

    /// Every integration, in file order by kind.
    var integrations: [IntegrationRef] {
        webhooks.indices.map { IntegrationRef(kind: .webhook, index: $0) } + slacks.indices.map { IntegrationRef(kind: .slack, index: $0) }
            + emails.indices.map { IntegrationRef(kind: .email, index: $0) }
    }

    /// Whether the integration wants resolved alerts.
    func sendResolved(_ ref: IntegrationRef) -> Bool {
        switch ref.kind {
        case .webhook: return webhooks[ref.index].sendResolved
        case .slack: return slacks[ref.index].sendResolved
        case .email: return emails[ref.index].sendResolved
        }
    }
}

/// One integration of a receiver, e.g. its second `webhook_configs` entry. The notification log
/// is kept per integration, as Alertmanager's is: one failing or not wanting resolved alerts does
/// not make the others send again.
struct IntegrationRef: Hashable, Sendable {
    enum Kind: String, Sendable { case webhook, slack, email }
    var kind: Kind
    var index: Int
    var name: String { "\(kind.rawValue)[\(index)]" }
}

/// `webhook_configs`: Alertmanager's webhook JSON (version 4) POSTed to `url`.
struct WebhookConfig: Sendable {
    var url: String
    var sendResolved = true
    var maxAlerts = 0
    var auth: ScrapeAuth?
    var timeoutMs: Int64 = 10_000
}

/// `slack_configs`: a Slack incoming-webhook message with one attachment.
struct SlackConfig: Sendable {
    var apiURL: String
    var sendResolved = false
    var channel: Template?
    var username: Template?
    var iconEmoji: Template?
    var iconURL: Template?
    var title: Template
    var titleLink: Template
    var pretext: Template?
    var text: Template
    var fallback: Template
    var color: Template
    var auth: ScrapeAuth?
}

/// `email_configs`: a message sent over SMTP.
struct EmailConfig: Sendable {
    var to: Template
    var from: Template
    var smarthost: String
    var hello: String
    var authUsername: String?
    var authPassword: String?
    var authIdentity: String?
    var requireTLS = true
    var insecureSkipVerify = false
    var headers: [(String, Template)] = []
    var html: Template?
    var text: Template?
    var sendResolved = false
}

/// A receiver handed over between members on a schedule (e.g. weekly, Monday 09:00 in a time zone).
struct RotationConfig: Sendable {
    var members: [String]
    /// The first hand-over, as Unix ms.
    var startMs: Int64
    /// Shift length; whole days are counted in calendar days of `timeZone`, so hand-overs stay at
    /// the same wall-clock time across daylight-saving changes.
    var everyMs: Int64
    var timeZone: String

    /// Which member is on call at `now`.
    func member(at now: Int64) -> String {
        guard !members.isEmpty else { return "" }
        let shift = RotationSchedule.shiftIndex(startMs: startMs, everyMs: everyMs, timeZone: timeZone, at: now)
        let n = Int64(members.count)
        return members[Int(((shift % n) + n) % n)]
    }
}

/// At most `max` notifications per `intervalMs` for a receiver; more are held and summarised.
struct RateLimit: Sendable, Equatable {
    var max: Int
    var intervalMs: Int64
}

/// Ordered escalation steps: each step's receiver is notified when the previous step's delay
/// passed without an acknowledgement.
struct EscalationPolicy: Sendable {
    struct Step: Sendable {
        var receiver: String
        /// How long this step waits for an acknowledgement before the next step is notified.
        var delayMs: Int64
    }
    var name: String
    var steps: [Step]
    /// After the last step's delay, start again at the first step (otherwise stop there).
    var repeats = false
}
