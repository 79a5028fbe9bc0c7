import ArgumentParser

@main
struct Hearth: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hearth",
        abstract: "A self-hosted, OpenAI-compatible LLM inference server for CPUs.",
        subcommands: [Serve.self, Generate.self, Tokenize.self, RenderTemplate.self, Bench.self])
}
