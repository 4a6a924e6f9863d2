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
{{ define "__html_alert_list" }}{{ range . }}<li><b>{{ range .Labels.SortedPairs }}{{ .Name | html }}={{ .Value | html }} {{ end }}</b>{{ with .Annotations.summary }}<br>Summary: {{ . | html }}{{ end }}{{ with .Annotations.description }}<br>Description: {{ . | html }}{{ end }}<br>Since: {{ .StartsAt.Format "2006-01-02 15:04:05 MST" }}{{ if .GeneratorURL }}<br><a href="{{ .GeneratorURL | html }}">Source</a>{{ end }}</li>
{{ end }}{{ end }}
{{ define "__subject_html" }}[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] {{ .GroupLabels.SortedPairs.Values | join " " | html }}{{ if gt (len .CommonLabels) (len .GroupLabels) }} ({{ with .CommonLabels.Remove .GroupLabels.Names }}{{ .Values | join " " | html }}{{ end }}){{ end }}{{ end }}
{{ define "email.default.html" }}<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>{{ template "__subject_html" . }}</title></head>
<body style="font-family: sans-serif">
<h2 style="color: {{ if eq .Status "firing" }}#c0392b{{ else }}#27ae60{{ end }}">{{ template "__subject_html" . }}</h2>
{{ if .Alerts.Firing }}<h3>Firing ({{ .Alerts.Firing | len }})</h3><ul>
{{ template "__html_alert_list" .Alerts.Firing }}</ul>{{ end }}
{{ if .Alerts.Resolved }}<h3>Resolved ({{ .Alerts.Resolved | len }})</h3><ul>
{{ template "__html_alert_list" .Alerts.Resolved }}</ul>{{ end }}
<p><a href="{{ template "__alertmanagerURL" . }}">Alert groups</a></p>
</body></html>{{ end }}
{{ define "slack.default.callbackid" }}{{ end }}
{{ define "slack.default.iconemoji" }}{{ end }}
{{ define "slack.default.iconurl" }}{{ end }}
{{ define "slack.default.footer" }}{{ end }}
"""#
}
