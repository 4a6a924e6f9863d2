import Foundation
import RuleEval
import TSDB
import Yams

/// Reads `alertmanager.yml` (with Tidemark's extensions) into a `DispatcherConfig`. Unknown keys are
/// errors, as in Alertmanager; keys of integrations Tidemark does not have are warnings.
enum DispatcherConfigLoader {
    /// Keys of Alertmanager's format that Tidemark accepts and ignores (with a warning).
    static let unsupportedReceiverKeys: Set<String> = [
        "pagerduty_configs", "opsgenie_configs", "wechat_configs", "pushover_configs", "victorops_configs",
        "sns_configs", "telegram_configs", "discord_configs", "webex_configs", "msteams_configs",
        // Newer Alertmanager releases' integrations: real files that use them still load.
        "msteamsv2_configs", "jira_configs", "rocketchat_configs", "incidentio_configs", "mattermost_configs",
    ]
    static let unsupportedGlobalKeys: Set<String> = [
        "pagerduty_url", "opsgenie_api_url", "opsgenie_api_key", "opsgenie_api_key_file", "wechat_api_url",
        "wechat_api_secret", "wechat_api_corp_id", "victorops_api_url", "victorops_api_key", "victorops_api_key_file",
        "telegram_api_url", "webex_api_url", "smtp_auth_secret",
        "jira_api_url", "rocketchat_api_url", "rocketchat_token", "rocketchat_token_id", "rocketchat_token_file",
        "rocketchat_token_id_file",
    ]

    /// Globals that receivers inherit.
    struct Globals {
        var smtpFrom: String?
        var smtpHello = "localhost"
        var smtpSmarthost: String?
        var smtpAuthUsername: String?
        var smtpAuthPassword: String?
        var smtpAuthIdentity: String?
        var smtpRequireTLS = true
        var slackAPIURL: String?
        var auth: ScrapeAuth?
    }

