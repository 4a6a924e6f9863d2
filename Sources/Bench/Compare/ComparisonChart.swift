import Foundation

/// An SVG bar chart of a comparison: one group per figure, one bar per system, each bar's length
/// relative to the largest value of its group and labelled with the value and its ratio to Tidemark.
enum ComparisonChart {
    static let colours: [BenchSystem: String] = [.tidemark: "#0e7c86", .prometheus: "#e6522c", .victoriametrics: "#6a3fa0"]

    static func svg(report: CompareReport, figures: [CompareFigure]) -> String {
        let systems = BenchSystem.allCases.filter { report.medians[$0.rawValue] != nil }
        let labelWidth = 250.0, barMax = 420.0, barHeight = 16.0, gap = 14.0, top = 56.0
        let groupHeight = Double(systems.count) * (barHeight + 3) + gap
        let groups = figures.filter { f in systems.contains { report.medians[$0.rawValue]?[f.title] != nil } }
        let width = labelWidth + barMax + 150, height = top + Double(groups.count) * groupHeight + 20
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="10" y="20" font-size="15" font-weight="bold">\(escape("Tidemark vs peers: \(report.parameters.series) series × \(CompareReport.format(report.parameters.hours)) h (\(report.parameters.scale)), \(report.date.prefix(10))"))</text>

        """
        var x = 10.0
        for system in systems {
            s += "<rect x=\"\(x)\" y=\"32\" width=\"12\" height=\"12\" fill=\"\(colours[system] ?? "#888")\"/>"
            s += "<text x=\"\(x + 16)\" y=\"42\">\(escape(system.displayName))</text>\n"
            x += 130
        }
        let base = report.medians[BenchSystem.tidemark.rawValue] ?? [:]
        for (g, f) in groups.enumerated() {
            let y0 = top + Double(g) * groupHeight
            let values = systems.map { report.medians[$0.rawValue]?[f.title] }
            let maxValue = values.compactMap { $0 }.max() ?? 1
            s += "<text x=\"10\" y=\"\(y0 + 12)\">\(escape(f.title))</text>"
            s += "<text x=\"10\" y=\"\(y0 + 26)\" fill=\"#777\" font-size=\"10\">\(f.lowerIsBetter ? "lower is better" : "higher is better")</text>\n"
            for (i, system) in systems.enumerated() {
                guard let v = values[i] else { continue }
                let y = y0 + Double(i) * (barHeight + 3)
                let w = max(1, barMax * v / max(maxValue, 1e-12))
                s += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(String(format: "%.1f", w))\" height=\"\(barHeight)\" fill=\"\(colours[system] ?? "#888")\"/>"
                var label = CompareReport.format(v)
                if system != .tidemark, let b = base[f.title], b > 0 { label += String(format: "  (%.2f×)", v / b) }
                s += "<text x=\"\(String(format: "%.1f", labelWidth + w + 5))\" y=\"\(y + 12)\">\(escape(label))</text>\n"
            }
        }
        return s + "</svg>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
