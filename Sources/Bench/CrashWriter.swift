import ArgumentParser
import Foundation
import TSDB

/// Appends forever and prints each acknowledged batch; the crash test kills it with SIGKILL and
/// then checks that every acknowledged sample survived.
struct CrashWriter: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "crash-writer", abstract: "Durability test helper: append until killed, printing acknowledgements.", shouldDisplay: false)

    @Option(help: "Data directory.") var dir: String
    @Option(help: "Series per batch.") var series = 50
    @Option(help: "First timestamp (ms); continue after the previous run's last acknowledged one.") var start: Int64 = 1

    func run() throws {
        let db = try DB.open(directory: dir)
        var app = db.appender()
        let labels: [Labels] = try (0..<series).map { try Labels(["__name__": "crash_test", "s": "\($0)"]) }
        var t = start
        while true {
            for (i, l) in labels.enumerated() { app.append(l, t: t, v: Double(t) + Double(i)) }
            let report = try app.commit()
            // A batch with rejections is not a clean acknowledgement: stop loudly.
            guard report.appended + report.duplicatesIgnored == labels.count else {
                FileHandle.standardError.write(Data("batch at \(t) not fully stored: \(report)\n".utf8))
                throw ExitCode(2)
            }
            // Only after commit returned is the batch acknowledged.
            // Unbuffered, so the test reads every acknowledgement made before the kill.
            FileHandle.standardOutput.write(Data("ack \(t)\n".utf8))
            t += 1
            // Exercise block writes and WAL truncation under the kill too.
            if t % 1000 == 0 { try db.flush() }
        }
    }
}
