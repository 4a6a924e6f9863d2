/// Prometheus' alerting-rule templating: label and annotation values with `$labels`, `$externalLabels`,
/// `$externalURL` and `$value` defined, and errors worded as Prometheus' `Expander` words them.
public enum AlertTemplate {
    /// The definitions Prometheus prepends to every label/annotation template.
    public static let preamble = "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL := .ExternalURL}}{{$value := .Value}}"

    /// Parses `text` as Prometheus' rule-file validation does (preamble prepended, Prometheus functions);
    /// errors are Go's, e.g. `template: __alert_X:1: function "foo" not defined` (positions count the preamble).
    public static func parse(_ text: String, name: String) throws(TemplateError) -> Template {
        try Template(preamble + text, name: name, functions: .prometheus)
    }

    /// The template data Prometheus passes: `.Labels`, `.ExternalLabels`, `.ExternalURL`, `.Value`.
    public static func data(labels: [String: String], value: Double, externalLabels: [String: String], externalURL: String) -> TemplateValue {
        .record(TemplateRecord(fields: [
            .init(name: "Labels", goType: "map[string]string", value: .stringMap(labels)),
            .init(name: "ExternalLabels", goType: "map[string]string", value: .stringMap(externalLabels)),
            .init(name: "ExternalURL", goType: "string", value: .string(externalURL)),
            .init(name: "Value", goType: "float64", value: .float(value)),
        ]))
    }

    /// Expands a template from `parse` for one alert; errors read `error executing template NAME: …`
    /// (Prometheus puts `<error expanding template: ERROR>` in the annotation then).
    public static func expand(_ t: Template, labels: [String: String], value: Double, externalLabels: [String: String],
                              externalURL: String, query: TemplateQueryFunction?) throws(TemplateError) -> String {
        do {
            return try t.execute(dot: data(labels: labels, value: value, externalLabels: externalLabels, externalURL: externalURL),
                                 query: query, options: TemplateOptions(externalURL: externalURL))
        } catch {
            throw TemplateError("error executing template \(t.name): \(error.message)")
        }
    }
}
