import Foundation
import TSDB

/// Shows progress on stderr: a redrawn bar in a terminal, plain lines otherwise (CI logs, pipes).
final class ProgressReporter: Sendable {
    private let terminal = isatty(STDERR_FILENO) == 1
    private let state = LockedValue((label: "", start: Date(), shownQuarter: -1))

    /// Starts a phase.
    func phase(_ label: String) {
        state.withLock { $0 = (label, Date(), -1) }
        if !terminal { write("… \(label)\n") } else { update(0) }
    }

    /// Reports the phase's completed fraction (0...1).
    func update(_ fraction: Double) {
        let f = min(max(fraction, 0), 1)
        let (label, start, show): (String, Date, Bool) = state.withLock { s in
            if terminal { return (s.label, s.start, true) }
            // Plain output: a line per quarter, so logs stay short.
            let q = Int(f * 4)
            guard q > s.shownQuarter, q > 0, q < 4 else { return (s.label, s.start, false) }
            s.shownQuarter = q
            return (s.label, s.start, true)
        }
        guard show else { return }
        if terminal {
            let width = 30, filled = Int(f * Double(width))
            write("\r\u{1B}[K[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
                  + String(format: "] %3.0f%% %@ (%.0f s)", f * 100, label as NSString, Date().timeIntervalSince(start)))
        } else {
            write(String(format: "  %@: %.0f%%\n", label as NSString, f * 100))
        }
    }

    /// Ends the phase with a one-line result.
    func done(_ result: String) {
        let (label, start) = state.withLock { ($0.label, $0.start) }
        let line = String(format: "%@: %@ (%.1f s)\n", label as NSString, result as NSString, Date().timeIntervalSince(start))
        write(terminal ? "\r\u{1B}[K" + line : "  " + line)
    }

    private func write(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
