#if canImport(Glibc)
import Glibc
#endif

/// Figures about the running process read from /proc.
public enum ProcessStats {
    /// Resident set size in bytes (from /proc/self/statm), 0 when unavailable.
    public static func residentBytes() -> Int {
        guard let pages = residentPages() else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The second field of /proc/self/statm: resident pages.
    private static func residentPages() -> Int? {
        guard let f = fopen("/proc/self/statm", "r") else { return nil }
        defer { fclose(f) }
        var buf = [CChar](repeating: 0, count: 256)
        guard fgets(&buf, Int32(buf.count), f) != nil else { return nil }
        let line = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = line.split(separator: " ")
        return fields.count >= 2 ? Int(fields[1]) : nil
    }

    /// Resident bytes split into anonymous memory (heap, stacks) and file-backed pages (mapped
    /// blocks, the binary), from /proc/self/status; nil when unavailable.
    public static func residentSplit() -> (anonymous: Int, file: Int)? {
        guard let f = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(f) }
        var anon: Int?, file: Int?
        var buf = [CChar](repeating: 0, count: 256)
        while fgets(&buf, Int32(buf.count), f) != nil {
            let line = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            guard parts.count >= 2, let kb = Int(parts[1]) else { continue }
            if parts[0] == "RssAnon:" { anon = kb * 1024 } else if parts[0] == "RssFile:" { file = kb * 1024 }
        }
        guard let anon, let file else { return nil }
        return (anon, file)
    }

    /// Hands freed heap memory back to the OS (glibc keeps it otherwise), so resident memory
    /// tracks live data after a compaction frees chunks.
    public static func releaseFreeMemory() {
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }

    /// CPU time (user + system) consumed by this process, in seconds.
    public static func cpuSeconds() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }
}

#if os(Linux)
// glibc's malloc_trim is not exported by the Glibc module map.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
