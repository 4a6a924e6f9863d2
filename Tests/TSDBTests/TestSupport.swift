import Foundation
@testable import TSDB

/// A deterministic PRNG (SplitMix64) so property tests are reproducible.
struct SeededRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A fresh temporary directory, removed by the caller with `cleanup()`.
struct TestDirectory {
    let path: String
    init(_ name: String = "tidemark-test") {
        path = NSTemporaryDirectory() + "\(name)-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

/// Labels from a literal dictionary (test input is always valid).
func L(_ d: [String: String]) -> Labels {
    do { return try Labels(d) } catch { fatalError("bad test labels \(d): \(error)") }
}
