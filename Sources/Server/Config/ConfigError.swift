/// A configuration file that cannot be used: names the file, the key path and, when known, the line.
struct ConfigError: Error, CustomStringConvertible, Sendable {
    /// Where: e.g. `scrape_configs[1].scrape_interval`.
    let path: String
    /// 1-based line in the file, when the YAML parser reported one.
    let line: Int?
    let message: String
    /// The file, when loading from one.
    var file: String?

    var description: String {
        var s = file.map { "\($0): " } ?? ""
        if let line { s += "line \(line): " }
        s += path.isEmpty ? message : "\(path): \(message)"
        return s
    }
}
