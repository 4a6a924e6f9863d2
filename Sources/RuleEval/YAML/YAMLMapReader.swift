import TSDB
import Yams

/// Typed, path-aware reads from a YAML mapping, so every error names the key it is about and
/// unknown keys can be reported as warnings instead of being silently ignored.
public struct YAMLMapReader {
    /// Where this mapping is, e.g. `groups[0].rules[2]`.
    public let path: String
    private let entries: [(key: String, value: Node)]
    private let line: Int?

    /// Reads `node` as a mapping; a null node is an empty mapping.
    public init(_ node: Node?, path: String) throws(ConfigError) {
        self.path = path
        line = node?.mark.map { $0.line }
        guard let node, !Self.isNull(node) else { entries = []; return }
        guard let m = node.mapping else { throw ConfigError(path: path, line: line, message: "expected a mapping") }
        var out: [(String, Node)] = []
        for (k, v) in m {
            guard let key = k.string else { throw ConfigError(path: path, line: k.mark?.line, message: "keys must be strings") }
            if out.contains(where: { $0.0 == key }) {
                throw ConfigError(path: Self.join(path, key), line: k.mark?.line, message: "duplicate key")
            }
            out.append((key, v))
        }
        entries = out
    }

    public static func isNull(_ n: Node) -> Bool {
        if case .scalar(let s) = n, s.style == .plain { return ["", "~", "null", "Null", "NULL"].contains(s.string) }
        return false
    }

    public static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The keys present.
    public var keys: [String] { entries.map(\.key) }

    /// The raw node under `key` (nil when absent or null).
    public func node(_ key: String) -> Node? {
        guard let n = entries.first(where: { $0.key == key })?.value, !Self.isNull(n) else { return nil }
        return n
    }

    public func error(_ key: String, _ message: String) -> ConfigError {
        ConfigError(path: Self.join(path, key), line: node(key)?.mark?.line ?? line, message: message)
    }

    public func string(_ key: String) throws(ConfigError) -> String? {
        guard let n = node(key) else { return nil }
        guard case .scalar(let s) = n else { throw error(key, "expected a string") }
        return s.string
    }

    public func bool(_ key: String) throws(ConfigError) -> Bool? {
        guard let s = try string(key) else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(key, "expected true or false, got \"\(s)\"")
        }
    }

    public func int(_ key: String) throws(ConfigError) -> Int? {
        guard let s = try string(key) else { return nil }
        guard let v = Int(s), v >= 0 else { throw error(key, "expected a non-negative integer, got \"\(s)\"") }
        return v
    }

    /// A Prometheus duration (`15s`, `1m30s`, `1d`) in milliseconds.
    public func duration(_ key: String) throws(ConfigError) -> Int64? {
        guard let s = try string(key) else { return nil }
        do { return try DurationParser.milliseconds(s) } catch { throw self.error(key, "\(error)") }
    }

    /// A size such as `10MB` in bytes (0 means no limit).
    public func byteSize(_ key: String) throws(ConfigError) -> Int64? {
        guard let s = try string(key) else { return nil }
        do { return try ByteSizeParser.bytes(s) } catch { throw self.error(key, "\(error)") }
    }

    public func stringList(_ key: String) throws(ConfigError) -> [String]? {
        guard let n = node(key) else { return nil }
        guard let seq = n.sequence else { throw error(key, "expected a list of strings") }
        var out: [String] = []
        for (i, item) in seq.enumerated() {
            guard case .scalar(let s) = item else {
                throw ConfigError(path: "\(Self.join(path, key))[\(i)]", line: item.mark?.line, message: "expected a string")
            }
            out.append(s.string)
        }
        return out
    }

    /// A mapping of strings to strings, in file order.
    public func stringMap(_ key: String) throws(ConfigError) -> [(String, String)]? {
        guard node(key) != nil else { return nil }
        let m = try YAMLMapReader(node(key), path: Self.join(path, key))
        var out: [(String, String)] = []
        for k in m.keys { out.append((k, try m.string(k) ?? "")) }
        return out
    }

    public func map(_ key: String) throws(ConfigError) -> YAMLMapReader? {
        guard let n = node(key) else { return nil }
        return try YAMLMapReader(n, path: Self.join(path, key))
    }

    /// Each item of a list of mappings, with its indexed path.
    public func mapList(_ key: String) throws(ConfigError) -> [YAMLMapReader] {
        guard let n = node(key) else { return [] }
        guard let seq = n.sequence else { throw error(key, "expected a list") }
        var out: [YAMLMapReader] = []
        for (i, item) in seq.enumerated() { out.append(try YAMLMapReader(item, path: "\(Self.join(path, key))[\(i)]")) }
        return out
    }

    /// Warnings for keys outside `known`; keys in `unsupported` are Prometheus keys Tidemark ignores.
    public func warnings(known: Set<String>, unsupported: Set<String> = []) -> [String] {
        entries.compactMap { e in
            if known.contains(e.key) { return nil }
            let at = Self.join(path, e.key)
            let where_ = e.value.mark.map { "line \($0.line): " } ?? ""
            if unsupported.contains(e.key) { return "\(where_)\(at): not supported by Tidemark yet, ignored" }
            return "\(where_)\(at): unknown key, ignored"
        }
    }
}
