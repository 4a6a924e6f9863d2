import Foundation

/// The machine a comparison ran on, recorded with its figures.
struct MachineInfo: Codable, Sendable {
    var cores: Int
    var memoryBytes: UInt64
    var cpuModel: String
    var kernel: String
    var loadAverageBefore: String
    var loadAverageAfter: String

    static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        var u = utsname()
        uname(&u)
        let release = withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return MachineInfo(cores: ProcessInfo.processInfo.activeProcessorCount, memoryBytes: ProcessInfo.processInfo.physicalMemory,
                           cpuModel: model, kernel: "Linux " + release, loadAverageBefore: loadAverage(), loadAverageAfter: "")
    }

    /// The first three fields of /proc/loadavg.
    static func loadAverage() -> String {
        let s = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return s.split(separator: " ").prefix(3).joined(separator: " ")
    }
}
