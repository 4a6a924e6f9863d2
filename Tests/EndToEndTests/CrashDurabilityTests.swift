import Foundation
import Testing
import TSDB

/// Kills a writer with SIGKILL mid-ingest many times; every acknowledged sample must survive.
@Suite struct CrashDurabilityTests {
    @Test func acknowledgedSamplesSurviveSIGKILL() async throws {
        let writer = try #require(ProductLocator.path(of: "tidemark-bench"), "tidemark-bench not built")
        let dir = NSTemporaryDirectory() + "tidemark-crash-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var lastAck: Int64 = 0
        var rng = SystemRandomNumberGenerator()
        let rounds = 12
        for round in 0..<rounds {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: writer)
            p.arguments = ["crash-writer", "--dir", dir, "--series", "20", "--start", "\(lastAck + 1)"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Let it run a random while (crossing flushes sometimes), then kill it without warning.
            try await Task.sleep(for: .milliseconds(150 + Int(rng.next() % 600)))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let acks = text.split(separator: "\n").compactMap { $0.hasPrefix("ack ") ? Int64($0.dropFirst(4)) : nil }
            if let a = acks.last { lastAck = a }
            #expect(p.terminationReason == .uncaughtSignal, "round \(round): writer exited on its own: \(text.suffix(300))")
        }
        #expect(lastAck > 100, "the writer acknowledged too little to test anything")
        var o = DBOptions(); o.retentionTime = nil
        let db = try DB.open(directory: dir, options: o)
        let series = db.querier(mint: .min, maxt: .max).select([try Matcher(.equal, "__name__", "crash_test")])
        #expect(series.count == 20)
        for s in series {
            let i = Double(s.labels["s"]) ?? -1
            var byT: [Int64: Double] = [:]
            for x in s.samples() { byT[x.t] = x.v }
            var missing = 0
            for t in 1...lastAck where byT[t] != Double(t) + i { missing += 1 }
            #expect(missing == 0, "series \(s.labels): \(missing) of \(lastAck) acknowledged samples lost")
        }
        try db.close()
    }
}