    /// Loads the file at `path`; returns the config and warnings.
    static func load(file path: String) throws(ConfigError) -> (DispatcherConfig, [String]) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(path: "", line: nil, message: "cannot read \(path): \(error.localizedDescription)", file: path)
        }
        let base = (path as NSString).deletingLastPathComponent
        do { return try parse(text, baseDirectory: base) } catch {
            var e = error
            e.file = path
            throw e
        }
    }

    /// Parses a config's text; relative template paths resolve against `baseDirectory`.
    static func parse(_ text: String, baseDirectory: String = ".") throws(ConfigError) -> (DispatcherConfig, [String]) {
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch {
            throw ConfigError(path: "", line: nil, message: "invalid YAML: \(error)")
        }
        let root = try YAMLMapReader(node.map { YAMLMergeKeys.resolve($0) }, path: "")
        var warnings: [String] = []
        try rejectUnknown(root, known: ["global", "route", "inhibit_rules", "receivers", "templates", "time_intervals",
                                        "mute_time_intervals", "escalation_policies"])
        var globals = Globals()
        var resolveTimeout: Int64 = 300_000
        if let g = try root.map("global") {
            for k in g.keys where unsupportedGlobalKeys.contains(k) {
                warnings.append("global.\(k): not supported by Tidemark, ignored")
            }
            try rejectUnknown(g, known: Set(["resolve_timeout", "smtp_from", "smtp_hello", "smtp_smarthost", "smtp_auth_username",
                                         "smtp_auth_password", "smtp_auth_password_file", "smtp_auth_identity", "smtp_require_tls",
                                         "slack_api_url", "slack_api_url_file", "http_config"]).union(unsupportedGlobalKeys))
            if let r = try duration(g, "resolve_timeout") {
                guard r > 0 else { throw g.error("resolve_timeout", "must be positive") }
                resolveTimeout = r
            }
            globals.smtpFrom = try g.string("smtp_from")
            globals.smtpHello = try g.string("smtp_hello") ?? "localhost"
            globals.smtpSmarthost = try g.string("smtp_smarthost")
            globals.smtpAuthUsername = try g.string("smtp_auth_username")
            globals.smtpAuthPassword = try stringOrFile(g, "smtp_auth_password", baseDirectory)
            globals.smtpAuthIdentity = try g.string("smtp_auth_identity")
            globals.smtpRequireTLS = try g.bool("smtp_require_tls") ?? true
            globals.slackAPIURL = try stringOrFile(g, "slack_api_url", baseDirectory)
            if let h = try g.map("http_config") { globals.auth = try httpAuth(h, baseDirectory, warnings: &warnings) }
        }

        // Templates: the defaults, then the users' files (whose definitions win).
        var library: Template
        do {
            library = try Template(DefaultNotificationTemplates.text, name: "default.tmpl", functions: .alertmanager)
        } catch {
            throw ConfigError(path: "templates", line: nil, message: "built-in templates: \(error)")
        }
        for (i, pattern) in (try root.stringList("templates") ?? []).enumerated() {
            for file in FileGlob.paths(matching: PrometheusConfigLoader.resolve(pattern, baseDirectory)) {
                do {
                    let t = try Template(String(contentsOfFile: file, encoding: .utf8), name: (file as NSString).lastPathComponent,
                                         functions: .alertmanager)
                    library = t.including(library)
                } catch {
                    throw ConfigError(path: "templates[\(i)]", line: nil, message: "\(file): \(error)")
                }
            }
        }
        var timeIntervals: [String: [TimeIntervalSpec]] = [:]
        for key in ["time_intervals", "mute_time_intervals"] {
            for ti in try root.mapList(key) {
                try rejectUnknown(ti, known: ["name", "time_intervals"])
                guard let name = try ti.string("name"), !name.isEmpty else { throw ti.error("name", "missing name in time interval") }
                guard timeIntervals[name] == nil else { throw ti.error("name", "time interval \"\(name)\" is not unique") }
                timeIntervals[name] = try ti.mapList("time_intervals").map { m throws(ConfigError) in try TimeIntervalSpec.parse(m) }
            }
        }

        var receivers: [ReceiverConfig] = []
        for r in try root.mapList("receivers") {
            let rec = try receiver(r, globals: globals, library: library, baseDirectory: baseDirectory, warnings: &warnings)
            guard !receivers.contains(where: { $0.name == rec.name }) else { throw r.error("name", "notification config name \"\(rec.name)\" is not unique") }
            receivers.append(rec)
        }
        let names = Set(receivers.map(\.name))
        for r in receivers {
            guard let rot = r.rotation else { continue }
            for m in rot.members {
                guard let target = receivers.first(where: { $0.name == m }) else {
                    throw ConfigError(path: "receivers.\(r.name).rotation.members", line: nil, message: "undefined receiver \"\(m)\"")
                }
                guard target.rotation == nil else {
                    throw ConfigError(path: "receivers.\(r.name).rotation.members", line: nil, message: "\"\(m)\" is itself a rotation")
                }
            }
        }

        var policies: [String: EscalationPolicy] = [:]
        for p in try root.mapList("escalation_policies") {
            try rejectUnknown(p, known: ["name", "steps", "repeat"])
            guard let name = try p.string("name"), !name.isEmpty else { throw p.error("name", "missing name") }
            guard policies[name] == nil else { throw p.error("name", "escalation policy \"\(name)\" is not unique") }
            var steps: [EscalationPolicy.Step] = []
            for s in try p.mapList("steps") {
                try rejectUnknown(s, known: ["receiver", "delay"])
                guard let rn = try s.string("receiver") else { throw s.error("receiver", "missing receiver") }
                guard names.contains(rn) else { throw s.error("receiver", "undefined receiver \"\(rn)\"") }
                steps.append(.init(receiver: rn, delayMs: try duration(s, "delay") ?? 0))
            }
            guard !steps.isEmpty else { throw p.error("steps", "an escalation policy needs at least one step") }
            let repeats = try p.bool("repeat") ?? false
            for (i, s) in steps.enumerated() where s.delayMs <= 0 && (i < steps.count - 1 || repeats) {
                throw ConfigError(path: "\(p.path).steps[\(i)].delay", line: nil,
                                  message: "must be positive: it is how long the step waits for an acknowledgement before the next one")
            }
            for st in steps {
                if let rc = receivers.first(where: { $0.name == st.receiver }), rc.integrationCount == 0, rc.rotation == nil {
                    warnings.append("escalation_policies.\(name): step receiver \"\(st.receiver)\" has no integrations: that step notifies nobody")
                }
            }
            policies[name] = EscalationPolicy(name: name, steps: steps, repeats: repeats)
        }

        guard let routeMap = try root.map("route") else { throw ConfigError(path: "route", line: nil, message: "no route provided in config") }
        let top = try route(routeMap, parent: nil, index: 0, names: names, timeIntervals: timeIntervals, policies: policies, warnings: &warnings)
        guard !top.receiver.isEmpty else { throw routeMap.error("receiver", "root route must specify a default receiver") }
        guard top.matchers.isEmpty, !top.continueMatching else {
            throw ConfigError(path: "route", line: nil, message: "root route must not have any matchers or continue")
        }
        guard top.muteTimeIntervals.isEmpty, top.activeTimeIntervals.isEmpty else {
            throw ConfigError(path: "route", line: nil, message: "root route must not have any mute or active time intervals")
        }

        var inhibit: [InhibitRule] = []
        for r in try root.mapList("inhibit_rules") {
            try rejectUnknown(r, known: ["source_matchers", "target_matchers", "source_match", "source_match_re",
                                         "target_match", "target_match_re", "equal"])
            let source = try matchers(r, "source_matchers", "source_match", "source_match_re")
            let target = try matchers(r, "target_matchers", "target_match", "target_match_re")
            inhibit.append(InhibitRule(sourceMatchers: source, targetMatchers: target, equal: try r.stringList("equal") ?? []))
        }
        var config = DispatcherConfig(original: text, route: top)
        config.resolveTimeoutMs = resolveTimeout
        config.inhibitRules = inhibit
        config.timeIntervals = timeIntervals
        config.receivers = receivers
        config.escalationPolicies = policies
        return (config, warnings)
    }

    /// Longest duration accepted anywhere (ten years): far beyond any sensible setting, and far
    /// from the Int64 milliseconds where time arithmetic would overflow.
    static let maxDurationMs: Int64 = 10 * 365 * 86_400_000

    /// A duration under `key`, at most ten years.
    static func duration(_ m: YAMLMapReader, _ key: String) throws(ConfigError) -> Int64? {
        guard let v = try m.duration(key) else { return nil }
        guard v <= maxDurationMs else { throw m.error(key, "duration too long (at most 10 years)") }
        return v
    }

    /// `key`, or the contents of the file `key_file` names.
    static func stringOrFile(_ m: YAMLMapReader, _ key: String, _ base: String) throws(ConfigError) -> String? {
        if let v = try m.string(key) { return v }
        return try PrometheusConfigLoader.readSecret(m, key + "_file", base)
    }

    /// A warning for each of `keys` that `m` sets.
    static func warnUnsupported(_ m: YAMLMapReader, _ keys: [String], _ warnings: inout [String],
                                why: String = "not supported by Tidemark, ignored") {
        for k in keys where m.keys.contains(k) { warnings.append("\(YAMLMapReader.join(m.path, k)): \(why)") }
    }

    /// Fails on keys outside `known`, naming the first.
    static func rejectUnknown(_ m: YAMLMapReader, known: Set<String>) throws(ConfigError) {
        for k in m.keys where !known.contains(k) {
            throw m.error(k, "field \(k) not found in type \(m.path.isEmpty ? "config" : m.path) (unknown key)")
        }
    }

    static func httpAuth(_ h: YAMLMapReader, _ base: String, warnings: inout [String]) throws(ConfigError) -> ScrapeAuth? {
        try rejectUnknown(h, known: ["basic_auth", "authorization", "bearer_token", "bearer_token_file", "tls_config",
                                     "proxy_url", "follow_redirects", "enable_http2", "oauth2"])
        // Accepted so real files load, but said out loud: a private CA or a proxy would otherwise
        // only show up as failed deliveries.
        warnUnsupported(h, ["tls_config", "proxy_url", "oauth2"], &warnings,
                        why: "not supported by Tidemark (deliveries use the system's trust store, no proxy, no OAuth 2), ignored")
        return try PrometheusConfigLoader.auth(h, baseDirectory: base, warnings: &warnings)
    }

    static func matchers(_ m: YAMLMapReader, _ key: String, _ matchKey: String, _ matchReKey: String) throws(ConfigError) -> [Matcher] {
        var out: [Matcher] = []
        for (i, s) in (try m.stringList(key) ?? []).enumerated() {
            do { out += try AlertMatchers.parse(s) } catch {
                throw ConfigError(path: "\(YAMLMapReader.join(m.path, key))[\(i)]", line: m.node(key)?.mark?.line, message: error.description)
            }
        }
        for (n, v) in try m.stringMap(matchKey) ?? [] { out.append(.eq(n, v)) }
        for (n, v) in try m.stringMap(matchReKey) ?? [] {
            do { out.append(try Matcher(.regex, n, v)) } catch { throw m.error(matchReKey, "\(n): \(error)") }
        }
        return out
    }

    static func route(_ m: YAMLMapReader, parent: DispatchRoute?, index: Int, names: Set<String>, timeIntervals: [String: [TimeIntervalSpec]],
                      policies: [String: EscalationPolicy], warnings: inout [String]) throws(ConfigError) -> DispatchRoute {
        try rejectUnknown(m, known: ["receiver", "group_by", "group_wait", "group_interval", "repeat_interval", "matchers",
                                     "match", "match_re", "continue", "mute_time_intervals", "active_time_intervals", "routes",
                                     "escalation_policy"])
        var r = parent ?? DispatchRoute(receiver: "")
        r.routes = []
        r.continueMatching = try m.bool("continue") ?? false
        r.matchers = try matchers(m, "matchers", "match", "match_re")
        r.muteTimeIntervals = try m.stringList("mute_time_intervals") ?? []
        r.activeTimeIntervals = try m.stringList("active_time_intervals") ?? []
        if let rn = try m.string("receiver") {
            guard names.contains(rn) else { throw m.error("receiver", "undefined receiver \"\(rn)\" used in route") }
            r.receiver = rn
        }
        if let gb = try m.stringList("group_by") {
            r.groupByAll = gb.contains("...")
            guard !r.groupByAll || gb.count == 1 else { throw m.error("group_by", "cannot have wildcard group_by (`...`) and other labels at the same time") }
            for l in gb where l != "..." && !LabelValidation.isValidLabelName(l) { throw m.error("group_by", "invalid label name \"\(l)\"") }
            r.groupBy = r.groupByAll ? [] : Array(Set(gb)).sorted()
        }
        if let v = try duration(m, "group_wait") { r.groupWaitMs = v }
        if let v = try duration(m, "group_interval") {
            guard v > 0 else { throw m.error("group_interval", "group_interval cannot be zero") }
            r.groupIntervalMs = v
        }
        if let v = try duration(m, "repeat_interval") {
            guard v > 0 else { throw m.error("repeat_interval", "repeat_interval cannot be zero") }
            r.repeatIntervalMs = v
        }
        for name in r.muteTimeIntervals + r.activeTimeIntervals where timeIntervals[name] == nil {
            throw ConfigError(path: m.path, line: nil, message: "undefined time interval \"\(name)\" used in route")
        }
        if let p = try m.string("escalation_policy") {
            guard policies[p] != nil else { throw m.error("escalation_policy", "undefined escalation policy \"\(p)\"") }
            r.escalationPolicy = p
        }
        if let parent {
            // The key is Alertmanager's (parent key and matchers); the ID also carries each
            // ancestor's position, so identical siblings' children stay apart.
            r.key = parent.key + "/" + AlertMatchers.string(r.matchers)
            r.id = parent.id + "/" + AlertMatchers.string(r.matchers) + "/\(index)"
        }
        for (i, child) in try m.mapList("routes").enumerated() {
            r.routes.append(try route(child, parent: r, index: i, names: names, timeIntervals: timeIntervals, policies: policies, warnings: &warnings))
        }
        return r
    }

    static func template(_ m: YAMLMapReader, _ key: String, default fallback: String?, library: Template) throws(ConfigError) -> Template? {
        guard let text = try m.string(key) ?? fallback else { return nil }
        do {
            return try Template(text, name: key, functions: .alertmanager).including(library)
        } catch {
            throw m.error(key, "\(error)")
        }
    }

    static func receiver(_ r: YAMLMapReader, globals: Globals, library: Template, baseDirectory: String,
                         warnings: inout [String]) throws(ConfigError) -> ReceiverConfig {
        try rejectUnknown(r, known: Set(["name", "webhook_configs", "slack_configs", "email_configs", "rotation", "rate_limit"]).union(unsupportedReceiverKeys))
        guard let name = try r.string("name"), !name.isEmpty else { throw r.error("name", "missing name in receiver") }
        for k in r.keys where unsupportedReceiverKeys.contains(k) {
            warnings.append("\(YAMLMapReader.join(r.path, k)): not supported by Tidemark, ignored")
        }
        var rec = ReceiverConfig(name: name)
        for w in try r.mapList("webhook_configs") {
            try rejectUnknown(w, known: ["url", "url_file", "send_resolved", "max_alerts", "http_config", "timeout"])
            guard let url = try stringOrFile(w, "url", baseDirectory) else {
                throw w.error("url", "one of url or url_file must be configured")
            }
            guard URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) == true else { throw w.error("url", "unsupported scheme in \"\(url)\": want http or https") }
            var c = WebhookConfig(url: url)
            c.sendResolved = try w.bool("send_resolved") ?? true
            c.maxAlerts = try w.int("max_alerts") ?? 0
            if let h = try w.map("http_config") { c.auth = try httpAuth(h, baseDirectory, warnings: &warnings) } else { c.auth = globals.auth }
            if let t = try duration(w, "timeout"), t > 0 { c.timeoutMs = t }
            rec.webhooks.append(c)
        }
        for s in try r.mapList("slack_configs") {
            try rejectUnknown(s, known: ["api_url", "api_url_file", "send_resolved", "channel", "username", "icon_emoji", "icon_url",
                                         "title", "title_link", "pretext", "text", "fallback", "color", "http_config", "short_fields",
                                         "footer", "link_names", "mrkdwn_in", "callback_id", "image_url", "thumb_url", "fields", "actions"])
            warnUnsupported(s, ["short_fields", "footer", "link_names", "mrkdwn_in", "callback_id", "image_url", "thumb_url",
                                "fields", "actions"], &warnings)
            guard let url = try stringOrFile(s, "api_url", baseDirectory) ?? globals.slackAPIURL else {
                throw s.error("api_url", "no global Slack API URL set either")
            }
            func t(_ k: String, _ d: String) throws(ConfigError) -> Template {
                // A default is always given, so a template is always returned.
                guard let v = try template(s, k, default: d, library: library) else { throw s.error(k, "missing") }
                return v
            }
            var c = SlackConfig(apiURL: url, title: try t("title", #"{{ template "slack.default.title" . }}"#),
                                titleLink: try t("title_link", #"{{ template "slack.default.titlelink" . }}"#),
                                text: try t("text", #"{{ template "slack.default.text" . }}"#),
                                fallback: try t("fallback", #"{{ template "slack.default.fallback" . }}"#),
                                color: try t("color", #"{{ template "slack.default.color" . }}"#))
            c.sendResolved = try s.bool("send_resolved") ?? false
            c.channel = try template(s, "channel", default: nil, library: library)
            c.username = try template(s, "username", default: #"{{ template "slack.default.username" . }}"#, library: library)
            c.iconEmoji = try template(s, "icon_emoji", default: nil, library: library)
            c.iconURL = try template(s, "icon_url", default: nil, library: library)
            c.pretext = try template(s, "pretext", default: nil, library: library)
            if let h = try s.map("http_config") { c.auth = try httpAuth(h, baseDirectory, warnings: &warnings) } else { c.auth = globals.auth }
            rec.slacks.append(c)
        }
        for e in try r.mapList("email_configs") {
            try rejectUnknown(e, known: ["to", "from", "smarthost", "hello", "auth_username", "auth_password", "auth_password_file",
                                         "auth_identity", "auth_secret", "require_tls", "tls_config", "headers", "html", "text", "send_resolved"])
            warnUnsupported(e, ["auth_secret"], &warnings, why: "CRAM-MD5 is not supported by Tidemark (PLAIN and LOGIN are), ignored")
            if let tls = try e.map("tls_config") {
                warnUnsupported(tls, ["ca_file", "cert_file", "key_file", "server_name", "min_version", "max_version"], &warnings,
                                why: "not supported by Tidemark (the system's trust store is used), ignored")
            }
            guard let to = try template(e, "to", default: nil, library: library) else { throw e.error("to", "missing to address in email config") }
            guard let from = try template(e, "from", default: globals.smtpFrom, library: library) else {
                throw e.error("from", "no global SMTP from set either")
            }
            guard let host = try e.string("smarthost") ?? globals.smtpSmarthost, !host.isEmpty else {
                throw e.error("smarthost", "no global SMTP smarthost set either")
            }
            guard host.split(separator: ":").count == 2, Int(host.split(separator: ":")[1]) != nil else {
                throw e.error("smarthost", "address \(host): expected host:port")
            }
            var c = EmailConfig(to: to, from: from, smarthost: host, hello: try e.string("hello") ?? globals.smtpHello)
            c.authUsername = try e.string("auth_username") ?? globals.smtpAuthUsername
            c.authPassword = try stringOrFile(e, "auth_password", baseDirectory) ?? globals.smtpAuthPassword
            c.authIdentity = try e.string("auth_identity") ?? globals.smtpAuthIdentity
            c.requireTLS = try e.bool("require_tls") ?? globals.smtpRequireTLS
            if let tls = try e.map("tls_config") { c.insecureSkipVerify = try tls.bool("insecure_skip_verify") ?? false }
            var headers: [(String, Template)] = []
            let given = try e.stringMap("headers") ?? []
            for (k, v) in given {
                do { headers.append((k, try Template(v, name: "headers.\(k)", functions: .alertmanager).including(library))) } catch {
                    throw e.error("headers", "\(k): \(error)")
                }
            }
            if !given.contains(where: { $0.0.lowercased() == "subject" }) {
                do {
                    headers.append(("Subject", try Template(#"{{ template "email.default.subject" . }}"#, name: "headers.Subject",
                                                            functions: .alertmanager).including(library)))
                } catch { throw e.error("headers", "Subject: \(error)") }
            }
            c.headers = headers
            c.html = try template(e, "html", default: nil, library: library)
            c.text = try template(e, "text", default: c.html == nil ? #"{{ template "email.default.text" . }}"# : nil, library: library)
            c.sendResolved = try e.bool("send_resolved") ?? false
            rec.emails.append(c)
        }
        if let rot = try r.map("rotation") {
            try rejectUnknown(rot, known: ["members", "start", "every", "time_zone"])
            guard let members = try rot.stringList("members"), !members.isEmpty else { throw rot.error("members", "a rotation needs at least one member") }
            let zone = try rot.string("time_zone") ?? "UTC"
            guard let tz = TimeZone(identifier: zone) else { throw rot.error("time_zone", "unknown time zone \"\(zone)\"") }
            guard let every = try duration(rot, "every"), every > 0 else { throw rot.error("every", "a positive shift length is required, e.g. 1w") }
            guard let startText = try rot.string("start") else { throw rot.error("start", "the first hand-over time is required, e.g. 2026-11-23T09:00") }
            guard let start = localTime(startText, tz) else {
                throw rot.error("start", "invalid time \"\(startText)\": expected YYYY-MM-DDTHH:MM[:SS] (in time_zone) or RFC 3339")
            }
            rec.rotation = RotationConfig(members: members, startMs: start, everyMs: every, timeZone: zone)
            guard rec.integrationCount == 0 else { throw r.error("rotation", "a rotation receiver cannot have integrations of its own") }
        }
        if let rl = try r.map("rate_limit") {
            try rejectUnknown(rl, known: ["max", "interval"])
            guard let max = try rl.int("max"), max > 0 else { throw rl.error("max", "a positive number of notifications is required") }
            guard let interval = try duration(rl, "interval"), interval > 0 else { throw rl.error("interval", "a positive interval is required, e.g. 1m") }
            guard rec.rotation == nil else { throw rl.error("max", "a rotation has no rate limit of its own: set rate_limit on its members") }
            rec.rateLimit = RateLimit(max: max, intervalMs: interval)
        }
        return rec
    }

    /// `2026-11-23T09:00[:00]` in `tz`, or an RFC 3339 time with its own offset.
    static func localTime(_ s: String, _ tz: TimeZone) -> Int64? {
        if let ms = APITimeParser.rfc3339(s) { return ms }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        for layout in ["yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm"] {
            f.dateFormat = layout
            if let d = f.date(from: s) { return Int64((d.timeIntervalSince1970 * 1000).rounded()) }
        }
        return nil
    }
}
