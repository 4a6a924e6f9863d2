// TEMPORARY: replaced by Templates/ (the Go text/template engine) when it lands.
public struct Template: Sendable { let text: String }
public struct TemplateError: Error, Sendable, CustomStringConvertible { public let message: String; public var description: String { message } }
public struct TemplateSample: Sendable, Equatable { public var labels: [String: String]; public var value: Double
    public init(labels: [String: String], value: Double) { self.labels = labels; self.value = value } }
public typealias TemplateQueryFunction = @Sendable (String) throws -> [TemplateSample]
public enum AlertTemplate {
    public static func parse(_ text: String, name: String) throws(TemplateError) -> Template { Template(text: text) }
    public static func expand(_ t: Template, labels: [String: String], value: Double, externalLabels: [String: String],
                              externalURL: String, query: TemplateQueryFunction?) throws(TemplateError) -> String {
        var s = t.text
        for (k, v) in labels { s = s.replacingOccurrences(of: "{{ $labels.\(k) }}", with: v) }
        return s.replacingOccurrences(of: "{{ $value }}", with: "\(value)")
    }
}
import Foundation
