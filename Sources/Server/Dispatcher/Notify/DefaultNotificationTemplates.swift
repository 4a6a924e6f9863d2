/// The templates receivers use when a config leaves a field out, under the names Alertmanager's
/// configs refer to (`slack.default.title`, `email.default.subject`, …), so users' own templates
/// that call them keep working.
enum DefaultNotificationTemplates {
    static let text = #"""
{{ define "__subject" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " }}{{ if gt (len .CommonLabels) (len .GroupLabels) }} ({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " }}{{ end }}){{ end }}{{ end }}
{{ define "__alertmanagerURL" }}{{ .ExternalURL }}/api/v2/alerts/groups{{ end }}
{{ define "__text_alert_list" }}{{ range . }}* {{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }} {{ end }}
{{ with .Annotations.summary }}  Summary: {{ . }}
{{ end }}{{ with .Annotations.description }}  Description: {{ . }}
{{ end }}  Since: {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}
{{ if .GeneratorURL }}  Source: {{ .GeneratorURL }}
{{ end }}{{ end }}{{ end }}
{{ define "__held_back" }}{{ with .HeldBack }}
Held back by the rate limit of this receiver since the last message: {{ len . }} notification(s):
{{ range . }}* {{ .GroupLabels.SortedPairs.Values | join " " }}{{ if not .GroupLabels }}(all alerts){{ end }}: {{ .Firing }} firing, {{ .Resolved }} resolved ({{ .Count }} held)
{{ end }}{{ end }}{{ end }}
{{ define "tidemark.default.text" }}{{ if .Alerts.Firing }}Firing:
{{ template "__text_alert_list" .Alerts.Firing }}{{ end }}{{ if .Alerts.Resolved }}Resolved:
{{ template "__text_alert_list" .Alerts.Resolved }}{{ end }}{{ end }}
{{ define "slack.default.title" }}{{ template "__subject" . }}{{ end }}
{{ define "slack.default.username" }}Tidemark{{ end }}
{{ define "slack.default.titlelink" }}{{ template "__alertmanagerURL" . }}{{ end }}
{{ define "slack.default.pretext" }}{{ end }}
{{ define "slack.default.text" }}{{ template "tidemark.default.text" . }}{{ end }}
{{ define "slack.default.fallback" }}{{ template "__subject" . }} | {{ template "__alertmanagerURL" . }}{{ end }}
{{ define "slack.default.color" }}{{ $color := "good" }}{{ if eq .Status "firing" }}{{ $color = "#439FE0" }}{{ range .Alerts.Firing }}{{ if eq .Labels.severity "critical" "page" "error" }}{{ $color = "danger" }}{{ else if and (eq .Labels.severity "warning") (ne $color "danger") }}{{ $color = "warning" }}{{ end }}{{ end }}{{ end }}{{ $color }}{{ end }}
{{ define "email.default.subject" }}{{ template "__subject" . }}{{ end }}
{{ define "email.default.text" }}{{ template "tidemark.default.text" . }}{{ end }}
"""#
}
