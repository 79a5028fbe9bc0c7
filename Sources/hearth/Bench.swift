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
    @Option(help: "Threads for the matrix products and attention.") var threads = 2
    @Option(help: "Tokens per prefill forward pass.") var batch = 512
    @Option(help: "Also decode this many sequences at once (one generated row each per step); 0 skips it.") var parallel = 16

    func run() throws {
        let m = try LoadedModel(path: model)
        printError(String(format: "loaded %@ in %.2f s (%.0f MB of weights, RSS %d MB, kernels %@)", model, m.loadSeconds,
                          Double(m.weights.residentBytes) / 1e6, ServerRunner.residentMegabytes() ?? -1, KernelISA.selected.name))
        let t = try m.transformer(tokens: promptTokens + genTokens, batch: batch, threads: threads)
        let runner = SequenceRunner(transformer: t)
        var rng = Xoshiro256(seed: 42)
        let prompt = (0..<promptTokens).map { _ in Int32.random(in: 100..<Int32(m.config.vocabSize), using: &rng) }
        _ = try runner.feed(Array(prompt.prefix(16)))  // warm up the worker threads and caches
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
        var batched: [Double] = []
        if parallel > 0 {
            // `parallel` sequences of 64 context tokens each, then `genTokens` steps of one generated row per sequence.
            let blocksPer = (64 + genTokens + 15) / 16
            let kv = try KVStorage(config: m.config, blockCount: parallel * blocksPer)
            let bt = Transformer(weights: m.weights, kv: kv, maxBatchTokens: max(parallel * 64, 64), maxSequences: parallel, threads: threads)
            let tables = (0..<parallel).map { s in (0..<blocksPer).map { Int32(s * blocksPer + $0) } }
            var pre = ForwardBatch()
            for s in 0..<parallel { pre.append(tokens: prompt.prefix(64), startPosition: 0, blockTable: tables[s], wantsLogits: false) }
            try bt.forward(pre)
            for _ in 0..<runs {
                let start = Date()
                for step in 0..<genTokens {
                    var b = ForwardBatch()
                    for s in 0..<parallel {
                        b.append(tokens: [Int32(100 + s)], startPosition: 64 + step, blockTable: tables[s], wantsLogits: true, generated: true)
                    }
                    try bt.forward(b)
                }
                batched.append(Double(parallel * genTokens) / Date().timeIntervalSince(start))
            }
        }
        print(String(format: "model=%@ pp%d=%.1f tok/s tg%d=%.1f tok/s (medians of %d; runs pp %@ tg %@)",
                     (model as NSString).lastPathComponent, promptTokens, median(prefill), genTokens, median(decode), runs,
                     prefill.map { String(format: "%.1f", $0) }.joined(separator: ","),
                     decode.map { String(format: "%.1f", $0) }.joined(separator: ",")))
        if !batched.isEmpty {
            print(String(format: "  batched decode, %d sequences: %.1f tok/s aggregate (runs %@)", parallel, median(batched),
                         batched.map { String(format: "%.1f", $0) }.joined(separator: ",")))
        }
    }
}
