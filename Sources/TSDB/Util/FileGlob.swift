#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Shell-style file globs (`rules/*.yml`), as `rule_files` and `file_sd_configs` use them.
public enum FileGlob {
    /// Files matching `pattern` now, sorted; none when nothing matches.
    public static func paths(matching pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(pattern, 0, nil, &g) == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let c = g.gl_pathv[i] { out.append(String(cString: c)) }
        }
        return out.sorted()
    }
}
