/// A configuration or rule file that cannot be used: names the file, the key path and, when known, the line.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// Where: e.g. `scrape_configs[1].scrape_interval`.
    public let path: String
    /// 1-based line in the file, when the YAML parser reported one.
    public let line: Int?
    public let message: String
    /// The file, when loading from one.
    public var file: String?

    public var description: String {
        var s = file.map { "\($0): " } ?? ""
        if let line { s += "line \(line): " }
        s += path.isEmpty ? message : "\(path): \(message)"
        return s
    }

    /// An error at `path` (line when known).
    public init(path: String, line: Int?, message: String, file: String? = nil) {
        self.path = path
        self.line = line
        self.message = message
        self.file = file
    }
}
