import Foundation
import GGUF
import Generation
import HTTP
import Inference
import Server
import Tokenizers
import TestSupport
import XCTest

/// One server on the real SmolLM2 model for the whole test process, on an ephemeral loopback port.
final class ServerHarness: @unchecked Sendable {
    // Built once under `lock`; read-only afterwards.
    let api: OpenAIServer
    let http: HTTPServer
    let engine: Engine
    var port: Int { http.port }

    static let apiKey = "test-key-123"
    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared: ServerHarness?

    static func get() throws -> ServerHarness {
        lock.lock()
        defer { lock.unlock() }
        if let s = shared { return s }
        let s = try ServerHarness()
        shared = s
        return s
    }

    private init() throws {
        let (file, weights) = try TestModels.load(TestModels.smolLM2)
        let tokenizer = try Tokenizer(gguf: file)
        var config = EngineConfiguration(blockCount: 1024)
        config.maxWaiting = 64
        engine = try Engine(weights: weights, tokenizer: tokenizer, configuration: config)
        engine.start()
        var options = ServerOptions(modelID: "smollm2")
        options.aliases = ["smol"]
        options.apiKeys = [Self.apiKey]
        options.corsOrigins = ["https://chat.example"]
        api = OpenAIServer(options: options)
        let prompt = try ChatPrompt.load(embedded: file.string("tokenizer.chat_template"), override: nil, tokenizer: tokenizer,
                                         warn: { _ in })
        api.setModel(ServedModel(engine: engine, prompt: prompt))
        var http = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        http.maxBodyBytes = 64 * 1024
        http.headerTimeout = .seconds(3)
        http.errorResponder = OpenAIServer.errorResponder
        http.headFilter = api.headFilter
        http.reservedPaths = ["/health", "/metrics"]
        self.http = HTTPServer(configuration: http, handler: api.handler)
        try self.http.start()
    }

    func client() throws -> TestClient { try TestClient(port: port) }

    var auth: [String: String] { ["Authorization": "Bearer \(Self.apiKey)"] }

    /// Waits until the engine has no live request and every block is free or cached.
    func waitIdle(seconds: Double = 30) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if engine.stats.idleAndClean { return true }
            usleep(20_000)
        }
        return engine.stats.idleAndClean
    }
}
