import ArgumentParser
import Foundation
import GGUF
import Generation
import HTTP
import Inference
import Server
import Tokenizers

/// `hearth serve`: the OpenAI-compatible HTTP server.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve a GGUF model over an OpenAI-compatible HTTP API.")

    @Option(help: "Path to a GGUF model.") var model: String
    @Option(help: "Address to listen on (IPv4 or IPv6, e.g. 0.0.0.0 or ::).") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Model id clients send (default: the file name without .gguf).") var modelID: String?
    @Option(help: "Another accepted model name (repeatable).") var alias: [String] = []
    @Option(help: "API key clients must send as a Bearer token (repeatable; also HEARTH_API_KEYS, comma-separated).") var apiKey: [String] = []
    @Option(help: "Send CORS headers for this origin and answer OPTIONS preflights.") var corsOrigin: String?
    @Option(help: "auto: split <think> output into reasoning_content; none: leave it in content.") var reasoningFormat = "auto"
    @Option(help: "A Jinja chat template file that replaces the model's own.") var chatTemplate: String?
    @Option(help: "Memory for the KV cache, e.g. 2GiB or 512MiB (default: 20% of RAM, at most 8 GiB).") var kvCacheMemory: String?
    @Option(help: "KV cache element type: f32 or f16.") var kvCacheType = "f32"
    @Option(help: "Tokens per engine step (prefill chunks and decodes together).") var maxBatchTokens = 512
    @Option(help: "Most sequences running at once.") var maxSequences = 64
    @Option(help: "Most requests waiting; beyond it clients get 429.") var maxWaiting = 256
    @Option(help: "Largest request body in bytes.") var maxBodyBytes = 4 * 1024 * 1024
    @Option(help: "Most open connections; beyond it clients get 503.") var maxConnections = 512
    @Option(help: "Seconds to let in-flight requests finish on SIGINT/SIGTERM.") var drainTimeout = 30.0
    @Option(help: "Threads for BLAS and attention.") var threads = 2

    func validate() throws {
        guard ReasoningFormat(rawValue: reasoningFormat) != nil else { throw ValidationError("--reasoning-format must be auto or none") }
        guard ["f32", "f16"].contains(kvCacheType) else { throw ValidationError("--kv-cache-type must be f32 or f16") }
        guard maxBatchTokens >= 16 else { throw ValidationError("--max-batch-tokens must be at least 16") }
        guard maxSequences >= 1, maxWaiting >= 1, maxConnections >= 1, threads >= 1 else {
            throw ValidationError("--max-sequences, --max-waiting, --max-connections and --threads must be at least 1")
        }
        if let m = kvCacheMemory, ByteSize.parse(m) == nil { throw ValidationError("--kv-cache-memory must look like 2GiB, 512MiB or 1000000") }
        guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("model file not found: \(model)") }
    }

    func run() throws {
        var keys = apiKey
        if let env = ProcessInfo.processInfo.environment["HEARTH_API_KEYS"] {
            keys += env.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        var options = ServerOptions(modelID: modelID ?? URL(fileURLWithPath: model).deletingPathExtension().lastPathComponent)
        options.aliases = alias
        options.apiKeys = keys
        options.corsOrigin = corsOrigin
        options.reasoningFormat = ReasoningFormat(rawValue: reasoningFormat) ?? .auto
        options.logger = { log($0) }
        let api = OpenAIServer(options: options)

        // Listen first so /health answers 503 while the model loads.
        var http = HTTPServerConfiguration(host: host, port: port)
        http.maxBodyBytes = maxBodyBytes
        http.maxConnections = maxConnections
        http.errorResponder = OpenAIServer.errorResponder
        let server = HTTPServer(configuration: http, handler: api.handler)
        try server.start()
        log("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(server.port) (model id \"\(options.modelID)\"\(keys.isEmpty ? "" : ", API keys required"))")

        let drain = drainTimeout
        let stop = ShutdownSignals { signal in
            log("received signal \(signal): draining for up to \(Int(drain)) s")
            server.shutdown(drainTimeout: .milliseconds(Int(drain * 1000)))
        }

        let start = Date()
        let file = try GGUFFile(path: model)
        let config = try ModelConfig(gguf: file)
        let tokenizer = try Tokenizer(gguf: file)
        let template = try ChatTemplateSource.load(file: file, override: chatTemplate, warn: log)
        let weights = try ModelWeights(file: file, config: config)
        let perToken = KVStorage.bytes(blocks: 1, blockSize: 1, config: config, precision: kvCacheType == "f16" ? .f16 : .f32)
        let budget = kvCacheMemory.flatMap(ByteSize.parse) ?? ByteSize.defaultKVBudget()
        let blockSize = 16
        let blocks = max(budget / (perToken * blockSize), 1)
        var engineConfig = EngineConfiguration(kvBlocks: blocks)
        engineConfig.blockSize = blockSize
        engineConfig.maxBatchTokens = maxBatchTokens
        engineConfig.maxSequences = maxSequences
        engineConfig.maxWaiting = maxWaiting
        engineConfig.kvPrecision = kvCacheType == "f16" ? .f16 : .f32
        engineConfig.threads = threads
        let engine = Engine(weights: weights, tokenizer: tokenizer, configuration: engineConfig)
        engine.start()
        api.setModel(ServedModel(engine: engine, tokenizer: tokenizer, template: template, contextLength: config.contextLength))
        log(String(format: "loaded %@ (%@, %d layers, context %d) in %.1f s: %.0f MB of f32 weights; KV cache %d blocks × %d tokens = %d tokens (%.0f MB, %@); chat template: %@",
                   model, config.architecture, config.layers, config.contextLength, Date().timeIntervalSince(start),
                   Double(weights.residentBytes) / 1e6, blocks, blockSize, blocks * blockSize,
                   Double(blocks * blockSize * perToken) / 1e6, kvCacheType, template.origin))

        server.waitUntilStopped()
        engine.stop()
        withExtendedLifetime(stop) {}
        log("stopped")
    }
}

func log(_ message: String) {
    let f = ISO8601DateFormatter()
    FileHandle.standardError.write(Data("\(f.string(from: Date())) hearth: \(message)\n".utf8))
}

/// Byte sizes written as 2GiB, 512MiB, 1.5GB or a plain number.
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let units: [(String, Double)] = [("GiB", 1_073_741_824), ("MiB", 1_048_576), ("KiB", 1024), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("G", 1_073_741_824), ("M", 1_048_576), ("K", 1024), ("B", 1)]
        let t = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            guard let v = Double(t.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), v > 0 else { return nil }
            return Int(v * scale)
        }
        guard let v = Int(t), v > 0 else { return nil }
        return v
    }

    /// 20% of physical memory, at most 8 GiB: room for many long conversations without crowding the weights.
    static func defaultKVBudget() -> Int {
        min(Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.2), 8 << 30)
    }
}
