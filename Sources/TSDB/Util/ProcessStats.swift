#if canImport(Glibc)
import Glibc
#endif

/// Figures about the running process read from /proc.
public enum ProcessStats {
    /// Resident set size in bytes (from /proc/self/statm), 0 when unavailable.
    public static func residentBytes() -> Int {
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var size = 0, resident = 0
        guard fscanf_statm(f, &size, &resident) else { return 0 }
        return resident * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    private static func fscanf_statm(_ f: UnsafeMutablePointer<FILE>, _ size: inout Int, _ resident: inout Int) -> Bool {
        var buf = [CChar](repeating: 0, count: 256)
        guard fgets(&buf, 256, f) != nil else { return false }
        let line = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let s = Int(parts[0]), let r = Int(parts[1]) else { return false }
        size = s; resident = r
        return true
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
