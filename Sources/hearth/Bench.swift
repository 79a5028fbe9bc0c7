import ArgumentParser
import Foundation
import Inference

/// `hearth bench`: prefill and decode throughput on synthetic tokens, like llama-bench's pp/tg tests.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Measure prefill and decode tok/s (medians of several runs).")

    @Option(help: "Path to a GGUF model.") var model: String
    @Option(help: "Prompt length for the prefill test.") var promptTokens = 512
    @Option(help: "Tokens generated in the decode test.") var genTokens = 128
    @Option(help: "Runs of each test; the median is reported.") var runs = 3
    @Option(help: "Threads for BLAS and attention.") var threads = 2
    @Option(help: "Tokens per prefill forward pass.") var batch = 512

    func run() throws {
        let m = try LoadedModel(path: model)
        printError(String(format: "loaded %@ in %.2f s (%.0f MB of f32 weights)", model, m.loadSeconds, Double(m.weights.residentBytes) / 1e6))
        let t = m.transformer(tokens: promptTokens + genTokens, batch: batch, threads: threads)
        let runner = SequenceRunner(transformer: t)
        var rng = Xoshiro256(seed: 42)
        let prompt = (0..<promptTokens).map { _ in Int32.random(in: 100..<Int32(m.config.vocabSize), using: &rng) }
        _ = try runner.feed(Array(prompt.prefix(16)))  // warm up BLAS threads and page in weights
        var prefill: [Double] = [], decode: [Double] = []
        for _ in 0..<runs {
            runner.reset()
            var start = Date()
            var logits = try runner.feed(prompt)
            prefill.append(Double(promptTokens) / Date().timeIntervalSince(start))
            start = Date()
            for _ in 0..<genTokens { logits = try runner.feed([Sampler.argmax(logits)], generated: true) }
            decode.append(Double(genTokens) / Date().timeIntervalSince(start))
        }
        func median(_ a: [Double]) -> Double { a.sorted()[a.count / 2] }
        print(String(format: "model=%@ pp%d=%.1f tok/s tg%d=%.1f tok/s (medians of %d; runs pp %@ tg %@)",
                     (model as NSString).lastPathComponent, promptTokens, median(prefill), genTokens, median(decode), runs,
                     prefill.map { String(format: "%.1f", $0) }.joined(separator: ","),
                     decode.map { String(format: "%.1f", $0) }.joined(separator: ",")))
    }
}
