import ArgumentParser

/// `tidemark-bench`: measures Tidemark (in-process for now; side by side with peers later).
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tidemark-bench",
        abstract: "Tidemark's benchmark harness.",
        subcommands: [EngineBenchmark.self, HeadAppendBenchmark.self, PromQLParseBenchmark.self, PromQLQueryBenchmark.self, RemoteWriteBenchmark.self, ScrapeBenchmark.self, CrashWriter.self]
    )
}
