/// A dynamic value as Go templates see it; each case stands for the Go type noted.
public indirect enum TemplateValue: Sendable, Equatable {
    /// A nil interface (`<no value>` when printed by an action, `<nil>` inside print functions).
    case null
    /// Go `bool`.
    case bool(Bool)
    /// Go `int`.
    case int(Int64)
    /// Go `float64`.
    case float(Double)
    /// Go `string`.
    case string(String)
    /// Go `[]interface{}`.
    case list([TemplateValue])
    /// Go `map[string]interface{}`: a missing key yields nil; `range` iterates keys in sorted order.
    case map([String: TemplateValue])
    /// Go `map[string]string` (label sets): a missing key yields the empty string, as with `missingkey=zero`.
    case stringMap([String: String])
    /// An element of a query result (`*sample` with `.Labels` and `.Value`).
    case sample(TemplateSample)
    /// `html/template.HTML`, the result of `safeHtml`.
    case html(String)
    /// Go `*time.Time` (from `toTime`, `tz`, Alertmanager data), with methods such as `.Format`.
    case time(TemplateTime)
    /// A Go struct with named fields; a missing field is an execution error.
    case record(TemplateRecord)
}

/// A query result element as templates see it (Prometheus' `sample`).
public struct TemplateSample: Sendable, Equatable {
    /// The series labels, including `__name__`.
    public var labels: [String: String]
    /// The sample value.
    public var value: Double

    /// Creates a sample.
    public init(labels: [String: String], value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// A Go struct value: fields in declaration order and the Go type name used in messages.
public struct TemplateRecord: Sendable, Equatable {
    /// One named field.
    public struct Field: Sendable, Equatable {
        /// The field name, e.g. `Labels`.
        public var name: String
        /// The field's Go type, e.g. `map[string]string`, for the printed struct type.
        public var goType: String
        /// The value.
        public var value: TemplateValue
        /// Creates a field.
        public init(name: String, goType: String, value: TemplateValue) {
            self.name = name
            self.goType = goType
            self.value = value
        }
    }

    /// The fields in declaration order.
    public var fields: [Field]

    /// Creates a record.
    public init(fields: [Field]) { self.fields = fields }

    /// Go's spelling of the anonymous struct type, e.g. `struct { Labels map[string]string; Value float64 }`.
    public var goTypeName: String {
        "struct { " + fields.map { "\($0.name) \($0.goType)" }.joined(separator: "; ") + " }"
    }

    /// The value of the field called `name`, if any.
    public subscript(name: String) -> TemplateValue? {
        fields.first { $0.name == name }?.value
    }
}

extension TemplateValue {
    /// The Go type name used in error messages and `%!verb(type=value)`.
    var goTypeName: String {
        switch self {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int: return "int"
        case .float: return "float64"
        case .string: return "string"
        case .list: return "[]interface {}"
        case .map: return "map[string]interface {}"
        case .stringMap: return "map[string]string"
        case .sample: return "*template.sample"
        case .html: return "template.HTML"
        case .time: return "*time.Time"
        case .record(let r): return r.goTypeName
        }
    }

    /// Go template truth: false, 0, nil and empty strings, lists and maps are false.
    var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .float(let f): return f != 0
        case .string(let s), .html(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .map(let m): return !m.isEmpty
        case .stringMap(let m): return !m.isEmpty
        case .sample, .time, .record: return true
        }
    }
}
