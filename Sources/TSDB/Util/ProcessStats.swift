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
