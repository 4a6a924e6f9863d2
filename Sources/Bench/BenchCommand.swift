import ArgumentParser

/// `tidemark-bench`: measures Tidemark in process, over HTTP, and side by side with Prometheus and VictoriaMetrics.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidemark-bench",
        abstract: "Tidemark's benchmark harness.",
        subcommands: [CompareCommand.self, PromQLDiffCommand.self, EngineBenchmark.self, RuleEvaluationBenchmark.self, AlertDispatchBenchmark.self, HeadAppendBenchmark.self, PromQLParseBenchmark.self, PromQLQueryBenchmark.self, RemoteWriteBenchmark.self, ScrapeBenchmark.self, CrashWriter.self]
    )
}
