import ArgumentParser
import Foundation
import Inference
import Generation
import Tokenizers

/// `hearth generate`: one prompt, continued token by token on stdout, with a stats line on stderr.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Continue a prompt with a model and print the text as it is generated.")

    @Option(help: "Path to a GGUF model.") var model: String
    @Option(help: "The prompt text.") var prompt: String
    @Option(help: "Most tokens to generate.") var maxTokens = 128
    @Option(help: "Sampling temperature; 0 is greedy.") var temperature: Float = 0
    @Option(help: "Top-k cut (0 = off).") var topK = 0
    @Option(help: "Top-p (nucleus) cut.") var topP: Float = 1
    @Option(help: "Seed for sampling.") var seed: UInt64?
    @Flag(help: "Render the prompt as a single user message through the model's chat template.") var chat = false
    @Option(help: "A Jinja chat template file that replaces the model's own (with --chat).") var chatTemplate: String?
    @Flag(help: "Keep generating past end-of-generation tokens.") var ignoreEOS = false
    @Option(help: "Threads for the matrix products and attention.") var threads = 2

    func validate() throws {
        guard maxTokens >= 1 else { throw ValidationError("--max-tokens must be at least 1") }
        guard (0...2).contains(temperature) else { throw ValidationError("--temperature must be in [0, 2]") }
        guard topP > 0 && topP <= 1 else { throw ValidationError("--top-p must be in (0, 1]") }
    }

    func run() throws {
        let m = try LoadedModel(path: model)
        let tokenizer = try Tokenizer(gguf: m.file)
        var text = prompt
        if chat {
            let template = try ChatPrompt.load(embedded: m.file.string("tokenizer.chat_template"), override: chatTemplate,
                                               tokenizer: tokenizer, warn: printError)
            text = try template.renderSingleUser(prompt)
        }
        let tokens = tokenizer.encode(text, addSpecial: true, parseSpecial: chat)
        guard !tokens.isEmpty else { throw CLIError("the prompt is empty") }
        guard tokens.count + maxTokens <= m.config.contextLength else {
            throw CLIError("prompt (\(tokens.count) tokens) + max tokens (\(maxTokens)) exceed the context length \(m.config.contextLength)")
        }
        let t = try m.transformer(tokens: tokens.count + maxTokens, threads: threads)
        let runner = SequenceRunner(transformer: t)
        var sampler = Sampler(parameters: SamplingParameters(temperature: temperature, topK: topK, topP: topP, seed: seed), prompt: tokens)
        var detokenizer = StreamingDetokenizer(tokenizer: tokenizer)
        let out = FileHandle.standardOutput

        let prefillStart = Date()
        var logits = try runner.feed(tokens)
        let prefillSeconds = Date().timeIntervalSince(prefillStart)
        let decodeStart = Date()
        var generated = 0
        while generated < maxTokens {
            let next = sampler.sample(logits)
            sampler.accept(next)
            generated += 1
            if !ignoreEOS && tokenizer.isEndOfGeneration(next) { break }
            out.write(Data(detokenizer.append(next).utf8))
            if generated == maxTokens { break }
            logits = try runner.feed([next], generated: true)
        }
        out.write(Data((detokenizer.finish() + "\n").utf8))
        let decodeSeconds = Date().timeIntervalSince(decodeStart)
        printError(String(format: "prompt tokens: %d, prefill: %.1f tok/s, generated tokens: %d, decode: %.1f tok/s",
                          tokens.count, Double(tokens.count) / prefillSeconds, generated,
                          Double(max(generated - 1, 0)) / max(decodeSeconds, 1e-9)))
    }
}
