import Foundation
import GGUF
import Inference

/// A model file opened and dequantized for the CLI commands, with load figures for the log.
struct LoadedModel {
    let file: GGUFFile
    let config: ModelConfig
    let weights: ModelWeights
    let loadSeconds: Double

    init(path: String) throws {
        let start = Date()
        file = try GGUFFile(path: path)
        config = try ModelConfig(gguf: file)
        weights = try ModelWeights(file: file, config: config)
        loadSeconds = Date().timeIntervalSince(start)
    }

    /// A transformer with a KV cache for one sequence of up to `tokens` tokens.
    func transformer(tokens: Int, batch: Int = 512, threads: Int) throws -> Transformer {
        let blockSize = 16
        let blocks = (min(tokens, config.contextLength) + blockSize - 1) / blockSize
        let kv = try KVStorage(config: config, blockCount: max(blocks, 1), blockSize: blockSize)
        return Transformer(weights: weights, kv: kv, maxBatchTokens: batch, maxSequences: 1, threads: threads)
    }
}

/// A one-line error on stderr and a non-zero exit, for bad arguments and bad files.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
