import Foundation
import RuleEval
import TSDB
import Yams

/// Reads `file_sd_configs` files: JSON or YAML lists of `{targets: [...], labels: {...}}`.
///
/// A file that fails to parse keeps its last good groups (as Prometheus does), with the error
/// reported, so a half-written file does not make targets disappear.
final class FileSDReader: @unchecked Sendable {
    // @unchecked: only used from the scrape manager's actor.
    private var lastGood: [String: [TargetGroup]] = [:]
    private var stamps: [String: Date] = [:]

    /// Files matched by the globs now.
    static func expand(_ patterns: [String]) -> [String] {
        patterns.flatMap(FileGlob.paths(matching:)).sorted()
    }

    /// True when any matched file appeared, disappeared or changed since the last `read`.
    func changed(_ config: FileSDConfig) -> Bool {
        let files = Self.expand(config.files)
        if Set(files) != Set(stamps.keys.filter { f in config.files.contains { Self.matches(f, $0) } }) { return true }
        for f in files {
            let m = (try? FileManager.default.attributesOfItem(atPath: f)[.modificationDate]) as? Date
            if m != stamps[f] { return true }
        }
        return false
    }

    private static func matches(_ file: String, _ pattern: String) -> Bool {
        fnmatch(pattern, file, 0) == 0
    }

    /// All groups of the config's files; `errors` gets one message per unreadable file.
    func read(_ config: FileSDConfig, errors: inout [String]) -> [TargetGroup] {
        var out: [TargetGroup] = []
        for f in Self.expand(config.files) {
            stamps[f] = (try? FileManager.default.attributesOfItem(atPath: f)[.modificationDate]) as? Date
            do {
                let groups = try Self.parse(file: f)
                lastGood[f] = groups
                out += groups
            } catch {
                errors.append("\(f): \(error)")
                out += lastGood[f] ?? []
            }
        }
        return out
    }

    /// Parses one file's groups.
    static func parse(file: String) throws -> [TargetGroup] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        guard let root = try Yams.compose(yaml: text) else { return [] }
        guard let seq = root.sequence else {
            throw ConfigError(path: "", line: root.mark?.line, message: "expected a list of target groups")
        }
        var out: [TargetGroup] = []
        for (i, item) in seq.enumerated() {
            let m = try YAMLMapReader(item, path: "[\(i)]")
            let targets = try m.stringList("targets") ?? []
            var labels = try PrometheusConfigLoader.validLabels(try m.stringMap("labels") ?? [], m, "labels")
            labels.append(Label(name: "__meta_filepath", value: file))
            out.append(TargetGroup(targets: targets, labels: labels.sorted(), source: "\(file):\(i)"))
        }
        return out
    }
}
